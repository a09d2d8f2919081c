// `npm run bench:scale`: the dashboard and ingest as history grows (issue #13). Per size
// (`--sizes 1000000,10000000` by default; the data set of bench/dashboard-data.ts: 2,000
// users, 30 days), on a copy of the loaded database, one real API process (the node flags
// of `npm run start:api`) and one real worker process, auth off, 64 operations per client
// (the 16 connections come from one address and stand for 16 clients):
//   1. the full dashboard query (every field) for 40 random filters, one client, after 20
//      untimed ones: the result cache is on as in production, but no filter ever repeats,
//      so it never answers;
//   2. 16 clients, every request a new random filter, for 20 s;
//   3. API RSS (VmRSS from /proc) after the first request and after (2);
//   4. uploads of transactions CSVs (SPEC §2 format; stored users, new rows) over HTTP
//      multipart with the worker running, timed from the upload's start to COMPLETED on the
//      progress subscription: 10k rows on one day (3 files, on other days: medians), then
//      100k rows over 7 days; the same files into a database holding the same users and no
//      transactions give the incremental ratios;
//   5. the first full dashboard (no filter) after each upload completed, checked to show
//      the upload's rows;
//   6. the same KPIs straight from `transactions` with the SQL a user would write by hand,
//      checked against the API's answers for the same filters.
// With two sizes or more, API RSS and first-request times are fitted linearly and
// extrapolated to 100M rows. Results: the "History scaling" section of bench/RESULTS.md.
// Flags: --sizes N[,M] --reuse (measure the database an earlier run loaded; uploads go to a
// copy of it, so it stays as loaded) --duration SECONDS (of 2) --uploads N (10k uploads, ≥ 1).
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { request, upload } from '../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../src/client/operations/jobs.js';
import type { DashboardFilterInput } from '../src/dashboard/filter.js';
import { pgConfig } from '../src/infra/migrations.js';
import { migrate } from '../src/migrate.js';
import { Random, TRANSACTIONS_HEADER, exactCost } from '../scripts/generate-sample.js';
import { DASHBOARD_QUERY, DAYS, FIRST_DAY, USERS, databaseExists, existingData, freshData, tableSizes } from './dashboard-data.js';
import {
  ADMIN_URL, ROOT, benchArgs, benchDatabaseUrl, cpuMs, deleteRedisKeys, freePort, jobEnd, machine, peakRssMb, percentile, recreateDatabase, rssMb,
  spawnEntry, waitFor, writeResultsSection,
} from './lib.js';

const args = benchArgs();
const SIZES = String(args.sizes ?? '1000000,10000000').split(',').map(Number);
const CONCURRENT_SECONDS = Number(args.duration ?? 20);
const TEN_K_UPLOADS = Math.max(1, Number(args.uploads ?? 3));
const SINGLE_CLIENT_FILTERS = 40;
const WARM_UP_REQUESTS = 20;
const CLIENTS = 16;
const SQL_FILTERS = 10;
const FILTER_SEED = 13;
const EXTRAPOLATE_TO = 100_000_000;
const EMPTY_DATABASE = 'bi_bench_scale_empty';
const loadAtStart = os.loadavg();

const DAY_MS = 86_400_000;
const FIRST_DAY_MS = Date.parse(`${FIRST_DAY}T00:00:00Z`);
const dayText = (offset: number) => new Date(FIRST_DAY_MS + offset * DAY_MS).toISOString().slice(0, 10);
const round = (ms: number) => Math.round(ms * 10) / 10;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const millions = (rows: number) => `${(rows / 1e6).toLocaleString('en', { maximumFractionDigits: 2 })}M`;

// ------------------------------------------------------------------ databases

