// `npm run bench:dashboard`: the full dashboard query (every field) against the real
// HTTP server, over 1M generated transactions (`--sizes 1000000,10000000` adds 10M).
// Data is generated in SQL (generate_series; random() seeded, UUIDs random): 2k users
// (skewed activity), 12 models (skewed popularity), 5 regions, 20 companies (+ users
// without one), conversations of 2–10 rows a few minutes apart (so some cross midnight)
// where each row has a 2% chance of another model (~10% of conversations touch two
// models), 30 days. Then the real refreshAggregates builds the aggregate tables, a server
// child process starts (this file with BENCH_DASHBOARD_SERVE set), and autocannon
// measures 4 filters at 1 and 16 connections, with the dashboard cache off (every request
// runs its queries) and on (the default). Results: the Dashboard section of bench/RESULTS.md.
// Flags: --sizes N[,M] --duration SECONDS --reuse (keep an already loaded database)
// --load-only (load, print table sizes, measure nothing).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import pg from 'pg';
import { parseEnv } from '../src/config/env.js';
import { configureDashboardCache } from '../src/dashboard/cache.js';
import { buildApp } from '../src/http/app.js';
import { pgConfig } from '../src/infra/migrations.js';
import { migrate } from '../src/migrate.js';
import { createServices } from '../src/services.js';
import { refreshAggregates } from '../worker/pipeline/aggregates.js';
import { ADMIN_URL, benchArgs, benchDatabaseUrl, freePort, machine, spawnEntry, waitFor, writeResultsSection } from './lib.js';

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

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number) : NaN;

const args = benchArgs();
const SIZES = String(args.sizes ?? '1000000').split(',').map(Number);
const DURATION_SECONDS = Number(args.duration ?? 8);
const USERS = 2_000;
const DAYS = 30;
const FIRST_DAY = '2025-06-01';


// ------------------------------------------------------------------ data

const GENERATE_SQL = [
  `SELECT setseed(0.42)`,
  `INSERT INTO users (id, name, region, is_active_sub, department, company)
   SELECT gen_random_uuid(), 'user ' || i,
          (ARRAY['US','US','US','EU','EU','JP','BR','IN'])[1 + floor(random() * 8)::int],
          random() < 0.75, 'dept ' || (i % 7),
          CASE WHEN random() < 0.15 THEN NULL ELSE 'Company ' || lpad((1 + floor(random() * 20)::int)::text, 2, '0') END
     FROM generate_series(1, ${USERS}) i`,
  // Conversations: users with skewed activity (power law), models with skewed popularity.
  `CREATE TEMP TABLE bench_conversations AS
   SELECT c, gen_random_uuid() AS conversation_id,
          1 + floor(${USERS} * power(random(), 2))::int AS user_seq,
          1 + floor(12 * power(random(), 1.6))::int AS model_no,
          floor(random() * ${DAYS})::int AS day, floor(random() * 86400)::int AS start_second,
          2 + floor(random() * 9)::int AS rows
     FROM generate_series(1, $1::int) c`,
  `INSERT INTO transactions (row_id, user_id, user_seq, model, conversation_id, token_type, token_count,
                             rate_per_1k, cost, occurred_at, date, region, company, job_id)
   SELECT gen_random_uuid(), u.id, u.seq, r.model, c.conversation_id,
          (CASE WHEN k % 2 = 1 THEN 'prompt' ELSE 'completion' END)::"TokenType",
          r.tokens, r.rate, round(r.tokens * r.rate / 1000, 8),
          r.at, (r.at AT TIME ZONE 'UTC')::date, u.region, coalesce(u.company, ''), $1::uuid
     FROM bench_conversations c
     JOIN users u ON u.seq = c.user_seq
     CROSS JOIN LATERAL generate_series(1, c.rows) k
     CROSS JOIN LATERAL (
       SELECT 'model-' || lpad((CASE WHEN random() < 0.02 THEN 1 + floor(random() * 12)::int ELSE c.model_no END)::text, 2, '0') AS model,
              (10 + floor(random() * 4000))::bigint AS tokens,
              (0.0005 * c.model_no)::numeric AS rate,
              timestamptz '${FIRST_DAY} 00:00:00+00' + make_interval(days => c.day)
                + make_interval(secs => c.start_second + k * (30 + floor(random() * 150))) AS at
     ) r
    WHERE (r.at AT TIME ZONE 'UTC')::date < date '${FIRST_DAY}' + ${DAYS}`,
];

async function loadData(url: string, transactions: number): Promise<{ rows: number; conversations: number; loadSeconds: number; aggregateSeconds: number }> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 2 });
  try {
    const jobId = randomUUID();
    await pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED')`, [jobId]);
    const started = Date.now();
    const client = await pool.connect();
    try {
      // Average 6 rows per conversation (a few fall past the last day and are dropped).
      const conversations = Math.round(transactions / 6);
      for (const sql of GENERATE_SQL) {
        // $1 is the job id in the INSERT into transactions, the conversation count elsewhere.
        const params: unknown[] = sql.includes('INSERT INTO transactions') ? [jobId] : sql.includes('$1') ? [conversations] : [];
        await client.query(sql, params);
      }
    } finally {
      client.release();
    }
    // The rows as one job run leaves them: an aggregate batch pending on every date.
    const { rows: batch } = await pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [jobId]);
    await pool.query('UPDATE transactions SET agg_batch = $1', [batch[0]?.id]);
    await pool.query(`INSERT INTO aggregate_pending (batch, date) SELECT $1, d::date
                        FROM generate_series(date '${FIRST_DAY}', date '${FIRST_DAY}' + ${DAYS - 1}, '1 day') d`, [batch[0]?.id]);
    const loaded = Date.now();
    await refreshAggregates(pool, jobId);
    await pool.query('VACUUM ANALYZE');
    const { rows } = await pool.query<{ rows: number; conversations: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT conversation_id)::int AS conversations FROM transactions',
    );
    return {
      rows: rows[0]?.rows ?? 0,
      conversations: rows[0]?.conversations ?? 0,
      loadSeconds: (loaded - started) / 1000,
      aggregateSeconds: (Date.now() - loaded) / 1000,
    };
  } finally {
    await pool.end();
  }
}

