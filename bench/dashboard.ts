// `npm run bench:dashboard`: the full dashboard query (every field) against the real
// HTTP server, over 1M generated transactions (`--sizes 1000000,10000000` adds 10M; the
// data set: bench/dashboard-data.ts). Once it is loaded, a server child process starts (this file with BENCH_DASHBOARD_SERVE set), and autocannon
// measures 4 filters at 1 and 16 connections, with the dashboard cache off (every request
// runs its queries) and on (the default). Results: the Dashboard section of bench/RESULTS.md.
// Flags: --sizes N[,M] --duration SECONDS --reuse (keep an already loaded database)
// --load-only (load, print table sizes, measure nothing).
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseConfig } from '../src/config/config.js';
import { configureLogger } from '../src/infra/logger.js';
import { buildApp } from '../src/http/app.js';
import { createServices } from '../src/services.js';
import { DASHBOARD_QUERY, DAYS, USERS, databaseExists, existingData, freshData, tableSizes } from './dashboard-data.js';
import { benchArgs, benchDatabaseUrl, freePort, machine, percentile, spawnEntry, waitFor, writeResultsSection } from './lib.js';

// autocannon ships no types (and @types/autocannon is not a dependency): the part we use.
interface AutocannonResult {
  requests: { average: number };
  errors: number;
  non2xx: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: { url: string; method: 'POST'; headers: Record<string, string>; body: string; connections: number; duration: number },
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Runs autocannon and records every response time (autocannon's own percentiles skip p95). */
function load(options: Parameters<Autocannon>[0]): Promise<{ result: AutocannonResult; times: number[] }> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve({ result, times })));
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
}

const args = benchArgs();
const SIZES = String(args.sizes ?? '1000000').split(',').map(Number);
const DURATION_SECONDS = Number(args.duration ?? 8);

// ------------------------------------------------------------------ load test

const FILTERS: [string, Record<string, unknown> | null][] = [
  ['none', null],
  ['7-day range', { from: '2025-06-10', to: '2025-06-16' }],
  ['2 regions', { regions: ['EU', 'JP'] }],
  ['company + model', { companies: ['Company 03'], models: ['model-02'] }],
];

interface Measure {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  errors: number;
}

async function measure(url: string, filter: Record<string, unknown> | null, connections: number): Promise<Measure> {
  const body = JSON.stringify({ query: DASHBOARD_QUERY, variables: { filter } });
  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections };
  // Warm-up (plans, connections), then the measured run.
  await load({ ...options, duration: 2 });
  const { result, times } = await load({ ...options, duration: DURATION_SECONDS });
  const sorted = times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    rps: result.requests.average,
    errors: result.errors + result.non2xx,
  };
}

/** Checks every filter answers; returns the time of the first request (cold plans and connections). */
async function checkResponse(url: string): Promise<number> {
  let first = NaN;
  for (const [, filter] of FILTERS) {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { filter } }),
    });
    const json = (await response.json()) as { errors?: unknown; data?: { dashboard?: { kpis?: { conversations?: number } } } };
    if (json.errors || !json.data?.dashboard?.kpis) throw new Error(`dashboard failed: ${JSON.stringify(json).slice(0, 500)}`);
    if (Number.isNaN(first)) first = performance.now() - started;
  }
  return first;
}

