// Every write of ingest_jobs and job_files, the chunk checkpoint (which commits with a
// chunk's rows) included.
// The API (jobs/service.ts), the worker's pipeline and its queue handlers call these and
// write the table nowhere else.
//
// Two rules live here and only here:
// - JOB_WRITES states, for each write, the statuses a job may be in for it to apply (and
//   the statuses a status change may lead to). Each statement's WHERE is built from it,
//   so a write a job's status does not allow is refused by the database, atomically; the
//   function then says so (false, null, or JobNotRunningError), never silently.
// - Every write is a change a client may see (status, stage, counts, warnings, errors), so
//   every statement bumps progress_seq with updated_at: subscribers order events by it
//   and drop older ones.
import { JobStage, JobStatus } from '../generated/prisma/enums.js';
import type { Queryable } from '../infra/pg-pool.js';

const { QUEUED, RUNNING, COMPLETED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED } = JobStatus;

/** Statuses after which a job's run is over (a retry may start another). */
export const ENDED_STATUSES = [COMPLETED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED] as const;

interface JobWrite {
  /** The statuses a job must be in for the write to apply. */
  from: readonly JobStatus[];
  /** Status changes: where the write may take the job (absent: the status stays). */
  to?: readonly JobStatus[];
}

/**
 * The job lifecycle, stated once:
 *
 *   (upload) ─create→ QUEUED ─claim→ RUNNING ─finish→ COMPLETED | COMPLETED_WITH_ERRORS | FAILED | CANCELLED
 *   QUEUED ─cancel→ CANCELLED;  RUNNING ─cancel→ RUNNING with cancel_requested (the run stops at its next chunk)
 *   FAILED | CANCELLED ─retry→ QUEUED (─undoRetry→ back, when the enqueue failed)
 *   QUEUED | RUNNING ─markLost→ FAILED (the queue gave up on it);  ─requeue→ same status, a fresh queue entry
 *
 * A RUNNING job may be claimed again: a crashed run's redelivery resumes it (the job's
 * advisory lock keeps two runs apart). The writes of a run's own records apply only while
 * the job is RUNNING: a run that finds its job moved on (marked lost, say) stops writing.
 */
export const JOB_WRITES = {
  // upload: the job is hidden by its upload lease until completeUpload
  completeUpload: { from: [QUEUED] },
  renewUploadLease: { from: [QUEUED] },
  /** Deleted: an upload that failed or was abandoned, or a job that could not be queued. */
  discard: { from: [QUEUED] },
  // status changes
  claim: { from: [QUEUED, RUNNING], to: [RUNNING] },
  finish: { from: [RUNNING], to: [COMPLETED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED] },
  cancel: { from: [QUEUED], to: [CANCELLED] },
  requestCancel: { from: [RUNNING] },
  retry: { from: [FAILED, CANCELLED], to: [QUEUED] },
  undoRetry: { from: [QUEUED], to: [FAILED, CANCELLED] },
  markLost: { from: [QUEUED, RUNNING], to: [FAILED] },
  requeue: { from: [QUEUED, RUNNING] },
  // a run's own records
  progress: { from: [RUNNING] },
  warning: { from: [RUNNING] },
  timing: { from: [RUNNING] },
  checkpoint: { from: [RUNNING] },
  restartDryRun: { from: [RUNNING] },
  carryOver: { from: [RUNNING] },
  // after the run
  purgeFiles: { from: ENDED_STATUSES },
} as const satisfies Record<string, JobWrite>;

export type JobWriteName = keyof typeof JOB_WRITES;

/** `j.status IN (…)` for `write`: the only place a statement's allowed statuses come from. */
function allowed(write: JobWriteName): string {
  return `j.status IN (${JOB_WRITES[write].from.map((status) => `'${status}'`).join(', ')})`;
}

function assertTarget(write: JobWriteName, status: JobStatus): void {
  const to: readonly JobStatus[] | undefined = (JOB_WRITES[write] as JobWrite).to;
  if (!to?.includes(status)) throw new Error(`${write} cannot lead a job to ${status}`);
}

