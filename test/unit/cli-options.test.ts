// The sample generator's command line: --help answers instead of crashing, and --dirty is
// a percent whatever its size (1 means 1 %, not 100 %).
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../scripts/generate-sample.js';

describe('generate-sample options', () => {
  it('answers --help and -h with no options', () => {
    expect(parseOptions(['--help'])).toBeNull();
    expect(parseOptions(['-h'])).toBeNull();
  });

  it('takes --dirty as a percent, 1 included', () => {
    expect(parseOptions(['--dirty', '1'])?.dirty).toBe(0.01);
    expect(parseOptions(['--dirty', '0.5'])?.dirty).toBe(0.005);
    expect(parseOptions(['--dirty', '100'])?.dirty).toBe(1);
    expect(() => parseOptions(['--dirty', '101'])).toThrow(/percent/);
  });

  it('writes under the OS temp dir unless told otherwise', () => {
    expect(parseOptions([])?.out.startsWith(os.tmpdir())).toBe(true);
    expect(parseOptions(['--out', 'here'])?.out).toBe('here');
  });
});