async function runServer(databaseUrl: string, mode: 'cache' | 'nocache'): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnEntry('bench/dashboard.ts', {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    REDIS_PREFIX: `bench_dashboard_${port}`,
    BENCH_DASHBOARD_SERVE: mode,
    // autocannon's connections all come from one address (one client, auth off): without
    // this, the per-client concurrency limit would queue 12 of 16 and the bench would
    // measure the queue, not the dashboard. 16 connections stand for 16 clients here.
    MAX_CONCURRENT_OPERATIONS_PER_CLIENT: '64',
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 'dashboard server');
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const sections: string[] = [];
  for (const size of SIZES) {
    const database = `bi_bench_dashboard_${size}`;
    const url = benchDatabaseUrl(database);
    // --reuse: measure the database a previous run loaded, when there is one.
    const data = 'reuse' in args && (await databaseExists(database)) ? await existingData(url) : await freshData(url, size);
    const sizes = await tableSizes(url);
    console.log(data, sizes);
    if ('load-only' in args) continue;

    const lines = [
      `### ${data.rows.toLocaleString('en')} transactions (${data.conversations.toLocaleString('en')} conversations, ${USERS} users, ${DAYS} days)`,
      '',
      `${Number.isNaN(data.loadSeconds) ? 'Data of an earlier run (--reuse)' : `Generated in SQL in ${data.loadSeconds.toFixed(1)} s; refreshAggregates ${data.aggregateSeconds.toFixed(1)} s`}. Rows: ${sizes}.`,
      '',
      '| cache | filter | conns | p50 ms | p95 ms | p99 ms | req/s | errors |',
      '|---|---|---|---|---|---|---|---|',
    ];
    for (const mode of ['nocache', 'cache'] as const) {
      const server = await runServer(url, mode);
      try {
        const cold = await checkResponse(server.url);
        if (mode === 'nocache') lines.splice(4, 0, `First request after the server started: ${Math.round(cold)} ms.`, '');
        for (const [name, filter] of FILTERS) {
          for (const connections of [1, 16]) {
            const m = await measure(server.url, filter, connections);
            const row = `| ${mode === 'cache' ? 'on' : 'off'} | ${name} | ${connections} | ${m.p50} | ${m.p95} | ${m.p99} | ${Math.round(m.rps)} | ${m.errors} |`;
            console.log(row);
            lines.push(row);
          }
        }
      } finally {
        await server.stop();
      }
    }
    sections.push(lines.join('\n'));
  }
  const body = [
    `Machine: ${machine()}; load average at the end ${os.loadavg().map((n) => n.toFixed(1)).join(' / ')} (other work shares this machine). Run: ${new Date().toISOString()}, \`npm run bench:dashboard${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    `The full dashboard query (every field: kpis, spendTrend DAY, costByModel, costByRegion, topCompanies(10), subscribers, dateRange, regions, companies, models, meta) over HTTP against the real server (one API process, pool of 10), autocannon ${DURATION_SECONDS} s per cell after a 2 s warm-up. "cache off" = every request runs its queries (SQL sums over the daily tables + distinct counts from the bit sets); "cache on" = the default (results keyed by filter and data_version; each request still reads data_version). p95 is computed from every response time (autocannon itself reports p90/p97.5).`,
    '',
    'Design: money and token sums in SQL from the smallest daily table that has the dimensions a question needs (NUMERIC, converted once); exact distinct conversations and users from bit sets in PostgreSQL (distinct_sets at five grains: additive counts for the conversations in one cell, or across models only, plus the union of the other conversations\' sets; the union of the user sets), so no API process holds or reloads a copy of the helper tables (docs/ARCHITECTURE.md). Earlier designs measured here: all-SQL count(DISTINCT) over the helper tables (p50 204–631 ms at 1M, 1 connection), then an in-memory columnar copy per API process (milliseconds per count, but reloaded on the first request after every job: ~1.8 s at 1M, seconds at 10M, and memory growing with history in every process).',
    '',
    sections.join('\n\n'),
  ].join('\n');
  if ('load-only' in args) return;
  await writeResultsSection('Dashboard', body);
  console.log('written to bench/RESULTS.md');
}

// ------------------------------------------------------------------ server mode (child process)

const SERVE_MODE = process.env.BENCH_DASHBOARD_SERVE; // set by runServer for the child

async function serve(mode: string): Promise<void> {
  const config = parseConfig({
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...(mode === 'nocache' ? { DASHBOARD_CACHE_MAX_BYTES: '0' } : {}),
  });
  configureLogger(config.log);
  const services = createServices(config);
  const app = buildApp(services);
  await app.start(config.http.port);
  const shutdown = async () => {
    await app.stop();
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
}

if (SERVE_MODE) await serve(SERVE_MODE);
else await main();
