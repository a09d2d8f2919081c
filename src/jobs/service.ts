// Job commands behind the uploadCsv / cancelJob / retryJob mutations. Plain functions over
// a pg pool and the ingest queue, so resolvers stay thin and tests call them directly.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { badInput, conflict, DomainError, notFound } from '../errors.js';
import { storeUpload, UploadTooLargeError } from '../infra/file-store.js';
import { bullJobId, enqueueIngest, type IngestPayload } from '../queue/ingest-queue.js';

export interface JobServiceDeps {
  pool: pg.Pool;
  queue: Queue<IngestPayload>;
  maxUploadBytes: number;
}

export type UploadKind = 'USERS' | 'TRANSACTIONS';

export interface UploadFile {
  kind: UploadKind;
  name: string;
  stream: AsyncIterable<Buffer>;
}

/**
 * A file whose name and bytes are known only once its multipart part arrives: the second
 * file's part follows the first file's bytes, so it must not be awaited before those
 * bytes are consumed.
 */
export interface PendingUpload {
  kind: UploadKind;
  open(): Promise<Omit<UploadFile, 'kind'>>;
}

const MAX_NAME_LENGTH = 255;

/**
 * Stores the files (streamed, hashed, size-limited) and queues a new job; returns its id.
 * Everything is written in one transaction: a file over the limit or a broken stream
 * leaves no job and no chunk behind.
 */