/** The one way an UPDATE of ingest_jobs is spelled: its allowed statuses, and the progress_seq bump. */
function update(write: JobWriteName, set: string, where: string, more: { from?: string; returning?: string } = {}): string {
  return `UPDATE ingest_jobs j SET ${set}, progress_seq = j.progress_seq + 1, updated_at = now()
          ${more.from ? `FROM ${more.from}` : ''}
           WHERE ${where} AND ${allowed(write)} ${more.returning ? `RETURNING ${more.returning}` : ''}`;
}

/** A write of a run's own records found its job no longer RUNNING: the run must stop. */
export class JobNotRunningError extends Error {
  constructor(
    readonly jobId: string,
    readonly status: string | null,
  ) {
    super(`job ${jobId} is ${status ?? 'gone'}, no longer RUNNING: this run stops`);
    this.name = 'JobNotRunningError';
  }
}

// ------------------------------------------------------------------ upload

/** A new job, QUEUED and hidden behind an upload lease of `leaseSeconds`. */
export async function createJob(db: Queryable, jobId: string, options: { dryRun: boolean; leaseSeconds: number }): Promise<void> {
  await db.query(
    `INSERT INTO ingest_jobs (id, status, dry_run, upload_lease_until) VALUES ($1, '${QUEUED}', $3, now() + make_interval(secs => $2))`,
    [jobId, options.leaseSeconds, options.dryRun],
  );
}

export async function renewUploadLease(db: Queryable, jobId: string, leaseSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    update('renewUploadLease', 'upload_lease_until = now() + make_interval(secs => $2)', 'j.id = $1 AND j.upload_lease_until IS NOT NULL'),
    [jobId, leaseSeconds],
  );
  return rowCount === 1;
}

/** Every file stored: the job becomes visible. False when its lease lapsed and a sweep took it. */
export async function completeUpload(db: Queryable, jobId: string, totals: { bytes: number; rows: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    update(
      'completeUpload',
      'total_bytes = $2, total_rows = $3, upload_lease_until = NULL, created_at = now()',
      'j.id = $1 AND j.upload_lease_until IS NOT NULL',
    ),
    [jobId, totals.bytes, totals.rows],
  );
  return rowCount === 1;
}

/** Deletes a job that never ran (its files and chunks go with it). */
export async function discardJob(db: Queryable, jobId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM ingest_jobs j WHERE j.id = $1 AND ${allowed('discard')}`, [jobId]);
  return rowCount === 1;
}

/** Deletes partial uploads whose lease lapsed: their API process died mid-upload. */
export async function discardAbandonedUploads(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM ingest_jobs j WHERE j.upload_lease_until < now() AND ${allowed('discard')}`);
  return rowCount ?? 0;
}

/**
 * Deletes the uploaded bytes of up to `limit` jobs that ended more than `retentionSeconds`
 * ago and records when (files_purged_at); returns how many. FOR UPDATE: a retry racing
 * this either sees files_purged_at or waits for it.
 */
