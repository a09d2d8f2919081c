// Shared machinery of the fault suite (npm run test:faults): real worker and API child
// processes, a generated data set, uploads, bounded waits, table snapshots, and the
// service restarts (PostgreSQL, Redis) that always leave the services running.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createIngestQueue, type IngestPayload } from '../../src/queue/ingest-queue.js';
import { createUploadJob, retryJob, type UploadFile } from '../../src/jobs/service.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { aggregateDifferences } from '../helpers/reference-aggregates.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { startWorker, until, type Proc } from '../helpers/processes.js';

const run = promisify(execFile);

// ------------------------------------------------------------------ data set

/** The fault data set: big enough that each stage lasts long enough to be hit. */
export const DATA = { users: 2_000, transactions: 60_000, days: 30, seed: 20261129 } as const;

/** Generates the data set once per machine (deterministic by seed) and returns its directory. */
export async function dataSet(): Promise<{ dir: string; users: string; transactions: string }> {
  const dir = path.join(os.tmpdir(), `bi-faults-${DATA.users}-${DATA.transactions}-${DATA.days}-${DATA.seed}`);
  const users = path.join(dir, 'users.csv');
  const transactions = path.join(dir, 'transactions.csv');
  const marker = path.join(dir, '.complete');
  if (!existsSync(marker)) {
    await generateSample({ ...DATA, dirty: 0, out: dir });
    writeFileSync(marker, 'ok\n');
  }
  return { dir, users, transactions };
}

/**
 * An incremental pair: the first 60 % of the file, then the whole file with every 20th
 * line of that part moved to another model (changed rows: their old versions leave the
 * aggregates, some conversations start spanning models).
 */
export async function firstPartThenChanged(file: string): Promise<[Buffer, Buffer]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  const [header, ...rows] = lines;
  const part = Math.floor(rows.length * 0.6);
  const changed = rows.map((row, i) => {
    if (i >= part || i % 20 !== 0) return row;
    const fields = row.split(',');
    fields[2] = 'moved-model';
    return fields.join(',');
  });
  const csv = (part: string[]) => Buffer.from([header, ...part].join('\n') + '\n');
  return [csv(rows.slice(0, part)), csv(changed)];
}

/** Transactions file split into two overlapping halves (lines [0, 60 %) and [40 %, 100 %)). */
export async function overlappingHalves(file: string): Promise<[Buffer, Buffer]> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  const [header, ...rows] = lines;
  const a = rows.slice(0, Math.floor(rows.length * 0.6));
  const b = rows.slice(Math.floor(rows.length * 0.4));
  const csv = (part: string[]) => Buffer.from([header, ...part].join('\n') + '\n');
  return [csv(a), csv(b)];
}

// ------------------------------------------------------------------ seeded random

/** The kill points follow FAULT_SEED, printed by every test that uses it. */
export { seeded } from '../helpers/random.js';

// Child processes and bounded waits are shared with the e2e suites.
export { ROOT, sleep, startApi, startWorker, until, readyStatus, type ApiProc, type Proc } from '../helpers/processes.js';

// ------------------------------------------------------------------ database + queue per test

export interface FaultEnv {
  db: TestDatabase;
  redis: Redis;
  queue: Queue<IngestPayload>;
  upload(files: { users?: string | Buffer; transactions?: string | Buffer }): Promise<string>;
  job(jobId: string): Promise<JobRow>;
  retry(jobId: string): Promise<void>;
  close(): Promise<void>;
}

export interface JobRow {
  status: string;
  stage: string | null;
  error: string | null;
  processed_rows: string;
  attempts: number;
}

/** A file path is streamed from disk, a Buffer from memory. */
async function* streamOf(content: string | Buffer): AsyncGenerator<Buffer> {
  if (typeof content === 'string') {
    for await (const piece of createReadStream(content, { highWaterMark: 1024 * 1024 })) yield piece as Buffer;
  } else {
    for (let at = 0; at < content.length; at += 1024 * 1024) yield content.subarray(at, at + 1024 * 1024);
  }
}

