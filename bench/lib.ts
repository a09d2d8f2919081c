// Shared helpers for benchmarks: child processes for API/worker, peak RSS, results file.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pgConfig } from '../src/infra/migrations.js';
import { NODE_FLAGS } from '../src/infra/node-flags.js';

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
  return spawn(process.execPath, [...flags, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
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