/** One statement on a short-lived connection. */
async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(pgConfig(url));
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A file-level copy of `template` as `name` (uploads change it; the template stays as loaded). */
async function copyDatabase(template: string, name: string): Promise<string> {
  await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await query(ADMIN_URL, `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
  return benchDatabaseUrl(name);
}

/** A migrated database with the users of `from` (ids and seqs) and no transactions. */
async function usersOnlyDatabase(from: string): Promise<string> {
  await recreateDatabase(EMPTY_DATABASE);
  const url = benchDatabaseUrl(EMPTY_DATABASE);
  await migrate(url);
  const [users] = await query<{ json: string }>(from, 'SELECT json_agg(u)::text AS json FROM users u');
  await query(url, 'INSERT INTO users SELECT * FROM json_populate_recordset(NULL::users, $1::json)', [users?.json]);
  await query(url, `SELECT setval(pg_get_serial_sequence('users', 'seq'), (SELECT max(seq) FROM users))`);
  return url;
}

const dropDatabase = (name: string) => query(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

/** As bench:ingest does: a run does not pay for the dirty pages of what came before it. */
const checkpoint = () => query(ADMIN_URL, 'CHECKPOINT');

// ------------------------------------------------------------------ vocabulary and filters

/** What the loaded data holds, so filters and uploads speak its language. */
interface Vocabulary {
  /** By seq: the generator's skew makes low seqs the busy users, as it does here. */
  userIds: string[];
  regions: string[];
  companies: string[];
  /** Each model with the rate most of its rows carry. */
  models: Array<{ name: string; rate: string }>;
}

async function readVocabulary(url: string): Promise<Vocabulary> {
  const users = await query<{ id: string }>(url, 'SELECT id FROM users ORDER BY seq');
  const regions = await query<{ value: string }>(url, 'SELECT DISTINCT region AS value FROM users ORDER BY 1');
  const companies = await query<{ value: string }>(url, 'SELECT DISTINCT company AS value FROM users WHERE company IS NOT NULL ORDER BY 1');
  const models = await query<{ name: string; rate: string }>(
    url,
    `SELECT DISTINCT ON (model) model AS name, rate_per_1k::text AS rate
       FROM transactions WHERE date = $1 GROUP BY model, rate_per_1k ORDER BY model, count(*) DESC`,
    [FIRST_DAY],
  );
  return {
    userIds: users.map((row) => row.id),
    regions: regions.map((row) => row.value),
    companies: companies.map((row) => row.value),
    models,
  };
}

type Filter = DashboardFilterInput;

/** Seeded random dashboard filters, never the same one twice (the cache never answers). */
class FilterSource {
  private readonly random = new Random(FILTER_SEED);
  private readonly seen = new Set<string>();

  constructor(private readonly vocabulary: Vocabulary) {}

  next(): Filter | null {
    for (;;) {
      const filter = this.draw();
      const key = JSON.stringify(filter);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      return filter;
    }
  }

  private draw(): Filter | null {
    const filter: Filter = {};
    const dates = this.random.float();
    const from = this.random.int(0, DAYS - 1);
    const to = this.random.int(from, DAYS - 1);
    if (dates < 0.7) filter.from = dayText(from);
    if (dates < 0.6 || (dates >= 0.7 && dates < 0.8)) filter.to = dayText(to);
    const regions = this.subset(this.vocabulary.regions, 0.5, this.vocabulary.regions.length - 1);
    const companies = this.subset(this.vocabulary.companies, 0.4, 5);
    const models = this.subset(this.vocabulary.models.map((model) => model.name), 0.4, 4);
    if (regions) filter.regions = regions;
    if (companies) filter.companies = companies;
    if (models) filter.models = models;
    return Object.keys(filter).length ? filter : null;
  }

  /** Sorted distinct values (as the API normalises them), or undefined for "all". */
  private subset(values: string[], probability: number, most: number): string[] | undefined {
    if (this.random.float() >= probability || values.length < 2) return undefined;
    const size = this.random.int(1, Math.max(1, Math.min(most, values.length - 1)));
    const picked = new Set<string>();
    while (picked.size < size) picked.add(this.random.pick(values));
    return [...picked].sort();
  }
}

// ------------------------------------------------------------------ the API

interface Kpis {
  totalCost: number;
  promptTokens: number;
  completionTokens: number;
  conversations: number;
}

interface DashboardAnswer {
  ms: number;
  kpis?: Kpis;
  /** Σ costByRegion.activeUsers: the distinct users, as each user's rows carry one region here. */
  activeUsers?: number;
  error?: string;
}

async function dashboard(url: string, filter: Filter | null): Promise<DashboardAnswer> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { filter } }),
    });
    const json = (await response.json()) as {
      errors?: unknown[];
      data?: { dashboard?: { kpis: Kpis; costByRegion: Array<{ activeUsers: number }> } };
    };
    const ms = performance.now() - started;
    const answer = json.data?.dashboard;
    if (!response.ok || json.errors?.length || !answer) return { ms, error: `${response.status} ${JSON.stringify(json).slice(0, 300)}` };
    return { ms, kpis: answer.kpis, activeUsers: answer.costByRegion.reduce((sum, region) => sum + region.activeUsers, 0) };
  } catch (error) {
    return { ms: performance.now() - started, error: String(error) };
  }
}

interface Stack {
  url: string;
  api: ChildProcess;
  worker: ChildProcess;
  stop(): Promise<void>;
}

/** An API and a worker process on `databaseUrl` with a Redis prefix of their own; resolves once both serve. */
async function startStack(databaseUrl: string): Promise<Stack> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const prefix = `bench_scale_${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    REDIS_PREFIX: prefix,
    AUTH_TOKENS: '',
    MAX_CONCURRENT_OPERATIONS_PER_CLIENT: '64',
    // Answers once the worker has built its queue consumer: uploads are not timed against its start-up.
    WORKER_METRICS_PORT: String(metricsPort),
  };
  const api = spawnEntry('src/main.ts', env);
  const worker = spawnEntry('worker/main.ts', env);
  const stop = async () => {
    await Promise.all(
      [api, worker].map((child) =>
        child.exitCode !== null || child.signalCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
      ),
    );
    await deleteRedisKeys(prefix);
  };
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 60_000, 'the API');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, 60_000, 'the worker');
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/graphql`, api, worker, stop };
}

// ------------------------------------------------------------------ (1), (2): dashboard load

interface Latencies {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  /** Requests answered per second (errors included). */
  rps: number;
}

function latencies(times: number[], errors: number, elapsedMs: number): Latencies {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    requests: times.length,
    errors,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    rps: Math.round(((times.length + errors) * 1000) / elapsedMs),
  };
}

/** `clients` loops, each sending the next new filter as soon as its last answer came. */
async function dashboardLoad(url: string, filters: () => Filter | null, clients: number, until: (sent: number, started: number) => boolean) {
  const times: number[] = [];
  const answers: Array<{ filter: Filter | null; answer: DashboardAnswer }> = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!until(sent, started)) {
        sent++;
        const filter = filters();
        const answer = await dashboard(url, filter);
        answers.push({ filter, answer });
        times.push(answer.ms);
        if (answer.error) {
          if (errors++ < 3) console.warn('dashboard error:', answer.error);
        }
      }
    }),
  );
  return { answers, figures: latencies(times, errors, performance.now() - started) };
}

// ------------------------------------------------------------------ (6): by hand in SQL

/** The KPIs as a user would ask `transactions` for them, with only the conditions the filter has. */
function handWrittenKpis(filter: Filter | null): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const condition = (sql: (parameter: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (filter?.from) condition((p) => `date >= ${p}`, filter.from);
  if (filter?.to) condition((p) => `date <= ${p}`, filter.to);
  if (filter?.regions) condition((p) => `region = ANY (${p})`, filter.regions);
  if (filter?.companies) condition((p) => `company = ANY (${p})`, filter.companies);
  if (filter?.models) condition((p) => `model = ANY (${p})`, filter.models);
  const text = `SELECT coalesce(sum(cost), 0)::float8 AS "totalCost",
                       coalesce(sum(token_count) FILTER (WHERE token_type = 'prompt'), 0)::float8 AS "promptTokens",
                       coalesce(sum(token_count) FILTER (WHERE token_type = 'completion'), 0)::float8 AS "completionTokens",
                       count(DISTINCT conversation_id)::int AS conversations,
                       count(DISTINCT user_id)::int AS "activeUsers"
                  FROM transactions${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  return { text, values };
}

