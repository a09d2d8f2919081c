// `npm run bench:runtime`: what running TypeScript through tsx costs, against the compiled
// build under plain node (`npm start`, the image). The same API and worker, with their
// production V8 flags and NODE_ENV, run from src/ through tsx and from dist/ (built first
// when stale); per run: time to /ready, RSS once idle, RSS after dashboard requests.
// Runs alternate between the two so machine noise hits both. Results: the "Runtime"
// section of bench/RESULTS.md.
// Flags: --transactions N (default 100000) --rounds N (default 2) --requests N (default 5) --reuse
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { NODE_FLAGS, type ProcessKind } from '../src/infra/node-flags.js';
import { DASHBOARD_QUERY, databaseExists, existingData, freshData } from './dashboard-data.js';
import { ROOT, benchArgs, benchDatabaseUrl, deleteRedisKeys, freePort, machine, rssMb, waitFor, writeResultsSection } from './lib.js';

const args = benchArgs();
const TRANSACTIONS = Number(args.transactions ?? 100_000);
const ROUNDS = Number(args.rounds ?? 2);
const REQUESTS = Number(args.requests ?? 5);
/** Idle: long enough for startup garbage to be collected and the worker to settle. */
const IDLE_MS = 15_000;
const DATABASE = 'bi_bench_runtime';
const MODES = ['tsx', 'compiled'] as const;
type Mode = (typeof MODES)[number];

const ENTRIES: Record<ProcessKind, Record<Mode, string>> = {
  api: { tsx: 'src/main.ts', compiled: 'dist/src/main.js' },
  worker: { tsx: 'worker/main.ts', compiled: 'dist/worker/main.js' },
};

function spawnProcess(kind: ProcessKind, mode: Mode, env: Record<string, string>): ChildProcess {
  const loader = mode === 'tsx' ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...NODE_FLAGS[kind], ...loader, path.join(ROOT, ENTRIES[kind][mode])], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** RSS of each process with its children: tsx's loader keeps an esbuild service process per node process. */
interface Sample {
  api: number;
  worker: number;
  apiTree: number;
  workerTree: number;
}

interface Run {
  mode: Mode;
  readyMs: number;
  idle: Sample;
  afterDashboard: Sample;
}

async function treeRssMb(pid: number): Promise<number> {
  // ps exits 1 when there is no child.
  const list = (() => {
    try {
      return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
    } catch {
      return '';
    }
  })();
  const children = list.split('\n').filter((line) => line.trim()).map(Number);
  let total = await rssMb(pid);
  for (const child of children) total += await treeRssMb(child).catch(() => 0);
  return total;
}

async function sample(api: ChildProcess, worker: ChildProcess): Promise<Sample> {
  return {
    api: await rssMb(api.pid!),
    worker: await rssMb(worker.pid!),
    apiTree: await treeRssMb(api.pid!),
    workerTree: await treeRssMb(worker.pid!),
  };
}

async function measure(mode: Mode, databaseUrl: string): Promise<Run> {
  const port = await freePort();
  const prefix = `bench_runtime_${port}`;
  const env = { DATABASE_URL: databaseUrl, PORT: String(port), REDIS_PREFIX: prefix };
  const started = performance.now();
  const api = spawnProcess('api', mode, env);
  const worker = spawnProcess('worker', mode, env);
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/ready`)).ok, 120_000, `${mode} API`);
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = await sample(api, worker);
    for (let i = 0; i < REQUESTS; i++) {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A different date range each time: the result cache does not answer.
        body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { filter: { from: `2025-06-${String(1 + i).padStart(2, '0')}` } } }),
      });
      const json = (await response.json()) as { errors?: unknown; data?: { dashboard?: unknown } };
      if (json.errors || !json.data?.dashboard) throw new Error(`dashboard failed: ${JSON.stringify(json).slice(0, 500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const afterDashboard = await sample(api, worker);
    return { mode, readyMs, idle, afterDashboard };
  } finally {
    await Promise.all([stop(api), stop(worker)]);
    await deleteRedisKeys(prefix);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.ts'), '--if-stale'], { stdio: 'inherit' });
  const url = benchDatabaseUrl(DATABASE);
  const data = 'reuse' in args && (await databaseExists(DATABASE)) ? await existingData(url) : await freshData(url, TRANSACTIONS);
  const runs: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which mode goes first.
    for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
      const run = await measure(mode, url);
      console.log(run);
      runs.push(run);
    }
  }
  const row = (mode: Mode) => {
    const of = runs.filter((run) => run.mode === mode);
    const m = (pick: (run: Run) => number) => Math.round(median(of.map(pick)));
    const both = (pick: (run: Run) => Sample, kind: 'api' | 'worker') => {
      const own = m((r) => pick(r)[kind]);
      const tree = m((r) => pick(r)[`${kind}Tree`]);
      return tree === own ? String(own) : `${own} (${tree})`;
    };
    return `| ${mode === 'tsx' ? 'sources through tsx (`node --import tsx`)' : 'compiled dist/ (`node`)'} | ${m((r) => r.readyMs)} | ${both((r) => r.idle, 'api')} | ${both((r) => r.afterDashboard, 'api')} | ${both((r) => r.idle, 'worker')} | ${both((r) => r.afterDashboard, 'worker')} |`;
  };
  await writeResultsSection(
    'Runtime: tsx against the compiled build',
    `RSS in MB (VmRSS), median of ${ROUNDS} runs each, alternating; in parentheses, where different, with the process's child processes (tsx's loader may keep an esbuild service process). The same API and worker, with their production V8 flags (src/infra/node-flags.ts) and NODE_ENV=production, auth off; "idle" ${IDLE_MS / 1000} s after /ready, "after dashboard" 2 s after ${REQUESTS} full dashboard queries (every field, a different "from" date each, so the result cache never answers) on ${data.rows.toLocaleString('en-US')} transactions. "to /ready": from spawning both processes.

| runs | to /ready (ms) | API idle | API after dashboard | worker idle | worker after dashboard |
|---|---:|---:|---:|---:|---:|
${row('tsx')}
${row('compiled')}

Machine: ${machine()}; load average at the end ${os.loadavg().map((n) => n.toFixed(1)).join(' / ')} (other work shares this machine). Run: ${new Date().toISOString()}, \`npm run bench:runtime${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  );
}

await main();