async function freshData(url: string, size: number): ReturnType<typeof loadData> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await migrate(url);
  console.log(`loading ${size} transactions into ${database}…`);
  return loadData(url, size);
}

async function databaseExists(database: string): Promise<boolean> {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}

async function existingData(url: string): ReturnType<typeof loadData> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 1 });
  try {
    const { rows } = await pool.query<{ rows: number; conversations: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT conversation_id)::int AS conversations FROM transactions',
    );
    return { rows: rows[0]?.rows ?? 0, conversations: rows[0]?.conversations ?? 0, loadSeconds: NaN, aggregateSeconds: NaN };
  } finally {
    await pool.end();
  }
}

async function tableSizes(url: string): Promise<string> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 1 });
  try {
    const { rows } = await pool.query<{ name: string; rows: string }>(
      `SELECT relname AS name, n_live_tup::text AS rows FROM pg_stat_user_tables
        WHERE relname IN ('daily_metrics','daily_model_metrics','daily_company_metrics','daily_cell_metrics',
                          'conversation_cells','user_cells')
        ORDER BY relname`,
    );
    const spanning = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM conversation_cells WHERE spans_cells');
    return `${rows.map((row) => `${row.name} ${row.rows}`).join(', ')}; conversation_cells spanning ${spanning.rows[0]?.n}`;
  } finally {
    await pool.end();
  }
}

// ------------------------------------------------------------------ load test

const QUERY = `query Dashboard($filter: DashboardFilter) {
  dashboard(filter: $filter) {
    kpis { totalCost promptTokens completionTokens totalTokens conversations activeDays avgSpendPerDay
           avgTokensPerDay avgTokensPerConversation highestUsedModel leastUsedModel costliestModel
           modelEfficiency activeSubscriberUtilization }
    spendTrend(granularity: DAY) { bucketStart cost totalTokens conversations activeUsers }
    costByModel { model cost promptTokens completionTokens conversations efficiency }
    costByRegion { region cost conversations activeUsers }
    topCompanies(limit: 10) { company cost conversations activeUsers highestUsedModel }
    subscribers { region active inactive engaged }
    dateRange { min max } regions companies models meta { asOf lastJobId }
  }
}`;

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
  const body = JSON.stringify({ query: QUERY, variables: { filter } });
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

/** Checks every filter answers; returns the time of the first (cold: distinct index load) request. */
async function checkResponse(url: string): Promise<number> {
  let first = NaN;
  for (const [, filter] of FILTERS) {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { filter } }),
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
        if (mode === 'nocache') lines.splice(4, 0, `First request after the server started (index load): ${Math.round(cold)} ms.`, '');
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
    `The full dashboard query (every field: kpis, spendTrend DAY, costByModel, costByRegion, topCompanies(10), subscribers, dateRange, regions, companies, models, meta) over HTTP against the real server (one API process, pool of 10), autocannon ${DURATION_SECONDS} s per cell after a 2 s warm-up. "cache off" = every request runs its queries (SQL sums over the daily tables + in-memory distinct counts); "cache on" = the default (results keyed by filter and data_version; each request still reads data_version). p95 is computed from every response time (autocannon itself reports p90/p97.5).`,
    '',
    'Design: money and token sums in SQL from the smallest daily table that has the dimensions a question needs (NUMERIC, converted once); exact distinct conversations and users counted in the API process from a columnar, dictionary-encoded copy of user_cells, the spanning rows of conversation_cells and the solo counts of daily_cell_metrics (plus users), read in one snapshot with data_version and reloaded when the version moves (the first request after a refresh pays the load; see "index load" below). At the (day, region, company) grain, conversations that only switch model within a day count as solo, so questions not on models scan a few thousand spanning rows instead of ~190k (at 10M). An earlier all-SQL design (Σ solo_conversations + count(DISTINCT) over spanning conversation_cells, count(DISTINCT user_seq) over user_cells, one statement per field) measured on the same 1M data set, cache off, 1 connection: p50 631 / 204 / 415 / 216 ms (none / 7-day / 2 regions / company+model), 2–4 req/s at 16 connections (load average ~10 during that run).',
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
  const env = parseEnv({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' });
  const services = createServices(env);
  if (mode === 'nocache') configureDashboardCache(services.db.pool, { maxBytes: 0 });
  const app = buildApp(services);
  await app.start(env.PORT);
  const shutdown = async () => {
    await app.stop();
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
}

if (SERVE_MODE) await serve(SERVE_MODE);
else await main();