const sameKpis = (a: Kpis & { activeUsers?: number }, b: Kpis & { activeUsers?: number }) =>
  a.conversations === b.conversations &&
  a.promptTokens === b.promptTokens &&
  a.completionTokens === b.completionTokens &&
  a.activeUsers === b.activeUsers &&
  Math.abs(a.totalCost - b.totalCost) < 0.005;

async function sqlByHand(url: string, asked: Array<{ filter: Filter | null; answer: DashboardAnswer }>) {
  const client = new pg.Client(pgConfig(url));
  await client.connect();
  const times: number[] = [];
  let equal = 0;
  try {
    for (const { filter, answer } of asked) {
      const { text, values } = handWrittenKpis(filter);
      const started = performance.now();
      const { rows } = await client.query<Kpis & { activeUsers: number }>(text, values);
      times.push(performance.now() - started);
      const api = answer.kpis && { ...answer.kpis, activeUsers: answer.activeUsers };
      if (api && rows[0] && sameKpis(api, rows[0])) equal++;
      else console.warn('the API and SQL differ for', JSON.stringify(filter), JSON.stringify(api), JSON.stringify(rows[0]));
    }
  } finally {
    await client.end();
  }
  const sorted = times.sort((a, b) => a - b);
  const apiTimes = asked.map(({ answer }) => answer.ms).sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), apiP50: round(percentile(apiTimes, 50)), equal, checked: asked.length };
}

