// Shared helpers for benchmarks: child processes for API/worker, peak RSS, results file.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { JobProgressSubscription } from '../src/client/operations/progress.js';
import { parseConfig } from '../src/config/config.js';
import { pgConfig } from '../src/infra/migrations.js';
import { NODE_FLAGS } from '../src/infra/node-flags.js';
import { createRedis } from '../src/infra/redis.js';
import { createWsClient, subscribeData } from '../src/client/ws.js';
import { spawnEntry as spawnProcess, until } from '../test/helpers/processes.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const RESULTS_FILE = path.join(ROOT, 'bench', 'RESULTS.md');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Runs a TypeScript entry of ours as a child node process (its pid is the node process),
 * with the V8 flags production gives it (infra/node-flags.ts): the worker's for worker/
 * entries, the API's for the rest (the API, and servers of ours built like it).
 */
export function spawnEntry(entry: string, env: Record<string, string>): ChildProcess {
  const flags = NODE_FLAGS[entry.startsWith('worker/') ? 'worker' : 'api'];
  return spawnProcess(entry, { NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env }, { nodeArgs: [...flags], stdio: 'inherit' }).child;
}

/** A memory figure of a live process's /proc status (VmRSS, VmHWM, …), in MB. */
async function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export const peakRssMb = (pid: number) => procStatusMb(pid, 'VmHWM');

/** Resident set size now (VmRSS) of a live process, in MB. */
export const rssMb = (pid: number) => procStatusMb(pid, 'VmRSS');

/** CPU time so far, in ms: of one process (user + system, /proc/<pid>/stat) and of the whole machine (/proc/stat). */
export async function cpuMs(pid: number): Promise<{ process: number; machine: number }> {
  const TICK_MS = 10; // USER_HZ is 100 on Linux
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const machineFields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user, nice, system, irq, softirq (idle and iowait are not work)
  const machineTicks = [0, 1, 2, 5, 6].reduce((sum, i) => sum + (machineFields[i] ?? 0), 0);
  return { process: (Number(fields[11]) + Number(fields[12])) * TICK_MS, machine: machineTicks * TICK_MS };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await until(() => check().catch(() => false), Boolean, what, timeoutMs, 100);
}
const TERMINAL_STATUSES = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

/**
 * Waits for a job to end as a frontend would, on its progress subscription (polling the job
 * over HTTP every 100 ms took CPU from the ingest on this 2-core machine). Resolves as the
 * terminal event arrives, with its status; null when the subscription ended without one.
 */
export async function jobEnd(url: string, jobId: string): Promise<string | null> {
  const ws = createWsClient({ url });
  try {
    for await (const { jobProgress } of subscribeData(ws, JobProgressSubscription, { jobId })) {
      if (TERMINAL_STATUSES.includes(jobProgress.status)) return jobProgress.status;
    }
    return null;
  } finally {
    await ws.dispose();
  }
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const pgVersion = (() => {
    try {
      return execFileSync('psql', ['--version']).toString().trim();
    } catch {
      return 'psql ?';
    }
  })();
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pgVersion}`;
}

/** Replaces the section `## title` of bench/RESULTS.md (or appends it). */
export async function writeResultsSection(title: string, body: string): Promise<void> {
  const existing = await readFile(RESULTS_FILE, 'utf8').catch(() => '# Benchmark results\n');
  const header = `## ${title}`;
  const section = `${header}\n\n${body.trim()}\n`;
  const start = existing.indexOf(header);
  if (start < 0) {
    await appendFile(RESULTS_FILE, `${existing.endsWith('\n') ? '' : '\n'}\n${section}`);
    return;
  }
  const next = existing.indexOf('\n## ', start + header.length);
  await writeFile(RESULTS_FILE, existing.slice(0, start) + section + (next < 0 ? '' : existing.slice(next)));
}

/** The p-th percentile (nearest rank) of ascending numbers; NaN when there are none. */
export const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number) : NaN;

/** `--name value` pairs from the command line. */
export function benchArgs(argv = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(argv.flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])));
}

/** The server's maintenance database; benchmarks create their own databases beside it. */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function benchDatabaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops `name` (closing its connections) and creates it empty. */
export async function recreateDatabase(name: string): Promise<void> {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

/** The queue and rate-limit keys a benchmark's server left under its Redis prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = createRedis(parseConfig().redis.url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
