// `npm start`: migrate, then run the API and one worker as child processes. A child that
// dies is restarted with exponential backoff while the other keeps serving; Ctrl-C (or
// SIGTERM) stops both cleanly and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from './config/config.js';
import { configureLogger } from './infra/logger.js';
import { NODE_FLAGS, type ProcessKind } from './infra/node-flags.js';
import { migrate } from './migrate.js';

/** First restart delay; doubles per crash up to MAX_DELAY_MS. */
const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A child that ran this long before dying counts as healthy: its next restart is quick again. */
const STABLE_AFTER_MS = 60_000;

const config = loadConfig();
const logger = configureLogger(config.log);
const applied = await migrate(config.db.url);
logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');

// The children run the way this supervisor runs: compiled JS under plain node (dist/, as
// `npm start` runs it), or the TypeScript sources through tsx (`npm run dev`, tests).
const fromSources = import.meta.filename.endsWith('.ts');
const extension = fromSources ? '.ts' : '.js';
const loader = fromSources ? ['--import', 'tsx'] : [];

interface Supervised {
  name: ProcessKind;
  entry: string;
  child: ChildProcess | null;
  startedAt: number;
  restarts: number;
  nextDelayMs: number;
  timer: NodeJS.Timeout | null;
}

const entries: Array<[name: ProcessKind, entry: string]> = [
  ['api', path.join(import.meta.dirname, `main${extension}`)],
  ['worker', path.join(import.meta.dirname, `../worker/main${extension}`)],
];
const supervised: Supervised[] = entries.map(([name, entry]) => ({
  name,
  entry,
  child: null,
  startedAt: 0,
  restarts: 0,
  nextDelayMs: MIN_DELAY_MS,
  timer: null,
}));

let stopping = false;

function launch(target: Supervised) {
  target.timer = null;
  // Each child gets its V8 flags (heap sizes, see infra/node-flags.ts), the same as
  // `npm run start:api` / `start:worker` and the benchmarks give it.
  const child = spawn(process.execPath, [...NODE_FLAGS[target.name], ...loader, target.entry], {
    stdio: 'inherit',
    env: process.env,
  });
  target.child = child;
  target.startedAt = Date.now();
  logger.info({ process: target.name, childPid: child.pid, restarts: target.restarts }, 'child started');
  child.on('exit', (code, signal) => onExit(target, { childPid: child.pid, code, signal }));
}

function onExit(target: Supervised, exit: { childPid?: number; code: number | null; signal: NodeJS.Signals | null }) {
  target.child = null;
  const uptimeMs = Date.now() - target.startedAt;
  if (stopping) {
    logger.info({ process: target.name, ...exit, uptimeMs }, 'child stopped');
    exitWhenAllStopped();
    return;
  }
  if (uptimeMs >= STABLE_AFTER_MS) target.nextDelayMs = MIN_DELAY_MS;
  const restartInMs = target.nextDelayMs;
  target.nextDelayMs = Math.min(target.nextDelayMs * 2, MAX_DELAY_MS);
  target.restarts++;
  logger.error({ process: target.name, ...exit, uptimeMs, restartInMs, restarts: target.restarts }, 'child exited unexpectedly; restarting');
  target.timer = setTimeout(() => launch(target), restartInMs);
}

function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  for (const target of supervised) {
    if (target.timer) clearTimeout(target.timer);
    target.timer = null;
    target.child?.kill('SIGTERM');
  }
  exitWhenAllStopped();
}

function exitWhenAllStopped() {
  if (supervised.every((target) => target.child === null)) process.exit(0);
}

for (const target of supervised) launch(target);
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