export async function createUploadJob(deps: JobServiceDeps, files: Array<UploadFile | PendingUpload>): Promise<string> {
  if (!files.length) throw badInput('uploadCsv needs at least one file: users or transactions', 'users');
  const kinds = new Set(files.map((file) => file.kind));
  if (kinds.size !== files.length) throw badInput('at most one file of each kind');
  const jobId = randomUUID();
  const client = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'QUEUED')`, [jobId]);
    const sizes = await storeFiles(client, jobId, files, deps.maxUploadBytes);
    await client.query('UPDATE ingest_jobs SET total_bytes = $2 WHERE id = $1', [jobId, sizes.reduce((a, b) => a + b, 0)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw uploadError(error, deps.maxUploadBytes);
  } finally {
    client.release(broken);
  }
  try {
    await enqueueIngest(deps.queue, jobId);
  } catch (error) {
    // Not queued means nobody would ever run it: remove the job rather than leave it QUEUED forever.
    await deps.pool.query('DELETE FROM ingest_jobs WHERE id = $1', [jobId]).catch(() => undefined);
    throw error;
  }
  return jobId;
}

/**
 * Streams every file at once: a multipart body may carry them in any order, and waiting
 * on one while the other's bytes are next in the body would stall. pg queues the queries
 * of one client, so the interleaved chunk inserts share the transaction safely.
 */
async function storeFiles(
  client: pg.PoolClient,
  jobId: string,
  files: Array<UploadFile | PendingUpload>,
  maxBytes: number,
): Promise<number[]> {
  const opened: UploadFile[] = [];
  // The first failure ends the other streams too, so nothing waits for bytes nobody will keep.
  const stopAll = (error: unknown) => {
    for (const file of opened) (file.stream as { destroy?: () => void }).destroy?.();
    throw error;
  };
  const stores = files.map(async (pending) => {
    const file = 'open' in pending ? { kind: pending.kind, ...(await pending.open()) } : pending;
    opened.push(file);
    const fileId = randomUUID();
    await client.query(`INSERT INTO job_files (id, job_id, kind, name, size_bytes, sha256) VALUES ($1, $2, $3, $4, 0, '')`, [
      fileId,
      jobId,
      file.kind,
      sanitizeFileName(file.name, file.kind),
    ]);
    const stored = await storeUpload(client, fileId, file.stream, maxBytes);
    await client.query('UPDATE job_files SET size_bytes = $2, sha256 = $3 WHERE id = $1', [fileId, stored.sizeBytes, stored.sha256]);
    return stored.sizeBytes;
  }).map((store) => store.catch(stopAll));
  const results = await Promise.allSettled(stores);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  // Every store has settled, so no chunk insert can run after the caller's ROLLBACK.
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<number>).value);
}

function uploadError(error: unknown, maxBytes: number): unknown {
  if (error instanceof UploadTooLargeError) {
    return new DomainError('PAYLOAD_TOO_LARGE', error.message, { limit: error.limit });
  }
  // graphql-upload-minimal ends the stream with a 413 error when its maxFileSize is hit.
  if ((error as { status?: number } | null)?.status === 413) {
    return new DomainError('PAYLOAD_TOO_LARGE', new UploadTooLargeError(maxBytes).message, { limit: maxBytes });
  }
  return error;
}

/** The base name only (no directories, no control characters), never empty. */
export function sanitizeFileName(name: string, kind: UploadKind): string {
  const base = path.posix.basename(name.replace(/\\/g, '/'));
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const safe = clean === '.' || clean === '..' ? '' : clean;
  return (safe || `${kind.toLowerCase()}.csv`).slice(0, MAX_NAME_LENGTH);
}

export { bullJobId };

/**
 * QUEUED → CANCELLED at once (and out of the queue); RUNNING → cancel_requested, the worker
 * stops at its next chunk. A job already finished is a CONFLICT.
 */
export async function cancelJob(deps: Pick<JobServiceDeps, 'pool' | 'queue'>, jobId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ status: string; attempts: number }>(
    `UPDATE ingest_jobs
        SET status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
            finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
            cancel_requested = (status = 'RUNNING'),
            progress_seq = progress_seq + 1, updated_at = now()
      WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
      RETURNING status, attempts`,
    [jobId],
  );
  const row = rows[0];
  if (!row) {
    const status = await statusOf(deps.pool, jobId);
    throw conflict(`job ${jobId} is ${status} and can no longer be cancelled`);
  }
  if (row.status === 'CANCELLED') {
    // A worker that already took it sees CANCELLED and skips it; removal is only tidiness.
    await deps.queue.remove(bullJobId(jobId, row.attempts)).catch(() => undefined);
  }
}

/**
 * FAILED or CANCELLED → QUEUED again, resuming from what was committed. A job the database
 * calls QUEUED or RUNNING is left alone while BullMQ still holds it; when BullMQ has lost it
 * (Redis restarted, or it gave up after repeated stalls without our code running) it is
 * enqueued again. A completed job is a CONFLICT.
 */
export async function retryJob(deps: Pick<JobServiceDeps, 'pool' | 'queue'>, jobId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ attempts: number; previous: string }>(
    `UPDATE ingest_jobs j
        SET status = 'QUEUED', cancel_requested = false, error = NULL, finished_at = NULL,
            attempts = j.attempts + 1, progress_seq = j.progress_seq + 1, updated_at = now()
       FROM (SELECT id, status FROM ingest_jobs WHERE id = $1 FOR UPDATE) previous
      WHERE j.id = previous.id AND j.status IN ('FAILED', 'CANCELLED')
      RETURNING j.attempts, previous.status AS previous`,
    [jobId],
  );
  const row = rows[0];
  if (!row) {
    const status = await statusOf(deps.pool, jobId);
    if (status === 'QUEUED' || status === 'RUNNING') return requeueIfLost(deps, jobId);
    throw conflict(`job ${jobId} is ${status}: only FAILED or CANCELLED jobs can be retried`);
  }
  try {
    await enqueueIngest(deps.queue, jobId, row.attempts);
  } catch (error) {
    await deps.pool
      .query(`UPDATE ingest_jobs SET status = $2::"JobStatus", finished_at = now() WHERE id = $1 AND status = 'QUEUED'`, [
        jobId,
        row.previous,
      ])
      .catch(() => undefined);
    throw error;
  }
}

/** BullMQ states in which no worker will ever run the job again. */
const LOST_STATES = new Set(['missing', 'unknown', 'failed', 'completed']);

async function requeueIfLost(deps: Pick<JobServiceDeps, 'pool' | 'queue'>, jobId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ attempts: number }>('SELECT attempts FROM ingest_jobs WHERE id = $1', [jobId]);
  const attempts = rows[0]?.attempts ?? 0;
  const bullJob = await deps.queue.getJob(bullJobId(jobId, attempts));
  const state = bullJob ? await bullJob.getState() : 'missing';
  if (!LOST_STATES.has(state)) return;
  // A second delivery of a job still running somewhere waits on the job's advisory lock.
  const { rows: bumped } = await deps.pool.query<{ attempts: number }>(
    `UPDATE ingest_jobs SET attempts = attempts + 1, updated_at = now()
      WHERE id = $1 AND attempts = $2 AND status IN ('QUEUED', 'RUNNING') RETURNING attempts`,
    [jobId, attempts],
  );
  if (bumped[0]) await enqueueIngest(deps.queue, jobId, bumped[0].attempts);
}

async function statusOf(pool: pg.Pool, jobId: string): Promise<string> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM ingest_jobs WHERE id = $1', [jobId]);
  if (!rows[0]) throw notFound('job', jobId);
  return rows[0].status;
}