// ------------------------------------------------------------------ (4), (5): uploads

interface UploadFile {
  label: string;
  rows: number;
  /** New conversations in the file and the sum of its costs: what the dashboard must add. */
  conversations: number;
  cost: number;
  csv: Blob;
}

/**
 * A transactions file in the SPEC §2 format: stored users (skewed as the generator skews
 * them), the stored models and rates, new row and conversation ids, conversations of
 * 2–10 rows that stay inside their day, on `days` days from day `firstDay` of the data.
 */
function transactionsFile(vocabulary: Vocabulary, label: string, seed: number, rows: number, firstDay: number, days: number): UploadFile {
  const random = new Random(seed);
  const lines = [TRANSACTIONS_HEADER];
  let conversations = 0;
  let cost = 0;
  while (lines.length <= rows) {
    conversations++;
    const user = vocabulary.userIds[Math.floor(vocabulary.userIds.length * random.float() ** 2)]!;
    const model = vocabulary.models[Math.floor(vocabulary.models.length * random.float() ** 1.6)]!;
    const conversation = random.uuid();
    const turns = random.int(2, 10);
    let at = FIRST_DAY_MS + (firstDay + random.int(0, days - 1)) * DAY_MS + random.int(0, 86_400 - turns * 180) * 1000;
    for (let turn = 1; turn <= turns && lines.length <= rows; turn++) {
      const tokens = random.int(10, 4009);
      const rowCost = exactCost(tokens, model.rate);
      cost += Number(rowCost);
      const timestamp = `${new Date(at).toISOString().slice(0, 19)}Z`;
      lines.push([random.uuid(), user, model.name, conversation, turn % 2 ? 'prompt' : 'completion', tokens, model.rate, rowCost, timestamp].join(','));
      at += random.int(30, 179) * 1000;
    }
  }
  return { label, rows, conversations, cost, csv: new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }) };
}

interface UploadRun {
  file: UploadFile;
  /** Upload start → COMPLETED on the progress subscription. */
  ms: number;
  /** Until uploadCsv answered (file stored, job queued). */
  uploadMs: number;
  stages: Array<{ stage: string; ms: number }>;
  inserted: number;
  /** The first full dashboard (no filter) after COMPLETED. */
  firstRequestMs: number;
  /** It showed the file's conversations and cost (read-your-writes). */
  fresh: boolean;
  kpis: Kpis;
}