export async function purgeExpiredFiles(db: Queryable, retentionSeconds: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH expired AS (
       SELECT j.id FROM ingest_jobs j
        WHERE j.files_purged_at IS NULL AND ${allowed('purgeFiles')}
          AND j.finished_at < now() - make_interval(secs => $1)
        ORDER BY j.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED),
     marked AS (${update('purgeFiles', 'files_purged_at = now()', 'j.id IN (SELECT id FROM expired)', { returning: 'j.id' })}),
     chunks AS (DELETE FROM upload_chunks c USING job_files f, marked m WHERE c.file_id = f.id AND f.job_id = m.id)
     SELECT id FROM marked`,
    [retentionSeconds, limit],
  );
  return rowCount ?? 0;
}

/** A file of an upload, before its bytes (size and hash follow in recordFileStored). */
export async function addJobFile(db: Queryable, file: { id: string; jobId: string; kind: string; name: string }): Promise<void> {
  await db.query(`INSERT INTO job_files (id, job_id, kind, name, size_bytes, sha256) VALUES ($1, $2, $3, $4, 0, '')`, [
    file.id,
    file.jobId,
    file.kind,
    file.name,
  ]);
}

export async function recordFileStored(db: Queryable, fileId: string, stored: { sizeBytes: number; sha256: string }): Promise<void> {
  await db.query('UPDATE job_files SET size_bytes = $2, sha256 = $3 WHERE id = $1', [fileId, stored.sizeBytes, stored.sha256]);
}

// ------------------------------------------------------------------ status changes

export interface ClaimedJob {
  stageTimings: Record<string, number>;
  cancelRequested: boolean;
  dryRun: boolean;
}

/** QUEUED, or RUNNING after a crashed run → RUNNING; null when the job is not to be run (gone, ended). */
export async function claimJob(db: Queryable, jobId: string): Promise<ClaimedJob | null> {
  const { rows } = await db.query<{ stage_timings: Record<string, number>; cancel_requested: boolean; dry_run: boolean }>(
    update('claim', `status = '${RUNNING}', started_at = coalesce(j.started_at, now()), error = NULL`, 'j.id = $1', {
      returning: 'j.stage_timings, j.cancel_requested, j.dry_run',
    }),
    [jobId],
  );
  const row = rows[0];
  return row ? { stageTimings: row.stage_timings ?? {}, cancelRequested: row.cancel_requested, dryRun: row.dry_run } : null;
}

/** RUNNING → `status`; false when the job was no longer RUNNING (it keeps the status it has). */
export async function finishJob(db: Queryable, jobId: string, status: JobStatus, error: string | null): Promise<boolean> {
  assertTarget('finish', status);
  const { rowCount } = await db.query(
    update('finish', 'status = $2::"JobStatus", stage = NULL, error = $3, finished_at = now()', 'j.id = $1'),
    [jobId, status, error],
  );
  return rowCount === 1;
}

/**
 * QUEUED → CANCELLED at once; RUNNING → cancel requested (the run stops at its next
 * chunk). Null when the job may not be cancelled (ended, or not visible yet).
 */
export async function cancelJobRow(db: Queryable, jobId: string): Promise<{ status: JobStatus; attempts: number } | null> {
  const { rows } = await db.query<{ status: JobStatus; attempts: number }>(
    `UPDATE ingest_jobs j
        SET status = CASE WHEN ${allowed('cancel')} THEN '${CANCELLED}'::"JobStatus" ELSE j.status END,
            finished_at = CASE WHEN ${allowed('cancel')} THEN now() ELSE j.finished_at END,
            cancel_requested = ${allowed('requestCancel')},
            progress_seq = j.progress_seq + 1, updated_at = now()
      WHERE j.id = $1 AND (${allowed('cancel')} OR ${allowed('requestCancel')}) AND j.upload_lease_until IS NULL
      RETURNING j.status, j.attempts`,
    [jobId],
  );
  return rows[0] ?? null;
}

/** What a retry replaced, so that undoRetry can put it back. */
export interface RetriedJob {
  attempts: number;
  previous: { status: JobStatus; error: string | null; finishedAt: Date | null; cancelRequested: boolean };
}

/** FAILED or CANCELLED, files still stored → QUEUED under a new attempt number; null when not allowed. */
export async function retryJobRow(db: Queryable, jobId: string): Promise<RetriedJob | null> {
  const { rows } = await db.query<{
    attempts: number;
    status: JobStatus;
    error: string | null;
    finished_at: Date | null;
    cancel_requested: boolean;
  }>(
    update(
      'retry',
      `status = '${QUEUED}', cancel_requested = false, error = NULL, finished_at = NULL, attempts = j.attempts + 1`,
      'j.id = p.id AND j.files_purged_at IS NULL',
      {
        from: '(SELECT id, status, error, finished_at, cancel_requested FROM ingest_jobs WHERE id = $1 FOR UPDATE) p',
        returning: 'j.attempts, p.status, p.error, p.finished_at, p.cancel_requested',
      },
    ),
    [jobId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    attempts: row.attempts,
    previous: { status: row.status, error: row.error, finishedAt: row.finished_at, cancelRequested: row.cancel_requested },
  };
}

/** Puts back what `retried` replaced, unless the job has moved on since (another retry, a worker). */
export async function undoRetry(db: Queryable, jobId: string, retried: RetriedJob): Promise<boolean> {
  const { previous } = retried;
  assertTarget('undoRetry', previous.status);
  const { rowCount } = await db.query(
    update(
      'undoRetry',
      'status = $3::"JobStatus", error = $4, finished_at = $5, cancel_requested = $6',
      'j.id = $1 AND j.attempts = $2',
    ),
    [jobId, retried.attempts, previous.status, previous.error, previous.finishedAt, previous.cancelRequested],
  );
  return rowCount === 1;
}

/**
 * QUEUED or RUNNING → the next attempt number, for a fresh queue entry; only when the job
 * is still at `attempts` (so of several processes finding it lost, one requeues it).
 * Returns the new number, or null.
 */
export async function requeueJob(db: Queryable, jobId: string, attempts: number): Promise<number | null> {
  const { rows } = await db.query<{ attempts: number }>(
    update('requeue', 'attempts = j.attempts + 1', 'j.id = $1 AND j.attempts = $2', { returning: 'j.attempts' }),
    [jobId, attempts],
  );
  return rows[0]?.attempts ?? null;
}

/** QUEUED or RUNNING → FAILED with `error`: the queue gave up on the job. False when it had ended. */
export async function markJobLost(db: Queryable, jobId: string, error: string): Promise<boolean> {
  const { rowCount } = await db.query(
    update('markLost', `status = '${FAILED}', stage = NULL, finished_at = now(), error = $2`, 'j.id = $1'),
    [jobId, error],
  );
  return rowCount === 1;
}

// ------------------------------------------------------------------ a run's own records

export interface JobProgress {
  processedRows: number;
  processedBytes: number;
  /** Records counted once every file is read; null keeps the upload's estimate. */
  countedRows: number | null;
  stage: JobStage | null;
  aggregatesDone: number;
}

/** A progress write; false when the job is no longer RUNNING (nothing written). */
export async function writeProgress(db: Queryable, jobId: string, progress: JobProgress): Promise<boolean> {
  const { rowCount } = await db.query(
    update(
      'progress',
      `processed_rows = $2, processed_bytes = $3, total_rows = coalesce($4, j.total_rows),
       total_rows_exact = j.total_rows_exact OR $4 IS NOT NULL, aggregates_done = $6,
       stage = coalesce($5::"JobStage", j.stage)`,
      'j.id = $1',
    ),
    [jobId, progress.processedRows, progress.processedBytes, progress.countedRows, progress.stage, progress.aggregatesDone],
  );
  return rowCount === 1;
}

/** Idempotent (a resumed run does not repeat a warning); false when not written. */
export async function addWarning(db: Queryable, jobId: string, warning: string): Promise<boolean> {
  const { rowCount } = await db.query(
    update('warning', 'warnings = array_append(j.warnings, $2)', 'j.id = $1 AND NOT ($2 = ANY (j.warnings))'),
    [jobId, warning],
  );
  return rowCount === 1;
}

/** A stage's time; a stage timed is done (a resumed run skips it). Throws when the job is no longer RUNNING. */
export async function recordStageTiming(db: Queryable, jobId: string, stage: JobStage, ms: number): Promise<void> {
  const { rowCount } = await db.query(
    update('timing', 'stage_timings = j.stage_timings || jsonb_build_object($2::text, $3::int)', 'j.id = $1'),
    [jobId, stage, Math.round(ms)],
  );
  if (rowCount !== 1) throw await notRunning(db, jobId);
}

export interface ChunkCheckpoint {
  fileId: string;
  /** committed_records this run started the chunk from. */
  startRecord: number;
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Dates whose aggregates the chunk's rows changed. */
  dates: readonly string[];
}

// One round trip for the chunk's bookkeeping: the checkpoint and counters, the affected
// dates and the job's rejected count, all only when the job is RUNNING and the checkpoint
// is where this run left it.
const CHECKPOINT_SQL = `
WITH running AS (
  SELECT FROM ingest_jobs j WHERE j.id = $8 AND ${allowed('checkpoint')}
), checkpoint AS (
  UPDATE job_files SET total_rows = total_rows + $3, inserted_rows = inserted_rows + $4,
         updated_rows = updated_rows + $5, unchanged_rows = unchanged_rows + $6,
         rejected_rows = rejected_rows + $7, committed_records = $2 + $3
   WHERE id = $1 AND committed_records = $2 AND EXISTS (SELECT FROM running)
  RETURNING 1
), dates AS (
  INSERT INTO job_affected_dates (job_id, date)
  SELECT $8, unnest($9::date[]) WHERE EXISTS (SELECT FROM checkpoint)
  ON CONFLICT DO NOTHING
), job AS (
  ${update('checkpoint', 'rejected_count = j.rejected_count + $7', 'j.id = $8 AND EXISTS (SELECT FROM checkpoint)', { returning: 'j.cancel_requested' })}
)
SELECT EXISTS (SELECT FROM running) AS running, EXISTS (SELECT FROM checkpoint) AS checkpointed,
       (SELECT cancel_requested FROM job) AS cancel_requested`;

/**
 * A chunk's counters and checkpoint, inside the caller's transaction (the one that commits
 * the chunk's rows); returns whether a cancel was requested. Throws, so that the caller
 * rolls the chunk back, when the job is no longer RUNNING (JobNotRunningError) or another
 * run moved the checkpoint.
 */
export async function checkpointChunk(db: Queryable, jobId: string, chunk: ChunkCheckpoint): Promise<{ cancelRequested: boolean }> {
  const { rows } = await db.query<{ running: boolean; checkpointed: boolean; cancel_requested: boolean | null }>(CHECKPOINT_SQL, [
    chunk.fileId, chunk.startRecord, chunk.records, chunk.inserted, chunk.updated, chunk.unchanged,
    chunk.rejected, jobId, chunk.dates,
  ]);
  const row = rows[0];
  if (!row?.running) throw await notRunning(db, jobId);
  // Guards against two runs of one job: the checkpoint must be where this run left it.
  if (!row.checkpointed) throw new Error(`job file ${chunk.fileId} checkpoint moved: another run is ingesting it`);
  // The job left RUNNING between the statement's snapshot and its update of the job row.
  if (row.cancel_requested === null) throw await notRunning(db, jobId);
  return { cancelRequested: row.cancel_requested };
}

/** A dry run starts over: its files' counters and checkpoints, its own counters and timings back to zero (its rejected rows are the caller's). */
export async function restartDryRun(db: Queryable, jobId: string): Promise<void> {
  await db.query(
    `UPDATE job_files SET total_rows = 0, inserted_rows = 0, updated_rows = 0, unchanged_rows = 0, rejected_rows = 0,
            committed_records = 0
      WHERE job_id = $1`,
    [jobId],
  );
  const { rowCount } = await db.query(
    update('restartDryRun', `rejected_count = 0, stage_timings = '{}', processed_rows = 0, processed_bytes = 0`, 'j.id = $1'),
    [jobId],
  );
  if (rowCount !== 1) throw await notRunning(db, jobId);
}

/**
 * Job `jobId` takes the outcome of the identical job `matchedId`: its files' counts (every
 * row unchanged), its rejected count, the file stages as done, and a warning naming it
 * (once: a dry run that carried over and is run again carries over again). The rejected
 * rows are the caller's, in the same transaction.
 */
export async function carryOverJob(db: Queryable, jobId: string, matchedId: string): Promise<void> {
  // Guarded by committed_records = 0: a re-run after this committed changes nothing.
  await db.query(
    `UPDATE job_files f
        SET total_rows = s.total_rows, inserted_rows = 0, updated_rows = 0,
            unchanged_rows = s.inserted_rows + s.updated_rows + s.unchanged_rows,
            rejected_rows = s.rejected_rows, committed_records = s.committed_records
       FROM job_files s
      WHERE f.job_id = $1 AND s.job_id = $2 AND s.kind = f.kind AND f.committed_records = 0`,
    [jobId, matchedId],
  );
  const { rowCount } = await db.query(
    update(
      'carryOver',
      `rejected_count = s.rejected_count,
       warnings = CASE WHEN w.text = ANY (j.warnings) THEN j.warnings ELSE array_append(j.warnings, w.text) END,
       stage_timings = j.stage_timings || jsonb_build_object('${JobStage.USERS}', 0, '${JobStage.TRANSACTIONS}', 0)`,
      'j.id = $1 AND s.id = $2',
      {
        from: `ingest_jobs s, LATERAL (SELECT 'the files are identical to those of job ' || s.id ||
                 ' and no job has run since it started: rows are counted as there (unchanged) without re-reading them' AS text) w`,
      },
    ),
    [jobId, matchedId],
  );
  if (rowCount !== 1) throw await notRunning(db, jobId);
}

async function notRunning(db: Queryable, jobId: string): Promise<JobNotRunningError> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM ingest_jobs WHERE id = $1', [jobId]);
  return new JobNotRunningError(jobId, rows[0]?.status ?? null);
}
