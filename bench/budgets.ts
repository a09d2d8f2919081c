// `npm run bench:budgets`: budgets(month) for 50 budgets (ALL, every region, every company,
// and companies without data) over generated transactions, against the real HTTP server
// and straight through budgetStatuses; plus the worker's alert evaluation for a job and
// setBudget's first spend marks. Data is generated in SQL (2k users, 5 regions, 20
// companies + users without one, 45 days ending mid-month so the 7-day window and the
// projection are live), then the real refreshAggregates builds the aggregate tables.
// Results: the Budgets section of bench/RESULTS.md.
// Flags: --sizes N[,M] (default 1000000) --requests N (default 400) --reuse (keep a loaded database)
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { validateBudgetInput, type SetBudgetInput } from '../src/budgets/input.js';
import { BudgetStatusCache, budgetStatuses } from '../src/budgets/status.js';
import { deleteBudget, evaluateBudgetAlerts, setBudget } from '../src/budgets/store.js';
import { parseConfig } from '../src/config/config.js';
import { configureLogger } from '../src/infra/logger.js';
import { buildApp } from '../src/http/app.js';
import { pgConfig } from '../src/infra/migrations.js';
import { createServices } from '../src/services.js';
import { refreshAggregates } from '../worker/pipeline/aggregates.js';
import { databaseExists, recreateDatabase } from './dashboard-data.js';
import { benchArgs, benchDatabaseUrl, deleteRedisKeys, freePort, machine, spawnEntry, waitFor, writeResultsSection } from './lib.js';

const args = benchArgs();
const SIZES = String(args.sizes ?? '1000000').split(',').map(Number);
const REQUESTS = Number(args.requests ?? 400);
const USERS = 2_000;
const DAYS = 45;
const FIRST_DAY = '2025-05-01'; // … 2025-06-14: A is mid-June, its 7-day window 06-08 … 06-14
const REGIONS = ['US', 'EU', 'JP', 'BR', 'IN'];
const COMPANIES = Array.from({ length: 44 }, (_, i) => `Company ${String(i + 1).padStart(2, '0')}`); // 01–20 have data

/** 50 budgets: ALL, 5 regions, 44 companies (24 of them without any spend). */
const BUDGETS: SetBudgetInput[] = [
  { scope: { kind: 'ALL' }, monthlyLimit: 2500 },
  ...REGIONS.map((value, i): SetBudgetInput => ({ scope: { kind: 'REGION', value }, monthlyLimit: 300 + 400 * i })),
  ...COMPANIES.map((value, i): SetBudgetInput => ({ scope: { kind: 'COMPANY', value }, monthlyLimit: 40 + 15 * i, thresholds: [25, 50, 75, 100] })),
];

// ------------------------------------------------------------------ data

const GENERATE_SQL = [
  `SELECT setseed(0.16)`,
  `INSERT INTO users (id, name, region, is_active_sub, company)
   SELECT gen_random_uuid(), 'user ' || i, (ARRAY['US','US','US','EU','EU','JP','BR','IN'])[1 + floor(random() * 8)::int],
          random() < 0.75, CASE WHEN random() < 0.15 THEN NULL ELSE 'Company ' || lpad((1 + floor(random() * 20)::int)::text, 2, '0') END
     FROM generate_series(1, ${USERS}) i`,
  // Users with skewed activity; volatile expressions in the subquery: one draw per row.
  `INSERT INTO transactions (row_id, user_id, user_seq, model, conversation_id, token_type, token_count,
                             rate_per_1k, cost, occurred_at, date, region, company, job_id)
   SELECT gen_random_uuid(), u.id, u.seq, r.model, gen_random_uuid(), 'prompt', r.tokens, 0.002,
          round(r.tokens * 0.002 / 1000, 8), r.at, (r.at AT TIME ZONE 'UTC')::date, u.region, coalesce(u.company, ''), $2::uuid
     FROM (SELECT 1 + floor(${USERS} * power(random(), 2))::int AS seq,
                  'model-' || lpad((1 + floor(random() * 12)::int)::text, 2, '0') AS model,
                  (10 + floor(random() * 4000))::bigint AS tokens,
                  timestamptz '${FIRST_DAY} 00:00:00+00' + random() * interval '${DAYS} days' AS at
             FROM generate_series(1, $1::int)) r
     JOIN users u ON u.seq = r.seq`,
];