async function uploadRun(url: string, file: UploadFile, before: Kpis): Promise<UploadRun> {
  await checkpoint();
  const started = performance.now();
  const response = await upload({ url }, UploadCsvMutation, { transactions: { name: `${file.label}.csv`, data: file.csv } });
  const uploadMs = performance.now() - started;
  const id = response.data?.uploadCsv.id;
  if (!id) throw new Error(`upload failed: ${JSON.stringify(response.errors)}`);
  const status = await jobEnd(url, id);
  const ms = performance.now() - started;
  const first = await dashboard(url, null);
  if (status !== 'COMPLETED') throw new Error(`job ${id} ended ${status}`);
  if (!first.kpis) throw new Error(`dashboard after the upload: ${first.error}`);
  const { data } = await request({ url }, JobQuery, { id, rejectedFirst: 1 });
  const fresh =
    first.kpis.conversations - before.conversations === file.conversations &&
    Math.abs(first.kpis.totalCost - before.totalCost - file.cost) < 0.01;
  const run = {
    file,
    ms,
    uploadMs,
    stages: data?.job?.stageTimings ?? [],
    inserted: data?.job?.files.find((f) => f.kind === 'TRANSACTIONS')?.insertedRows ?? 0,
    firstRequestMs: round(first.ms),
    fresh,
    kpis: first.kpis,
  };
  console.log(`${file.label}: ${seconds(ms)} (${stagesText(run)}), first dashboard ${run.firstRequestMs} ms${fresh ? '' : ', STALE'}`);
  return run;
}

/**
 * The files, uploaded in order into the database behind `stack`, after `warmUp` (untimed):
 * a stack that has run for a while has its upload, pipeline and dashboard paths compiled
 * and its statements planned (the first upload of a fresh pair of processes took 3–7× as long).
 */
async function uploadAll(stack: Stack, warmUp: UploadFile, files: UploadFile[]): Promise<UploadRun[]> {
  const response = await upload({ url: stack.url }, UploadCsvMutation, { transactions: { name: 'warm-up.csv', data: warmUp.csv } });
  const id = response.data?.uploadCsv.id;
  if (!id || (await jobEnd(stack.url, id)) !== 'COMPLETED') throw new Error(`warm-up upload failed: ${JSON.stringify(response.errors)}`);
  const baseline = await dashboard(stack.url, null);
  if (!baseline.kpis) throw new Error(`dashboard before the uploads: ${baseline.error}`);
  let before = baseline.kpis;
  const runs: UploadRun[] = [];
  for (const file of files) {
    const run = await uploadRun(stack.url, file, before);
    runs.push(run);
    before = run.kpis;
  }
  return runs;
}

const stagesText = (run: UploadRun) =>
  [`upload ${seconds(run.uploadMs)}`, ...run.stages.map((s) => `${s.stage.toLowerCase()} ${seconds(s.ms)}`)].join(', ');

// ------------------------------------------------------------------ one size

interface SizeResult {
  rows: number;
  conversations: number;
  data: string;
  tables: string;
  firstAfterLoadMs: number;
  rss: { ready: number; afterFirst: number; afterConcurrent: number; afterUploads: number; peak: number; workerPeak: number };
  single: Latencies;
  concurrent: Latencies;
  /** CPU per answered request during (2): the API process's, and the whole machine's (API, PostgreSQL, the bench client, …). */
  cpu: { apiMs: number; machineMs: number };
  sql: Awaited<ReturnType<typeof sqlByHand>>;
  /** Into the history: the 10k-row one-day files, then the 100k-row 7-day one. */
  uploads: UploadRun[];
  /** The same files in the same order into the same users without transactions. */
  emptyUploads: UploadRun[];
}

