// The life of one ingest job: QUEUED → RUNNING → stages USERS, TRANSACTIONS, AGGREGATES →
// COMPLETED | COMPLETED_WITH_ERRORS | FAILED | CANCELLED.
//
// BullMQ delivers at least once, so a run may start on a job a crashed run left RUNNING:
// stages already timed in stage_timings are skipped, files resume after their
// committed_records, and the aggregates stage is idempotent. A session advisory lock keeps
// two deliveries of one job from running at the same time; the one that finds it held
// throws JobBusyError and waits (worker/main.ts).
//
// A dry run (dry-run.ts) takes the same path with its data writes in one transaction that
// is rolled back, the aggregates stage a no-op, and no resume: a re-run starts over.
import pg from 'pg';
import { FileKind, JobStage, JobStatus } from '../../src/generated/prisma/enums.js';
import { readCsvRecords } from '../../src/ingest/csv-source.js';
import { InputFileError } from '../../src/ingest/errors.js';
import { mapHeader, unknownColumnsWarning } from '../../src/ingest/headers.js';
import { transactionsFormat, usersFormat, type RowFormat } from '../../src/ingest/rows.js';
import { readUpload } from '../../src/infra/file-store.js';
import { TUNABLES } from '../../src/config/config.js';
import { logger as rootLogger, type Logger } from '../../src/infra/logger.js';
import { ADVISORY_LOCKS } from '../../src/infra/pg-pool.js';
import { addWarning, claimJob, finishJob, JobNotRunningError, recordStageTiming } from '../../src/jobs/store.js';
import { workerMetrics } from '../../src/metrics/worker.js';
import { refreshAggregates, type RefreshResult } from './aggregates.js';
import { raiseBudgetAlerts, type PublishAlerts } from './budgets.js';
import { AggregatesFailedError, aggregatesMessage, failureMessage } from './failures.js';
import { inDryRun, isDryRunYield, restartDryRun } from './dry-run.js';
import { carryOverIdenticalUpload } from './identical-upload.js';
import { type JobFileRow, type StageContext, type StageOutcome } from './file-stage.js';
import { ProgressReporter, type PublishProgress } from './progress.js';
import { ingestTransactions } from './transactions.js';
import { ingestUsers } from './users.js';

export interface RunJobDeps {
  pool: pg.Pool;
  log?: Logger;
  /** Called after every progress write and at the end (Redis pub/sub fan-out). */
  publish?: PublishProgress;
  /** Budget alerts raised after the aggregates (Redis pub/sub fan-out), awaited before the job finishes. */
  publishAlerts?: PublishAlerts;
  /**
   * Computes the default dashboard into the store the API processes read, so the request
   * that follows COMPLETED is already answered. A failure only costs that request the work.
   */
  precomputeDashboard?: () => Promise<void>;
  chunkRecords?: number;
  maxKeysInMemory?: number;
  progressIntervalMs?: number;
  onChunkCommitted?: StageContext['onChunkCommitted'];
}

export interface RunJobOptions {
  /** BullMQ's last attempt: a transient error then fails the job instead of waiting for a retry. */
  finalAttempt?: boolean;
  /** This delivery's attempt number (1-based), named in a FAILED job's error. */
  attempts?: number;
}

export type RunJobResult =
  | { status: 'SKIPPED'; reason: string }
  | { status: Exclude<JobStatus, 'QUEUED' | 'RUNNING'>; error?: string };

/** Another delivery of the same job holds its lock: the worker looks again later, without spending an attempt. */
export class JobBusyError extends Error {}

const JOB_LOCK_NAMESPACE = ADVISORY_LOCKS.jobs;

interface FileStage {
  stage: JobStage;
  kind: FileKind;
  format: RowFormat<string>;
  ingest: (ctx: StageContext, file: JobFileRow) => Promise<StageOutcome>;
}

const FILE_STAGES: FileStage[] = [
  { stage: JobStage.USERS, kind: FileKind.USERS, format: usersFormat, ingest: ingestUsers },
  { stage: JobStage.TRANSACTIONS, kind: FileKind.TRANSACTIONS, format: transactionsFormat, ingest: ingestTransactions },
];

interface FileInfo extends JobFileRow {
  sizeBytes: number;
  totalRows: number;
}

/** Runs (or resumes) job `jobId` to a terminal state. Transient errors are rethrown for BullMQ to retry. */
export async function runJob(deps: RunJobDeps, jobId: string, options: RunJobOptions = {}): Promise<RunJobResult> {
  const client = await openSession(deps.pool);
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      [JOB_LOCK_NAMESPACE, jobId],
    );
    if (!rows[0]?.locked) throw new JobBusyError(`job ${jobId} is being run by another worker`);
    try {
      return await runLocked(deps, client, jobId, options);
    } finally {
      // A broken connection has lost the lock anyway; keep the original error.
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_NAMESPACE, jobId]).catch(() => undefined);
    }
  } finally {
    // The session ends with the run: temp tables and the job lock go with it.
    await client.end().catch(() => undefined);
  }
}