/** Loads `size` transactions into a fresh database; returns the job whose dates they are. */
async function loadData(url: string, size: number): Promise<{ jobId: string; loadSeconds: number; aggregateSeconds: number }> {
  const database = await recreateDatabase(url);
  console.log(`loading ${size} transactions into ${database}…`);
  const pool = new pg.Pool({ ...pgConfig(url), max: 2 });
  try {
    const jobId = randomUUID();
    await pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED')`, [jobId]);
    const started = Date.now();
    const client = await pool.connect();
    try {
      await client.query(GENERATE_SQL[0]!);
      await client.query(GENERATE_SQL[1]!);
      await client.query(GENERATE_SQL[2]!, [size, jobId]);
    } finally {
      client.release();
    }
    // The rows as one job run leaves them (as bench/dashboard-data.ts does): its dates, and
    // an aggregate batch pending on every date for refreshAggregates to apply.
    const days = `SELECT d::date FROM generate_series(date '${FIRST_DAY}', date '${FIRST_DAY}' + ${DAYS - 1}, '1 day') d`;
    await pool.query(`INSERT INTO job_affected_dates (job_id, date) SELECT $1, d FROM (${days}) s (d)`, [jobId]);
    const { rows: batch } = await pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [jobId]);
    await pool.query('UPDATE transactions SET agg_batch = $1', [batch[0]?.id]);
    await pool.query(`INSERT INTO aggregate_pending (batch, date) SELECT $1, d FROM (${days}) s (d)`, [batch[0]?.id]);
    const loaded = Date.now();
    await refreshAggregates(pool, jobId);
    await pool.query('VACUUM ANALYZE');
    return { jobId, loadSeconds: (loaded - started) / 1000, aggregateSeconds: (Date.now() - loaded) / 1000 };
  } finally {
    await pool.end();
  }
}

// ------------------------------------------------------------------ measures

interface Timing {
  /** The fastest sample: close to the cost on an idle machine. */
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { min: round(sorted[0] ?? NaN), p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted.at(-1) ?? NaN), count: sorted.length };
}

/** `run` timed `times` times after a warm-up; `before` runs ahead of each, untimed. */
async function timed(times: number, run: () => Promise<unknown>, warmUp = Math.ceil(times / 10), before?: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmUp; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    await before?.();
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return timing(samples);
}

const QUERY = `query Budgets($month: String) {
  budgets(month: $month) {
    budget { id scope { kind value } monthlyLimit thresholds }
    month spent percentUsed projectedSpend projectedPercent exhaustionDate
  }
}`;

async function post(url: string, month: string | null): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { month } }),
  });
  const json = (await response.json()) as { errors?: unknown; data?: { budgets?: unknown[] } };
  if (json.errors || json.data?.budgets?.length !== BUDGETS.length) throw new Error(`budgets failed: ${JSON.stringify(json).slice(0, 300)}`);
}

/** `clients` loops of requests at once; every response time, and requests per second. */
async function concurrent(url: string, clients: number, perClient: number): Promise<Timing & { rps: number }> {
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const at = performance.now();
        await post(url, null);
        samples.push(performance.now() - at);
      }
    }),
  );
  return { ...timing(samples), rps: Math.round((samples.length / (performance.now() - started)) * 1000) };
}

async function runServer(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnEntry('bench/budgets.ts', {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    REDIS_PREFIX: `bench_budgets_${port}`,
    BENCH_BUDGETS_SERVE: '1',
    // 16 loops from one address stand for 16 clients (see bench:dashboard).
    MAX_CONCURRENT_OPERATIONS_PER_CLIENT: '64',
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 'budgets server');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await deleteRedisKeys(`bench_budgets_${port}`);
    },
  };
}

const row = (name: string, t: Timing, extra = '') => `| ${name} | ${t.count} | ${t.min} | ${t.p50} | ${t.p95} | ${t.p99} | ${t.max} | ${extra} |`;

