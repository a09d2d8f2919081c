// `npm start`: migrate, then run the API and one worker as child processes. Ctrl-C (or
// SIGTERM) stops both cleanly; if either dies, the other is stopped too.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadEnv } from './config/env.js';
import { logger } from './infra/logger.js';
import { NODE_FLAGS, type ProcessKind } from './infra/node-flags.js';
import { migrate } from './migrate.js';

const env = loadEnv();
const applied = await migrate(env.DATABASE_URL);
logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');

const root = path.resolve(import.meta.dirname, '..');
// Each child gets its V8 flags (heap sizes, see infra/node-flags.ts), the same as
// `npm run start:api` / `start:worker` and the benchmarks give it.
const entries: Array<[name: ProcessKind, entry: string]> = [
  ['api', 'src/main.ts'],
  ['worker', 'worker/main.ts'],
];
const children: ChildProcess[] = entries.map(([name, entry]) => {
  const child = spawn(process.execPath, [...NODE_FLAGS[name], '--import', 'tsx', path.join(root, entry)], {
    stdio: 'inherit',
    env: process.env,
  });
  child.on('exit', (code, signal) => {
    logger.info({ process: name, code, signal }, 'child exited');
    stop(code ?? 0);
  });
  return child;
});

let stopping = false;
function stop(code: number) {
  if (!stopping) {
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  }
  if (children.every((child) => child.exitCode !== null || child.signalCode !== null)) process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