export async function createFaultEnv(label: string): Promise<FaultEnv> {
  const db = await createTestDatabase(`fault_${label}`);
  const redis = new Redis(db.redisUrl, { maxRetriesPerRequest: null });
  const queue = createIngestQueue(redis, db.redisPrefix);
  // Redis restarts are expected here: reconnects are ioredis's job, not noise for the log.
  redis.on('error', () => undefined);
  queue.on('error', () => undefined);
  const deps = { pool: db.pool, queue, maxUploadBytes: 1024 ** 3 };
  return {
    db,
    redis,
    queue,
    async upload(files) {
      const uploads: UploadFile[] = [];
      if (files.users !== undefined) uploads.push({ kind: 'USERS', name: 'users.csv', stream: streamOf(files.users) });
      if (files.transactions !== undefined) {
        uploads.push({ kind: 'TRANSACTIONS', name: 'transactions.csv', stream: streamOf(files.transactions) });
      }
      return createUploadJob(deps, uploads);
    },
    async job(jobId) {
      const { rows } = await db.pool.query<JobRow>(
        'SELECT status, stage, error, processed_rows, attempts FROM ingest_jobs WHERE id = $1',
        [jobId],
      );
      if (!rows[0]) throw new Error(`no job ${jobId}`);
      return rows[0];
    },
    retry: (jobId) => retryJob(deps, jobId),
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await db.drop();
    },
  };
}

export const TERMINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

// ------------------------------------------------------------------ snapshots

/**
 * Each table as (row count, md5 of its sorted rows), minus what legitimately differs
 * between two databases that ingested the same files: job ids, surrogate user numbers and
 * aggregate batch ids (a sequence is not transactional, so a crashed chunk burns numbers)
 * and timestamps of the write. user_seq columns are replaced by the user's UUID. The
 * distinct sets hold such numbers too: they are checked against the reference
 * recomputation (differences) instead.
 */
const SNAPSHOT_SQL: Record<string, string> = {
  users: `SELECT to_jsonb(u) - 'seq' - 'updated_at' AS r FROM users u`,
  transactions: `SELECT to_jsonb(t) - 'job_id' - 'user_seq' - 'agg_batch' AS r FROM transactions t`,
  daily_metrics: 'SELECT to_jsonb(t) AS r FROM daily_metrics t',
  daily_model_metrics: 'SELECT to_jsonb(t) AS r FROM daily_model_metrics t',
  daily_company_metrics: 'SELECT to_jsonb(t) AS r FROM daily_company_metrics t',
  daily_cell_metrics: 'SELECT to_jsonb(t) AS r FROM daily_cell_metrics t',
  conversation_cells: 'SELECT to_jsonb(t) AS r FROM conversation_cells t',
  user_cells: `SELECT to_jsonb(c) - 'user_seq' || jsonb_build_object('user_id', u.id) AS r
                 FROM user_cells c JOIN users u ON u.seq = c.user_seq`,
  rejected_rows: `SELECT jsonb_build_object('file', file, 'line', line, 'column', "column", 'reason', reason, 'raw', raw) AS r
                    FROM rejected_rows`,
};

export type Snapshot = Record<string, string>;

export async function snapshot(db: TestDatabase): Promise<Snapshot> {
  const result: Snapshot = {};
  for (const [table, sql] of Object.entries(SNAPSHOT_SQL)) {
    const { rows } = await db.pool.query<{ n: number; digest: string | null }>(
      // Order-independent digest (no sort): the sum of each row's md5 read as two 60-bit numbers.
      `SELECT count(*)::int AS n,
              sum(('x' || substr(h, 1, 15))::bit(60)::bigint::numeric)::text || '/' ||
              sum(('x' || substr(h, 16, 15))::bit(60)::bigint::numeric)::text AS digest
         FROM (SELECT md5(r::text) AS h FROM (${sql}) s) d`,
    );
    result[table] = `${rows[0]!.n} rows, digest ${rows[0]!.digest ?? '-'}`;
  }
  return result;
}

/** Job-level counters of one job: status, row counts per file, resume checkpoints. */
export async function jobCounters(db: TestDatabase, jobId: string) {
  const { rows: jobs } = await db.pool.query(
    `SELECT status, error, rejected_count, processed_rows::text, total_rows::text, warnings
       FROM ingest_jobs WHERE id = $1`,
    [jobId],
  );
  const { rows: files } = await db.pool.query(
    `SELECT kind, name, size_bytes::text, sha256, total_rows, inserted_rows, updated_rows, unchanged_rows,
            rejected_rows, committed_records
       FROM job_files WHERE job_id = $1 ORDER BY kind`,
    [jobId],
  );
  return { job: jobs[0], files };
}

