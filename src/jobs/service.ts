// Job commands behind the uploadCsv / cancelJob / retryJob mutations. Plain functions over
// a pg pool and the ingest queue, so resolvers stay thin and tests call them directly.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { ADVISORY_LOCKS, inPooledTransaction } from '../infra/pg-pool.js';
import { badInput, conflict, DomainError, notFound } from '../errors.js';
import { storeUpload, UploadTooLargeError } from '../infra/file-store.js';
import { countingRecords, CsvRecordEstimate } from '../ingest/record-estimate.js';
import type { Logger } from '../infra/logger.js';
import { bullJobId, enqueueIngest, type IngestPayload } from '../queue/ingest-queue.js';
import { requeueIfLost } from './reconciler.js';
import * as store from './store.js';

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

export interface UploadOptions {
  /** Validate and count every row as a real run would, writing nothing outside the job's own records (SPEC §8). */
  dryRun?: boolean;
  /**
   * Runs once the job is stored and QUEUED, before a worker can see it: uploadCsv reads
   * the job it returns here (SPEC: the QUEUED job). A failure removes the job.
   */
  beforeQueue?: (jobId: string) => Promise<void>;
}

const MAX_NAME_LENGTH = 255;

/** How long a partial upload stays valid without renewal; renewed every third of it. */
export const UPLOAD_LEASE_SECONDS = 60;

/**
 * Stores the files (streamed, hashed, size-limited) and queues a new job; returns its id.
 * No transaction spans the upload: a client can take minutes to send its bytes, and a
 * pooled connection held that long starves every other query. The job row is written
 * first with an upload lease (hidden from the API, never queued), each chunk is written
 * with a connection taken from the pool for that one INSERT, and the lease is cleared when
 * every file is stored. A failure (too large, broken or stalled stream, client gone) deletes
 * the job and its chunks; if this process dies first, the lapsed lease lets
 * sweepAbandonedUploads delete them.
 */
export async function createUploadJob(
  deps: JobServiceDeps,
  files: Array<UploadFile | PendingUpload>,
  options: UploadOptions = {},
): Promise<string> {
  if (!files.length) throw badInput('uploadCsv needs at least one file: users or transactions', 'users');
  const kinds = new Set(files.map((file) => file.kind));
  if (kinds.size !== files.length) throw badInput('at most one file of each kind');
  const jobId = randomUUID();
  await store.createJob(deps.pool, jobId, { dryRun: options.dryRun ?? false, leaseSeconds: UPLOAD_LEASE_SECONDS });
  const lease = renewLease(deps.pool, jobId);
  try {
    const stored = await storeFiles(deps.pool, jobId, files, deps.maxUploadBytes);
    // total_rows starts as the records counted in the bytes (progress shows it as an estimate).
    const completed = await store.completeUpload(deps.pool, jobId, {
      bytes: sum(stored.map((file) => file.sizeBytes)),
      rows: sum(stored.map((file) => file.records)),
    });
    // Only when this process stalled longer than the lease and a sweep took the job.
    if (!completed) throw new Error(`upload ${jobId} lost its lease before it completed`);
  } catch (error) {
    clearInterval(lease);
    // Should this fail too (database gone), the lease lapses and the sweep removes the job.
    await store.discardJob(deps.pool, jobId).catch(() => undefined);
    throw uploadError(error, deps.maxUploadBytes);
  }
  clearInterval(lease);
  try {
    await options.beforeQueue?.(jobId);
    await enqueueIngest(deps.queue, jobId);
  } catch (error) {
    // Not queued means nobody would ever run it: remove the job rather than leave it QUEUED forever.
    await store.discardJob(deps.pool, jobId).catch(() => undefined);
    throw error;
  }
  return jobId;
}

/** Keeps a partial upload's lease alive while this process is still receiving it. */
function renewLease(pool: pg.Pool, jobId: string): NodeJS.Timeout {
  const timer = setInterval(() => {
    store.renewUploadLease(pool, jobId, UPLOAD_LEASE_SECONDS).catch(() => undefined); // the next renewal retries; a lapse only costs this upload
  }, (UPLOAD_LEASE_SECONDS * 1000) / 3);
  timer.unref();
  return timer;
}

/** Deletes partial uploads whose lease lapsed: their API process died mid-upload. */
export const sweepAbandonedUploads = (pool: pg.Pool): Promise<number> => store.discardAbandonedUploads(pool);

const RETENTION_LOCK = ADVISORY_LOCKS.uploadRetention;
const RETENTION_BATCH = 50;

/**
 * Deletes the uploaded bytes (upload_chunks) of jobs that ended more than `retentionDays`
 * ago; the job, its files' counts and its rejected rows stay, and files_purged_at records
 * when. Every API process calls this periodically; a transaction-level advisory lock makes
 * one run at a time across the fleet (the others skip), and each batch is its own short
 * transaction. Returns the number of jobs purged.
 */
