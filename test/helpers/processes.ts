// The service as an operator runs it: real API and worker child processes on a test
// file's database and Redis prefix, bounded waits, and what a probe reads off a process
// from outside (alive, RSS, output). The one place tests and benchmarks spawn our entries
// and wait for conditions.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestDatabase } from './test-db.js';
import { freePort } from './ports.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

// ------------------------------------------------------------------ bounded waits

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done`, at most `timeoutMs`; the error names what was awaited and the last value. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}` +
          (lastError ? `; last error: ${String(lastError)}` : '') +
          `\n${context()}`,
      );
    }
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------ child processes

export interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  /** true while the process has neither exited nor been killed. */
  alive(): boolean;
  /** Resident set size read from /proc (bytes). */
  rssBytes(): number;
  /** SIGKILL if still running; resolves when it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean shutdown) if still running; resolves when it is gone. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** V8 flags before the entry (e.g. the heap flags of `npm run start:api`). */
  nodeArgs?: string[];
  /** Arguments after the entry. */
  args?: string[];
  /** Default the checkout; children can run elsewhere (tsx is loaded by absolute URL). */
  cwd?: string;
  /** The environment the given variables are added to (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** 'pipe' (default) keeps the output for output(); 'inherit' shows it live (benchmarks). */
  stdio?: 'pipe' | 'inherit';
}

// tsx's loader by absolute URL: a child may run in a directory without node_modules.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * An entry of ours (path from the checkout's root) as a child node process: a .ts source
 * through tsx, a compiled dist/ .js with plain node (as production runs it).
 */
export function spawnEntry(entry: string, env: Record<string, string>, options: SpawnOptions = {}): Proc {
  const { nodeArgs = [], args = [], cwd = ROOT, baseEnv = process.env, stdio = 'pipe' } = options;
  const loader = entry.endsWith('.ts') ? ['--import', TSX] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, path.join(ROOT, entry), ...args], {
    cwd,
    env: { ...baseEnv, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', stdio, stdio],
  });
  let output = '';
  const keep = (data: Buffer) => {
    output += data.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    exited,
    output: () => output,
    alive,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (!kb) throw new Error(`no VmRSS for pid ${child.pid}`);
      return Number(kb) * 1024;
    },
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
  };
}

const dbEnv = (db: TestDatabase) => ({ DATABASE_URL: db.url, REDIS_URL: db.redisUrl, REDIS_PREFIX: db.redisPrefix });

export function startWorker(db: TestDatabase, env: Record<string, string> = {}, options: SpawnOptions = {}): Proc {
  return spawnEntry('worker/main.ts', { ...dbEnv(db), WORKER_CONCURRENCY: '1', ...env }, options);
}

export interface ApiProc extends Proc {
  base: string;
}

/**
 * A real API process on a free port, started the way `npm run start:api` starts it (same
 * V8 flags, so RSS figures mean what they mean in production); resolves once /ready is 200.
 */
export async function startApi(db: TestDatabase, env: Record<string, string> = {}): Promise<ApiProc> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawnEntry('src/main.ts', { ...dbEnv(db), PORT: String(port), ...env }, { nodeArgs: apiNodeArgs() });
    const base = `http://127.0.0.1:${port}`;
    try {
      await until(
        () => readyStatus(base),
        (status) => status === 200 || !proc.alive(),
        'the API to be ready',
        60_000,
        200,
        proc.output,
      );
      if (proc.alive()) return { ...proc, base };
    } catch (error) {
      await proc.kill9();
      throw error;
    }
    // Exited: most likely the port was taken. Try another one a few times.
    if (attempt >= 3) throw new Error(`API did not start:\n${proc.output()}`);
  }
}

/** The node flags of `npm run start:api`, read from package.json. */
function apiNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return (pkg.scripts['start:api'] ?? '').split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/** /ready's status code, or 0 when the API does not answer within 3 s. */
export async function readyStatus(base: string): Promise<number> {
  return fetch(`${base}/ready`, { signal: AbortSignal.timeout(3_000) }).then(
    (response) => response.status,
    () => 0,
  );
}