export const differences = (db: TestDatabase) => aggregateDifferences(db.pool);

// ------------------------------------------------------------------ BullMQ

/**
 * What BullMQ's stalled-job check would do after the lock of a killed worker's job has
 * expired (lockDuration 60 s + up to two stalledInterval 30 s checks): drop the lock,
 * mark the job stalled and let the next worker's startup check (BullMQ's own
 * moveStalledJobsToWait script) move it back to wait. Saves ~60–90 s per kill; the
 * redelivery itself is BullMQ's code path.
 */
export async function expireLocks(env: FaultEnv): Promise<string[]> {
  const base = `${env.db.redisPrefix}:${env.queue.name}`;
  const active = await env.redis.lrange(`${base}:active`, 0, -1);
  for (const id of active) {
    await env.redis.del(`${base}:${id}:lock`);
    await env.redis.sadd(`${base}:stalled`, id);
  }
  await env.redis.del(`${base}:stalled-check`);
  return active;
}

// ------------------------------------------------------------------ services

const PG_VERSION = () => run('ls', ['/etc/postgresql']).then(({ stdout }) => stdout.trim().split('\n')[0]!);

export async function pgReady(): Promise<boolean> {
  return run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).then(
    () => true,
    () => false,
  );
}

export async function redisReady(): Promise<boolean> {
  return run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { timeout: 3_000 }).then(
    ({ stdout }) => stdout.trim() === 'PONG',
    () => false,
  );
}

export async function pgCtl(action: 'start' | 'stop'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', await PG_VERSION(), 'main', action], { timeout: 60_000 });
}

export async function startPostgres(): Promise<void> {
  if (!(await pgReady())) await pgCtl('start').catch(() => undefined);
  await until(pgReady, Boolean, 'PostgreSQL to accept connections', 60_000, 200);
}

export async function stopRedis(): Promise<void> {
  await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { timeout: 10_000 }).catch(() => undefined);
  await until(async () => !(await redisReady()), Boolean, 'Redis to stop', 15_000, 100);
}

export async function startRedis(): Promise<void> {
  if (!(await redisReady())) {
    await run(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
        '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
      { timeout: 15_000 },
    ).catch(() => undefined);
  }
  await until(redisReady, Boolean, 'Redis to answer PING', 30_000, 200);
}

/** Both services up, whatever a test did: called in every finally and afterAll. */
export async function ensureServices(): Promise<void> {
  await startPostgres();
  await startRedis();
}

// ------------------------------------------------------------------ clean run

export interface Baseline {
  snapshot: Snapshot;
  counters: Awaited<ReturnType<typeof jobCounters>>;
  /** stage_timings of the clean run (ms), to place kill points inside a stage. */
  timings: Record<string, number>;
}

/** Waits (bounded) for a terminal status; the error carries the workers' output. */
export async function finished(env: FaultEnv, jobId: string, timeoutMs: number, workers: Proc[]): Promise<JobRow> {
  return until(
    () => env.job(jobId),
    (job) => TERMINAL.includes(job.status),
    `job ${jobId} to finish`,
    timeoutMs,
    100,
    () => workers.map((w, i) => `--- worker ${i} output:\n${w.output().slice(-4000)}`).join('\n'),
  );
}

/** The reference: the whole data set ingested by one undisturbed worker on a fresh database. */
export async function cleanRun(files: { users: string; transactions: string }): Promise<Baseline> {
  const env = await createFaultEnv('clean');
  const worker = startWorker(env.db);
  try {
    const jobId = await env.upload(files);
    const job = await finished(env, jobId, 120_000, [worker]);
    if (job.status !== 'COMPLETED') throw new Error(`clean run ended ${job.status}: ${job.error}`);
    const diff = await differences(env.db);
    if (Object.keys(diff).length) throw new Error(`clean run aggregates differ: ${JSON.stringify(diff)}`);
    const { rows } = await env.db.pool.query<{ stage_timings: Record<string, number> }>(
      'SELECT stage_timings FROM ingest_jobs WHERE id = $1',
      [jobId],
    );
    return { snapshot: await snapshot(env.db), counters: await jobCounters(env.db, jobId), timings: rows[0]!.stage_timings };
  } finally {
    await worker.kill9();
    await env.close();
  }
}