async function main(): Promise<void> {
  const sections: string[] = [];
  for (const size of SIZES) {
    const database = `bi_bench_budgets_${size}`;
    const url = benchDatabaseUrl(database);
    const reuse = 'reuse' in args && (await databaseExists(database));
    const data = reuse ? null : await loadData(url, size);
    const pool = new pg.Pool({ ...pgConfig(url), max: 4 });
    const lines: string[] = [];
    try {
      const jobId = data?.jobId ?? (await pool.query<{ id: string }>('SELECT id::text FROM ingest_jobs LIMIT 1')).rows[0]!.id;
      await pool.query('TRUNCATE budgets CASCADE');
      for (const input of BUDGETS) await setBudget(pool, validateBudgetInput(input));
      const { rows: counts } = await pool.query<{ transactions: string; daily: string; company: string; asof: string }>(
        `SELECT (SELECT count(*) FROM transactions)::text AS transactions, (SELECT count(*) FROM daily_metrics)::text AS daily,
                (SELECT count(*) FROM daily_company_metrics)::text AS company, (SELECT max(date)::text FROM daily_metrics) AS asof`,
      );
      const c = counts[0]!;
      // A cache of its own: each timed call below meets a new data version, so computes.
      const cache = new BudgetStatusCache();
      const sample = await budgetStatuses(pool, cache, null);
      const exhausted = sample.filter((s) => s.exhaustionDate !== null && s.exhaustionDate <= c.asof).length;
      const projected = sample.filter((s) => s.exhaustionDate !== null && s.exhaustionDate > c.asof).length;

      // A new data version before each call: what the first request after an upload pays.
      const newVersion = () => pool.query('UPDATE data_version SET version = version + 1');
      const sqlCurrent = await timed(REQUESTS, () => budgetStatuses(pool, cache, null), undefined, newVersion);
      const sqlPast = await timed(REQUESTS, () => budgetStatuses(pool, cache, '2025-05'), undefined, newVersion);
      const evaluate = await timed(20, () => evaluateBudgetAlerts(pool, jobId), 2);
      const create = await timed(20, async () => {
        const budget = await setBudget(pool, validateBudgetInput({ scope: { kind: 'COMPANY', value: 'Company 07 bis' }, monthlyLimit: 1 }));
        await deleteBudget(pool, budget.id);
      }, 2);

      const server = await runServer(url);
      let http1: Timing;
      let http1Fresh: Timing;
      let http16: Timing & { rps: number };
      try {
        await post(server.url, null);
        http1 = await timed(REQUESTS, () => post(server.url, null));
        http1Fresh = await timed(REQUESTS, () => post(server.url, null), undefined, newVersion);
        http16 = await concurrent(server.url, 16, Math.ceil(REQUESTS / 16) * 2);
      } finally {
        await server.stop();
      }

      lines.push(
        `### ${Number(c.transactions).toLocaleString('en')} transactions (${USERS} users, ${DAYS} days, as of ${c.asof})`,
        '',
        `${data ? `Generated in SQL in ${data.loadSeconds.toFixed(1)} s; refreshAggregates ${data.aggregateSeconds.toFixed(1)} s` : 'Data of an earlier run (--reuse)'}. ` +
          `Rows read by budgets: daily_metrics ${c.daily}, daily_company_metrics ${c.company}. ` +
          `For the current month: ${exhausted} budgets exhausted before A, ${projected} exhausted by the projection, ${BUDGETS.length - exhausted - projected} neither.`,
        '',
        `Load average when measuring: ${os.loadavg().map((n) => n.toFixed(1)).join(' / ')}.`,
        '',
        '| measure | samples | min ms | p50 ms | p95 ms | p99 ms | max ms | |',
        '|---|---|---|---|---|---|---|---|',
        row('budgets(month) over HTTP, 1 client, data changed before each request (computed)', http1Fresh),
        row('budgets(month) over HTTP, 1 client, unchanged data (cached result)', http1),
        row('budgets(month) over HTTP, 16 clients, unchanged data', http16, `${http16.rps} req/s`),
        row('budgetStatuses in-process, computed, current month (window, projection)', sqlCurrent),
        row('budgetStatuses in-process, computed, a past month', sqlPast),
        row('alert evaluation of a job (45 days, 2 months, 50 budgets)', evaluate),
        row('setBudget (create with first spend marks) + deleteBudget', create),
      );
      console.log(lines.join('\n'));
    } finally {
      await pool.end();
    }
    sections.push(lines.join('\n'));
  }
  const body = [
    `Machine: ${machine()}; load average at the end ${os.loadavg().map((n) => n.toFixed(1)).join(' / ')} (other work shares this machine). ` +
      `Run: ${new Date().toISOString()}, \`npm run bench:budgets${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    `50 budgets (ALL, 5 regions, 44 companies of which 24 have no spend), the query every field of \`budgets\` (the month of A: 7-day window, projection, exhaustion dates) over HTTP against the real server (one API process), ${REQUESTS} sequential requests after a warm-up, then 16 concurrent loops; and the same figures through \`budgetStatuses\` on a pool. A result is reused until the aggregates (data_version) or the budgets change, so "computed" rows bump data_version before each request (untimed): that is what the first request after an upload pays. "min" is the fastest sample, near the cost on an idle machine. Target: p95 ≤ 25 ms for 50 budgets at 10M rows.`,
    '',
    'Why the row count barely matters: budget figures read only daily_metrics (date × region) and daily_company_metrics (date × region × company) for one month plus the 7 days before A, never `transactions`. Those tables grow with days × regions × companies, not with transactions: bench:dashboard measured 150 / 3,147 rows at 1M and 150 / 3,150 at 10M over the same 30 days. A budgets request at 10M rows therefore reads the same few thousand rows as at 1M; what grows it is the number of budgets (one group per budget) and of companies per day.',
    '',
    sections.join('\n\n'),
  ].join('\n');
  await writeResultsSection('Budgets', body);
  console.log('written to bench/RESULTS.md');
}

// ------------------------------------------------------------------ server mode (child process)

async function serve(): Promise<void> {
  const config = parseConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' });
  configureLogger(config.log);
  const services = createServices(config);
  const app = buildApp(services);
  await app.start(config.http.port);
  process.on('SIGTERM', () => {
    void app
      .stop()
      .then(() => services.close())
      .then(() => process.exit(0));
  });
}

if (process.env.BENCH_BUDGETS_SERVE) await serve();
else await main();