/**
 * A connection of its own per run, outside the pool: temp_buffers can only be set before
 * a session first touches a temp table, and staging/seen-key tables of 50k-row chunks
 * should stay in memory. Commits need not wait for the WAL flush: each chunk commits its
 * rows together with its checkpoint, so a commit lost in a server crash is redone by the
 * re-run like any other uncommitted chunk.
 */
async function openSession(pool: pg.Pool): Promise<pg.Client> {
  const client = new pg.Client(pool.options);
  client.on('error', (error) => rootLogger.warn({ err: error }, 'ingest session connection error'));
  await client.connect();
  try {
    await client.query(`SET temp_buffers = '256MB'`);
    await client.query('SET synchronous_commit = off');
    // Stored instants are compared with the file's as text (see transactions.ts).
    await client.query(`SET TimeZone = 'UTC'`);
    // Chunk statements join a chunk-sized temp table (users staging, changed rows) with a
    // large indexed table (users, transactions, seen keys). Without statistics on the temp
    // table the planner picks hash joins that scan the whole large table per chunk:
    // quadratic in file size. Index nested loops keep each chunk proportional to its size.
    await client.query('SET enable_hashjoin = off');
    await client.query('SET enable_mergejoin = off');
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

async function runLocked(
  deps: RunJobDeps,
  client: pg.Client,
  jobId: string,
  options: RunJobOptions,
): Promise<RunJobResult> {
  const { pool } = deps;
  const log = (deps.log ?? rootLogger).child({ jobId });
  const job = await claimJob(pool, jobId);
  if (!job) return { status: 'SKIPPED', reason: 'job is missing or already finished' };
  if (job.dryRun) {
    // Nothing of an earlier run was kept but its bookkeeping: start over.
    await restartDryRun(pool, jobId);
    job.stageTimings = {};
  }
  const files = await loadFiles(pool, jobId);
  const progress = new ProgressReporter(pool, jobId, { publish: deps.publish, minIntervalMs: deps.progressIntervalMs ?? TUNABLES.progressIntervalMs });
  const done = new Set(Object.keys(job.stageTimings));
  for (const file of files) {
    if (done.has(stageOf(file.kind))) progress.advance(file.totalRows, file.sizeBytes);
  }
  const ctx: StageContext = {
    pool,
    client,
    jobId,
    progress,
    chunkRecords: deps.chunkRecords ?? TUNABLES.chunkRecords,
    maxKeysInMemory: deps.maxKeysInMemory,
    onChunkCommitted: deps.onChunkCommitted,
  };
  try {
    let cancelled = job.cancelRequested;
    if (!cancelled) {
      await preflight(pool, jobId, files);
      const matched = done.size === 0 ? await carryOverIdenticalUpload(client, jobId) : null;
      if (matched) {
        log.info({ matched }, 'files identical to an earlier job: outcome carried over');
        for (const file of await loadFiles(pool, jobId)) progress.advance(file.totalRows, file.sizeBytes);
      } else {
        const stages = job.dryRun ? runDryRunFileStages : runFileStages;
        cancelled = (await stages(ctx, files, done, log)) === 'cancelled';
      }
      if (!cancelled) ctx.progress.setCountedRows(await countedRows(pool, jobId));
    }
    // A dry run changed nothing the aggregates follow: the stage passes at once, and it
    // raises no budget alert (it writes nothing to budgets).
    if (job.dryRun) {
      await passAggregates(ctx);
    } else {
      await runAggregates(ctx, log);
      await raiseBudgetAlerts(pool, jobId, deps.publishAlerts, log);
      await deps.precomputeDashboard?.().catch((error: unknown) => log.warn({ err: error }, 'default dashboard not precomputed'));
    }
    const status = cancelled ? JobStatus.CANCELLED : (await hasRejections(pool, jobId)) ? JobStatus.COMPLETED_WITH_ERRORS : JobStatus.COMPLETED;
    await finish(ctx, status, null, job.dryRun);
    log.info({ status, dryRun: job.dryRun }, 'job finished');
    return { status };
  } catch (error) {
    if (error instanceof JobBusyError) throw error;
    if (error instanceof JobNotRunningError) {
      // Marked FAILED (the queue gave up on it) or deleted while this run went on: the
      // job's row is no longer this run's to write, and its rows committed so far stay
      // pending for the next aggregates refresh. A retry resumes it.
      log.warn({ status: error.status }, 'the job left RUNNING during this run: it stops');
      return { status: 'SKIPPED', reason: error.message };
    }
    if (error instanceof InputFileError || options.finalAttempt) {
      // Users see job.error: a stable sentence; the cause with PostgreSQL's text goes to the log.
      const message = error instanceof InputFileError ? error.message : failureMessage(error, options.attempts ?? 1);
      log.warn({ err: error instanceof AggregatesFailedError ? error.detail : error }, 'job failed');
      return { status: JobStatus.FAILED, error: await failJob(ctx, error, message, log, job.dryRun, deps.publishAlerts) };
    }
    throw error;
  }
}

async function loadFiles(pool: pg.Pool, jobId: string): Promise<FileInfo[]> {
  const { rows } = await pool.query<{
    id: string;
    kind: FileKind;
    name: string;
    committed_records: number;
    size_bytes: bigint;
    total_rows: number;
  }>('SELECT id, kind, name, committed_records, size_bytes, total_rows FROM job_files WHERE job_id = $1', [jobId]);
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    committedRecords: row.committed_records,
    sizeBytes: Number(row.size_bytes),
    totalRows: row.total_rows,
  }));
}