async function measureSize(size: number): Promise<SizeResult> {
  const loaded = `bi_bench_scale_${size}`;
  const loadedUrl = benchDatabaseUrl(loaded);
  const data = 'reuse' in args && (await databaseExists(loaded)) ? await existingData(loadedUrl) : await freshData(loadedUrl, size);
  // From the loaded database: a copy starts with no table statistics.
  const tables = await tableSizes(loadedUrl);
  const work = `${loaded}_run`;
  console.log(`${data.rows} rows; copying ${loaded} to ${work}…`);
  const url = await copyDatabase(loaded, work);
  try {
    const vocabulary = await readVocabulary(url);
    // 10k-row files on days 12, 15, 18…; the 100k-row file on days 3–9 (inside the 30 days).
    const tenK = Array.from({ length: TEN_K_UPLOADS }, (_, i) => transactionsFile(vocabulary, `10k rows, day ${13 + 3 * i}`, 100 + i, 10_000, 12 + 3 * i, 1));
    const hundredK = transactionsFile(vocabulary, '100k rows, days 4–10', 200, 100_000, 3, 7);
    const warmUp = transactionsFile(vocabulary, 'warm-up', 300, 100, DAYS - 1, 1);
    const filters = new FilterSource(vocabulary);

    const stack = await startStack(url);
    let result: Omit<SizeResult, 'emptyUploads'>;
    try {
      const pid = stack.api.pid!;
      const ready = await rssMb(pid);
      const first = await dashboard(stack.url, null);
      if (!first.kpis) throw new Error(`first dashboard: ${first.error}`);
      const afterFirst = await rssMb(pid);
      console.log(`first request ${round(first.ms)} ms; API RSS ${ready} → ${afterFirst} MB`);

      // Untimed: a process that has served a while (V8 has optimised the request path; the
      // first requests of a new process took 2-4× longer). New filters, so still uncached.
      await dashboardLoad(stack.url, () => filters.next(), 1, (sent) => sent >= WARM_UP_REQUESTS);
      const single = await dashboardLoad(stack.url, () => filters.next(), 1, (sent) => sent >= SINGLE_CLIENT_FILTERS);
      console.log('1 client, 40 filters:', single.figures);
      const deadline = CONCURRENT_SECONDS * 1000;
      const cpuBefore = await cpuMs(pid);
      const concurrent = await dashboardLoad(stack.url, () => filters.next(), CLIENTS, (_sent, started) => performance.now() - started >= deadline);
      const cpuAfter = await cpuMs(pid);
      const answered = concurrent.figures.requests + concurrent.figures.errors;
      const cpu = {
        apiMs: round((cpuAfter.process - cpuBefore.process) / answered),
        machineMs: round((cpuAfter.machine - cpuBefore.machine) / answered),
      };
      const afterConcurrent = await rssMb(pid);
      console.log(`${CLIENTS} clients, ${CONCURRENT_SECONDS} s:`, concurrent.figures, `API RSS ${afterConcurrent} MB; CPU per request`, cpu);

      const sql = await sqlByHand(url, single.answers.slice(0, SQL_FILTERS));
      console.log('SQL by hand:', sql);

      const uploads = await uploadAll(stack, warmUp, [...tenK, hundredK]);
      result = {
        rows: data.rows,
        conversations: data.conversations,
        data: Number.isNaN(data.loadSeconds)
          ? 'data of an earlier run (--reuse)'
          : `generated in SQL in ${data.loadSeconds.toFixed(1)} s, refreshAggregates ${data.aggregateSeconds.toFixed(1)} s`,
        tables,
        firstAfterLoadMs: round(first.ms),
        rss: { ready, afterFirst, afterConcurrent, afterUploads: await rssMb(pid), peak: await peakRssMb(pid), workerPeak: await peakRssMb(stack.worker.pid!) },
        single: single.figures,
        concurrent: concurrent.figures,
        cpu,
        sql,
        uploads,
      };
    } finally {
      await stack.stop();
    }

    console.log('the same files into a database with the users and no transactions…');
    const emptyUrl = await usersOnlyDatabase(url);
    const emptyStack = await startStack(emptyUrl);
    try {
      return { ...result, emptyUploads: await uploadAll(emptyStack, warmUp, [...tenK, hundredK]) };
    } finally {
      await emptyStack.stop();
      await dropDatabase(EMPTY_DATABASE);
    }
  } finally {
    await dropDatabase(work);
  }
}

// ------------------------------------------------------------------ report

const GOALS = {
  tenK: '≤ 2×',
  firstAfterUpload: 'p95 ≤ 100 ms',
  rss: '≤ 200 MB, flat from 1M to 10M',
  single: 'p95 ≤ 50 ms',
  concurrent: '≥ 200 req/s, p95 ≤ 150 ms',
  sql: 'API ≥ 50× ahead',
};

const multiple = (ratio: number) => `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`;

/** Median upload → COMPLETED of the files of `rows` rows, into the history vs into users only. */
function ratioText(result: SizeResult, rows: number): string {
  const median = (runs: UploadRun[]) =>
    percentile(runs.filter((run) => run.file.rows === rows).map((run) => run.ms).sort((a, b) => a - b), 50);
  const [history, empty] = [median(result.uploads), median(result.emptyUploads)];
  const count = result.uploads.filter((run) => run.file.rows === rows).length;
  return `${count > 1 ? `median of ${count}: ` : ''}${seconds(history)} vs ${seconds(empty)} = **${multiple(history / empty)}**`;
}

