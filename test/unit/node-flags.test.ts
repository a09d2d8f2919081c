// The V8 flags each process runs with are the same however it is started: package.json's
// scripts, the Dockerfile's CMD and docker-compose.yml's worker command spell out what
// src/start.ts and the benchmarks take from NODE_FLAGS, on the compiled entry points.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** Every exec-form command (`CMD [...]`, `command: [...]`) in a Dockerfile or compose file, as argv. */
function execForms(text: string): string[][] {
  return [...text.matchAll(/^\s*(?:CMD|command:)\s*(\[.*\])\s*$/gm)].map((match) => JSON.parse(match[1]!) as string[]);
}

describe('node flags', () => {
  it.each([
    ['start:api', 'api', 'dist/src/main.js'],
    ['start:worker', 'worker', 'dist/worker/main.js'],
  ] as const)('npm run %s runs node with the %s flags on %s', (script, kind, entry) => {
    // exec: npm's shell hands its pid to node, so a SIGTERM sent to npm reaches the process.
    expect(scripts[script]).toBe(['exec', 'node', ...NODE_FLAGS[kind], entry].join(' '));
  });

  it.each([
    ['Dockerfile', 'api', 'dist/src/main.js'],
    ['docker-compose.yml', 'worker', 'dist/worker/main.js'],
  ] as const)('%s runs %s with the %s flags', (file, kind, entry) => {
    const commands = execForms(read(file)).filter((argv) => argv.at(-1) === entry);
    expect(commands).toEqual([['node', ...NODE_FLAGS[kind], entry]]);
  });
});
