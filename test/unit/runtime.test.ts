// Tests, and every process they spawn with process.execPath, run on the Node that
// package.json's engines asks for: the npm `node` package's binary, which npm scripts and
// npx put first on PATH. Run with the machine's older Node, this says so up front.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

describe('runtime', () => {
  it('is the Node that engines asks for and the node package pins', () => {
    const minimum = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(minimum);
    expect(process.versions.node).toBe(pkg.dependencies.node);
  });
});