function firstAfterUploadsText(result: SizeResult): string {
  const times = result.uploads.map((run) => run.firstRequestMs).sort((a, b) => a - b);
  const stale = result.uploads.filter((run) => !run.fresh).length;
  return `p95 ${percentile(times, 95)} ms over ${times.length} uploads (${times.join(', ')} ms)${stale ? `; **${stale} stale**` : '; each showed its upload'}`;
}

function summaryTable(results: SizeResult[]): string {
  const row = (figure: string, goal: string, cell: (result: SizeResult) => string) =>
    `| ${figure} | ${results.map(cell).join(' | ')} | ${goal} |`;
  return [
    `| figure | ${results.map((result) => `${millions(result.rows)} rows`).join(' | ')} | goal |`,
    `|---|${results.map(() => '---|').join('')}---|`,
    row('10k-row one-day upload into the history vs into an empty database (same users), upload → COMPLETED', GOALS.tenK, (r) =>
      ratioText(r, 10_000)),
    row('100k-row upload over 7 days, the same way', GOALS.tenK, (r) => ratioText(r, 100_000)),
    row('first full dashboard (no filter) after an upload completed', GOALS.firstAfterUpload, firstAfterUploadsText),
    row('first full dashboard after the load (API just started)', '—', (r) => `${r.firstAfterLoadMs} ms`),
    row('API RSS (VmRSS) after the first request / after 16 clients', GOALS.rss, (r) =>
      `${r.rss.afterFirst} MB / **${r.rss.afterConcurrent} MB**`),
    row(`uncached full dashboard, ${SINGLE_CLIENT_FILTERS} random filters, 1 client`, GOALS.single, (r) =>
      `p50 ${r.single.p50} ms, p95 **${r.single.p95} ms**${r.single.errors ? `, ${r.single.errors} errors` : ''}`),
    row(`uncached, ${CLIENTS} clients, every request a new filter, ${CONCURRENT_SECONDS} s`, GOALS.concurrent, (r) =>
      `**${r.concurrent.rps} req/s**, p50 ${r.concurrent.p50} ms, p95 **${r.concurrent.p95} ms**, ${r.concurrent.errors} errors`),
    row(`CPU per request in the ${CLIENTS}-client run: the API process / the whole machine`, '—', (r) =>
      `${r.cpu.apiMs} ms / ${r.cpu.machineMs} ms (${os.cpus().length} cores: at most ~${Math.round((os.cpus().length * 1000) / r.cpu.machineMs)} req/s)`),
    row(`the same KPIs straight from \`transactions\` in SQL (p50 over ${SQL_FILTERS} of the filters of the 1-client run)`, GOALS.sql, (r) =>
      `p50 ${r.sql.p50} ms = ${multiple(r.sql.p50 / r.sql.apiP50)} the API's ${r.sql.apiP50} ms; equal figures ${r.sql.equal}/${r.sql.checked}`),
  ].join('\n');
}