export async function purgeExpiredUploads(pool: pg.Pool, retentionDays: number): Promise<number> {
  let purged = 0;
  for (;;) {
    const batch = await inPooledTransaction(pool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS locked', [...RETENTION_LOCK]);
      if (!rows[0]?.locked) return null;
      return store.purgeExpiredFiles(client, retentionDays * 86_400, RETENTION_BATCH);
    });
    if (batch === null) return purged; // another process is purging
    purged += batch;
    if (batch < RETENTION_BATCH) return purged;
  }
}

export interface UploadSweeps {
  stop(): void;
}

/** How often an API process sweeps abandoned uploads and expired upload bytes. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Runs both sweeps now (start-up) and every SWEEP_INTERVAL_MS; failures are logged and retried. */
export function startUploadSweeps(pool: pg.Pool, retentionDays: number, log: Logger): UploadSweeps {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= (async () => {
      try {
        const abandoned = await sweepAbandonedUploads(pool);
        const purged = await purgeExpiredUploads(pool, retentionDays);
        if (abandoned || purged) log.info({ abandoned, purged, retentionDays }, 'upload sweep');
      } catch (error) {
        log.warn({ err: error }, 'upload sweep failed; retried at the next interval');
      } finally {
        running = undefined;
      }
    })();
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Streams every file at once: a multipart body may carry them in any order, and waiting
 * on one while the other's bytes are next in the body would stall. Each statement takes
 * a pooled connection for itself only.
 */
async function storeFiles(
  pool: pg.Pool,
  jobId: string,
  files: Array<UploadFile | PendingUpload>,
  maxBytes: number,
): Promise<Array<{ sizeBytes: number; records: number }>> {
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
    await store.addJobFile(pool, { id: fileId, jobId, kind: file.kind, name: sanitizeFileName(file.name, file.kind) });
    const records = new CsvRecordEstimate();
    const stored = await storeUpload(pool, fileId, countingRecords(file.stream, records), maxBytes);
    await store.recordFileStored(pool, fileId, stored);
    return { sizeBytes: stored.sizeBytes, records: records.records() };
  }).map((store) => store.catch(stopAll));
  const results = await Promise.allSettled(stores);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  // Every store has settled, so no chunk insert can run after the caller's DELETE.
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<{ sizeBytes: number; records: number }>).value);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function uploadError(error: unknown, maxBytes: number): unknown {
  // 413 like the other refused bodies: the request fails as a whole, nothing is stored.
  if (error instanceof UploadTooLargeError) {
    return new DomainError('PAYLOAD_TOO_LARGE', error.message, { limit: error.limit, http: { status: 413 } });
  }
  // graphql-upload-minimal ends the stream with a 413 error when its maxFileSize is hit.
  if ((error as { status?: number } | null)?.status === 413) {
    return new DomainError('PAYLOAD_TOO_LARGE', new UploadTooLargeError(maxBytes).message, { limit: maxBytes, http: { status: 413 } });
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
  const row = await store.cancelJobRow(deps.pool, jobId);
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
 * calls QUEUED or RUNNING is left alone while BullMQ still holds it or a worker runs it;
 * when BullMQ has lost it (Redis restarted, or it gave up after repeated stalls without our
 * code running) it is enqueued again at once, as the workers' lost-jobs pass would
 * (reconciler.ts). A completed job is a CONFLICT.
 */
export async function retryJob(deps: Pick<JobServiceDeps, 'pool' | 'queue'>, jobId: string): Promise<void> {
  const retried = await store.retryJobRow(deps.pool, jobId);
  if (!retried) {
    const { status, filesPurgedAt } = await stateOf(deps.pool, jobId);
    if (filesPurgedAt && (status === 'FAILED' || status === 'CANCELLED')) {
      throw conflict(
        `job ${jobId} cannot be retried: its uploaded files were removed at ${filesPurgedAt.toISOString()}, ` +
          'after the upload retention period (UPLOAD_RETENTION_DAYS); upload the files again as a new job',
      );
    }
    if (status === 'QUEUED' || status === 'RUNNING') {
      await requeueIfLost(deps, jobId);
      return;
    }
    throw conflict(`job ${jobId} is ${status}: only FAILED or CANCELLED jobs can be retried`);
  }
  try {
    await enqueueIngest(deps.queue, jobId, retried.attempts);
  } catch (error) {
    // Not queued: the job is put back as it was (a change subscribers see, like the retry).
    await store.undoRetry(deps.pool, jobId, retried).catch(() => undefined);
    throw error;
  }
}

/** A job whose upload is still arriving does not exist yet for clients. */
async function stateOf(pool: pg.Pool, jobId: string): Promise<{ status: string; filesPurgedAt: Date | null }> {
  const { rows } = await pool.query<{ status: string; files_purged_at: Date | null }>(
    'SELECT status, files_purged_at FROM ingest_jobs WHERE id = $1 AND upload_lease_until IS NULL',
    [jobId],
  );
  if (!rows[0]) throw notFound('job', jobId);
  return { status: rows[0].status, filesPurgedAt: rows[0].files_purged_at };
}

const statusOf = async (pool: pg.Pool, jobId: string) => (await stateOf(pool, jobId)).status;