const stageOf = (kind: FileKind): JobStage => (kind === FileKind.USERS ? JobStage.USERS : JobStage.TRANSACTIONS);

/**
 * Reads each file's header and first record before anything is written: a file that is
 * not CSV, empty, or missing columns fails the job with nothing ingested. Unknown columns
 * become one warning per file.
 */
async function preflight(pool: pg.Pool, jobId: string, files: FileInfo[]): Promise<void> {
  for (const { kind, format } of FILE_STAGES) {
    const file = files.find((f) => f.kind === kind);
    if (!file) continue;
    const [header, first] = await firstRecords(pool, file.id, 2);
    const label = `${format.label} "${file.name}"`;
    if (!header) throw new InputFileError(`${label}: the file is empty (no header row)`);
    if (header.malformed) throw new InputFileError(`${label}: the header row is not valid CSV (${header.malformed})`);
    const mapping = mapHeader(label, header.fields, format.columns);
    if (!first) throw new InputFileError(`${label}: the file has a header but no data rows`);
    if (mapping.unknown.length) {
      await addWarning(pool, jobId, unknownColumnsWarning(label, mapping.unknown));
    }
  }
}

async function firstRecords(pool: pg.Pool, fileId: string, count: number) {
  const records = [];
  for await (const record of readCsvRecords(readUpload(pool, fileId))) {
    records.push(record);
    if (records.length >= count) break;
  }
  return records;
}

async function runFileStages(ctx: StageContext, files: FileInfo[], done: Set<string>, log: Logger): Promise<StageOutcome> {
  for (const { stage, kind, ingest } of FILE_STAGES) {
    const file = files.find((f) => f.kind === kind);
    if (!file || done.has(stage)) continue;
    await ctx.progress.setStage(stage);
    const started = performance.now();
    const outcome = await ingest(ctx, file);
    if (outcome === 'cancelled') {
      log.info({ stage }, 'cancel requested: stopping after the committed chunks');
      return outcome;
    }
    await recordTiming(ctx.pool, ctx.jobId, stage, performance.now() - started);
    log.info({ stage, ms: Math.round(performance.now() - started) }, 'stage done');
  }
  return 'done';
}

const DRY_RUN_YIELD_WARNING =
  'the dry run gave way to another job writing the same rows (it would have held them up) and started over';

/**
 * The file stages of a dry run, inside its rolled-back transaction. When it gives way to
 * another job (dry-run.ts) the job is busy: the worker looks again later, without spending
 * an attempt, and the next run starts over.
 */
async function runDryRunFileStages(ctx: StageContext, files: FileInfo[], done: Set<string>, log: Logger): Promise<StageOutcome> {
  try {
    return await inDryRun(ctx.client, (session) => runFileStages({ ...ctx, dryRun: session }, files, done, log));
  } catch (error) {
    if (!isDryRunYield(error)) throw error;
    log.info({ err: error }, 'dry run gave way to another job: it starts over later');
    await addWarning(ctx.pool, ctx.jobId, DRY_RUN_YIELD_WARNING);
    throw new JobBusyError(`dry run ${ctx.jobId} gave way to another job writing the same rows`);
  }
}

/** A dry run's aggregates stage: reported like any stage, nothing to refresh. */
async function passAggregates(ctx: StageContext): Promise<void> {
  await ctx.progress.setStage(JobStage.AGGREGATES);
  await recordTiming(ctx.pool, ctx.jobId, JobStage.AGGREGATES, 0);
}