function uploadTable(results: SizeResult[]): string {
  const lines = [
    '| history | file | into | upload → COMPLETED | where the time went | rows inserted | first dashboard after |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    const runs = [
      ...result.uploads.map((run) => ['the history', run] as const),
      ...result.emptyUploads.map((run) => ['users only', run] as const),
    ];
    for (const [into, run] of runs) {
      lines.push(
        `| ${millions(result.rows)} | ${run.file.label} | ${into} | ${seconds(run.ms)} | ${stagesText(run)} | ${run.inserted} | ${run.firstRequestMs} ms${run.fresh ? '' : ' (stale)'} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Least-squares line through (rows, value), evaluated at EXTRAPOLATE_TO. */
function extrapolation(results: SizeResult[], name: string, unit: string, value: (result: SizeResult) => number): string {
  const points = results.map((result) => [result.rows, value(result)] as const);
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const slope =
    points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const at = meanY + slope * (EXTRAPOLATE_TO - meanX);
  const measured = points.map(([x, y]) => `${Math.round(y)} ${unit} at ${millions(x)}`).join(', ');
  const perMillion = `${(slope * 1e6).toFixed(2)} ${unit} per 1M rows`;
  // A line falling with size is noise around a flat figure: a forecast below what was measured means nothing.
  if (slope <= 0) return `- ${name}: ${measured} → ${perMillion}: no growth measured, **~${Math.round(Math.max(...points.map(([, y]) => y)))} ${unit} or less at 100M rows**.`;
  return `- ${name}: ${measured} → ${perMillion} → **~${Math.round(at)} ${unit} at 100M rows**.`;
}

function extrapolations(results: SizeResult[]): string {
  if (new Set(results.map((result) => result.rows)).size < 2) {
    return 'Two sizes or more (`--sizes 1000000,10000000`) are needed for the fit to 100M rows.';
  }
  const medianFirst = (result: SizeResult) => percentile(result.uploads.map((run) => run.firstRequestMs).sort((a, b) => a - b), 50);
  return [
    `A simple linear fit (least squares over the ${results.length} sizes measured; with two sizes, the line through them) of figures per row, extrapolated to 100M rows (${EXTRAPOLATE_TO / 1e6}× the data of 1M; 2,000 users and 30 days as measured, so more rows means denser days):`,
    '',
    extrapolation(results, 'API RSS after 16 clients', 'MB', (r) => r.rss.afterConcurrent),
    extrapolation(results, 'first full dashboard after an upload (median of the uploads)', 'ms', medianFirst),
    extrapolation(results, 'first full dashboard after the load (API just started)', 'ms', (r) => r.firstAfterLoadMs),
  ].join('\n');
}

function codeVersion(): string {
  const git = (...gitArgs: string[]) => execFileSync('git', gitArgs, { cwd: ROOT }).toString().trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

function report(results: SizeResult[]): string {
  const load = (figures: number[]) => figures.map((n) => n.toFixed(1)).join(' / ');
  const command = `npm run bench:scale${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  return [
    `Machine: ${machine()}; load average ${load(loadAtStart)} at the start, ${load(os.loadavg())} at the end (other work shares this machine). Run: ${new Date().toISOString()}, \`${command}\`, code ${codeVersion()}.`,
    '',
    `Data: bench/dashboard-data.ts (${USERS} users, ${DAYS} days from ${FIRST_DAY}), one database per size, measured on a file copy of it. One API process (the node flags of \`npm run start:api\`) and one worker process, auth off, MAX_CONCURRENT_OPERATIONS_PER_CLIENT=64 (the 16 connections come from one address and stand for 16 clients); the bench client (Node fetch) runs on the same cores. Dashboard requests send the full query (every field, as bench:dashboard); the result cache is on as in production, but filters (seeded: random date ranges, random subsets of regions, companies and models, each part sometimes absent) never repeat, so it never answers; the timed requests follow ${WARM_UP_REQUESTS} untimed ones (a process that has served a while). Uploads: transactions CSVs in the SPEC §2 format (stored users and models, new row and conversation ids, conversations inside their day) over HTTP multipart, after an untimed warm-up upload of 100 rows on the last day (processes that have run for a while), each after a CHECKPOINT, timed from the upload's start to COMPLETED on the progress subscription; the dashboard request right after is checked to show the file's conversations and cost. "Empty database": the same users, no transactions (but the warm-up's 100 rows), the same files in the same order. SQL by hand: sums, count(DISTINCT conversation_id) and count(DISTINCT user_id) over \`transactions\` with the filter's conditions, one connection, compared with the API's KPIs and Σ costByRegion.activeUsers.`,
    '',
    summaryTable(results),
    '',
    uploadTable(results),
    '',
    results.map((r) => `${millions(r.rows)}: ${r.rows.toLocaleString('en')} transactions, ${r.conversations.toLocaleString('en')} conversations; ${r.data}. Rows: ${r.tables}. API RSS ready ${r.rss.ready} MB, after the uploads ${r.rss.afterUploads} MB, peak (VmHWM) ${r.rss.peak} MB; worker peak ${r.rss.workerPeak} MB.`).join('\n\n'),
    '',
    extrapolations(results),
  ].join('\n');
}

const results: SizeResult[] = [];
for (const size of SIZES) results.push(await measureSize(size));
const body = report(results);
console.log(body);
await writeResultsSection('History scaling', body);
console.log('written to bench/RESULTS.md');
process.exit(0);
