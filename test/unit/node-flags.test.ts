// The V8 flags each process runs with are the same however it is started: package.json's
// scripts (docker-compose, the Dockerfile) spell out what src/start.ts and the benchmarks
// take from NODE_FLAGS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('node flags', () => {
  it.each([
    ['start:api', 'api', 'src/main.ts'],
    ['start:worker', 'worker', 'worker/main.ts'],
  ] as const)('npm run %s runs node with the %s flags', (script, kind, entry) => {
    expect(scripts[script]).toBe(['node', ...NODE_FLAGS[kind], '--import', 'tsx', entry].join(' '));
  });
});