/** Aggregates follow whatever was committed, also after a cancel or a failure mid-file. */
async function runAggregates(ctx: StageContext, log: Logger): Promise<void> {
  await ctx.progress.setStage(JobStage.AGGREGATES);
  const started = performance.now();
  const refresh = await refreshAggregates(ctx.pool, ctx.jobId, (done) => ctx.progress.aggregatesAdvanced(done));
  logFailedDates(log, refresh);
  // Dates of other jobs that still fail stay pending without failing this job; its own
  // failing dates leave its rows ahead of the aggregates: a retry may get them through.
  if (refresh.ownFailed.length) throw new AggregatesFailedError(refresh.ownFailed, refresh.error);
  await recordTiming(ctx.pool, ctx.jobId, JobStage.AGGREGATES, performance.now() - started);
  log.info({ ms: Math.round(performance.now() - started) }, 'aggregates refreshed');
}

async function recordTiming(pool: pg.Pool, jobId: string, stage: JobStage, ms: number): Promise<void> {
  await recordStageTiming(pool, jobId, stage, ms);
  workerMetrics.recordStage(stage, ms / 1000);
}

/** The data records of every file, once all are read (job_files.total_rows grows per committed chunk). */
async function countedRows(pool: pg.Pool, jobId: string): Promise<number> {
  const { rows } = await pool.query<{ total: string }>(
    'SELECT coalesce(sum(total_rows), 0)::text AS total FROM job_files WHERE job_id = $1',
    [jobId],
  );
  return Number(rows[0]?.total ?? 0);
}

async function hasRejections(pool: pg.Pool, jobId: string): Promise<boolean> {
  const { rows } = await pool.query<{ rejected: boolean }>(
    'SELECT rejected_count > 0 AS rejected FROM ingest_jobs WHERE id = $1',
    [jobId],
  );
  return rows[0]?.rejected ?? false;
}

async function finish(ctx: StageContext, status: JobStatus, error: string | null, dryRun: boolean): Promise<void> {
  const { rows: files } = await ctx.pool.query<{
    kind: FileKind;
    total_rows: number;
    inserted_rows: number;
    updated_rows: number;
    unchanged_rows: number;
    rejected_rows: number;
  }>('SELECT kind, total_rows, inserted_rows, updated_rows, unchanged_rows, rejected_rows FROM job_files WHERE job_id = $1', [
    ctx.jobId,
  ]);
  await ctx.progress.flush();
  if (!(await finishJob(ctx.pool, ctx.jobId, status, error))) {
    // Marked lost (FAILED) meanwhile: that status stays, and says how to resume.
    rootLogger.warn({ jobId: ctx.jobId, status }, 'the job left RUNNING before this run finished it: its status stays');
  }
  await ctx.progress.publishNow();
  // Rows a dry run counted were not ingested.
  for (const file of dryRun ? [] : files) {
    workerMetrics.recordRows(file.kind, {
      inserted: file.inserted_rows,
      updated: file.updated_rows,
      unchanged: file.unchanged_rows,
      rejected: file.rejected_rows,
    });
  }
  workerMetrics.recordJobFinished(status);
}

function logFailedDates(log: Logger, refresh: RefreshResult): void {
  if (!refresh.failed.length) return;
  log.error(
    { err: refresh.error, failedDates: refresh.failed, ownFailedDates: refresh.ownFailed },
    'the aggregates of some dates could not be refreshed: they stay pending for the next refresh',
  );
}

/**
 * FAILED, after bringing the aggregates in line with whatever chunks were committed
 * (unless the refresh is what just failed, or a dry run committed none). Returns the error stored: `message`, plus the
 * dates left pending, if any.
 */
async function failJob(
  ctx: StageContext,
  cause: unknown,
  message: string,
  log: Logger,
  dryRun: boolean,
  publishAlerts?: PublishAlerts,
): Promise<string> {
  if (!(cause instanceof AggregatesFailedError) && !dryRun) {
    try {
      const refresh = await refreshAggregates(ctx.pool, ctx.jobId);
      logFailedDates(log, refresh);
      if (refresh.ownFailed.length) message = `${message}; ${aggregatesMessage(refresh.ownFailed)}`;
      // The committed chunks moved spend: their alerts go out now, not with the next job.
      await raiseBudgetAlerts(ctx.pool, ctx.jobId, publishAlerts, log).catch((error: unknown) =>
        log.error({ err: error }, 'budget alerts of a failed job could not be raised: the next job of their months raises them'),
      );
    } catch (error) {
      log.error({ err: error }, 'aggregates refresh after failure failed: the dates stay pending');
    }
  }
  try {
    await finish(ctx, JobStatus.FAILED, message, dryRun);
  } catch (error) {
    log.error({ err: error }, 'could not mark the job FAILED');
  }
  return message;
}

