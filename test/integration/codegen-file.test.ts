import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('typed client (src/client/generated)', () => {
  it('is up to date with schema.graphql and the operations (run `npm run codegen`)', async () => {
    const outputs = (await generate({ ...config, cwd: ROOT, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const onDisk = await readFile(path.resolve(ROOT, output.filename), 'utf8');
      expect(onDisk, output.filename).toBe(output.content);
    }
  });
});
