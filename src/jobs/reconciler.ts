// Lost jobs: a job the database calls QUEUED or RUNNING that no BullMQ entry will ever
// deliver (Redis restarted without its data, an entry removed by hand, BullMQ gave up on
// it while our 'failed' handler could not mark it). Every worker process looks for them
// at start and every JOB_RECONCILE_INTERVAL_MS; retryJob asks the same question for one
// job. A lost job gets a fresh queue entry and resumes from its committed chunks.
//
// Several processes may look at once: the requeue is a compare-and-set on the job's
// attempts, which also names its BullMQ entry (bullJobId), so one of them requeues it and
// the entry it adds is the only one. A job that a worker is running holds its advisory
// lock (run-job.ts) and is left alone whatever BullMQ says. A job changed within the
// grace period is left alone too: it may be between its write and its enqueue.
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger } from '../infra/logger.js';
import { ADVISORY_LOCKS } from '../infra/pg-pool.js';
import { bullJobId, enqueueIngest, type IngestPayload } from '../queue/ingest-queue.js';
import { JOB_WRITES, requeueJob } from './store.js';

export interface ReconcileDeps {
  pool: pg.Pool;
  queue: Queue<IngestPayload>;
}

/** BullMQ states in which no worker will ever run the job again. */
const LOST_STATES = new Set(['missing', 'unknown', 'failed', 'completed']);

/** The job's lock is held: a worker is running it now (pg_locks of this database only). */
const RUN_IN_PROGRESS = `EXISTS (
  SELECT FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ${ADVISORY_LOCKS.jobs} AND l.objid = hashtext(j.id::text)::oid)`;

const CANDIDATES_SQL = `
SELECT j.id, j.attempts FROM ingest_jobs j
 WHERE j.status = ANY ($1::"JobStatus"[]) AND j.upload_lease_until IS NULL
   AND j.updated_at < now() - make_interval(secs => $2) AND NOT ${RUN_IN_PROGRESS}
 ORDER BY j.created_at`;

const ONE_JOB_SQL = `
SELECT j.attempts, ${RUN_IN_PROGRESS} AS running FROM ingest_jobs j
 WHERE j.id = $1 AND j.status = ANY ($2::"JobStatus"[])`;

/**
 * Requeues job `jobId` when BullMQ has lost it and no worker runs it; returns whether it
 * did. `attempts` is what the caller read (else it is read here).
 */
export async function requeueIfLost(deps: ReconcileDeps, jobId: string, attempts?: number): Promise<boolean> {
  if (attempts === undefined) {
    const { rows } = await deps.pool.query<{ attempts: number; running: boolean }>(ONE_JOB_SQL, [jobId, JOB_WRITES.requeue.from]);
    if (!rows[0] || rows[0].running) return false;
    attempts = rows[0].attempts;
  }
  const entry = await deps.queue.getJob(bullJobId(jobId, attempts));
  const state = entry ? await entry.getState() : 'missing';
  if (!LOST_STATES.has(state)) return false;
  const next = await requeueJob(deps.pool, jobId, attempts);
  if (next === null) return false; // another process requeued it, or the job moved on
  await enqueueIngest(deps.queue, jobId, next);
  return true;
}

/** One pass over the QUEUED and RUNNING jobs; returns the ids requeued. */
export async function reconcileLostJobs(deps: ReconcileDeps, graceMs: number): Promise<string[]> {
  const { rows } = await deps.pool.query<{ id: string; attempts: number }>(CANDIDATES_SQL, [
    JOB_WRITES.requeue.from,
    graceMs / 1000,
  ]);
  const requeued: string[] = [];
  for (const { id, attempts } of rows) {
    if (await requeueIfLost(deps, id, attempts)) requeued.push(id);
  }
  return requeued;
}

export interface LostJobsReconciler {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/** Runs a pass now and every `intervalMs`; a failed pass is logged and the next one tries again. */
export function startLostJobsReconciler(
  deps: ReconcileDeps,
  options: { intervalMs: number; graceMs: number; log: Logger },
): LostJobsReconciler {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= (async () => {
      try {
        const requeued = await reconcileLostJobs(deps, options.graceMs);
        if (requeued.length) options.log.warn({ jobIds: requeued }, 'requeued jobs the queue had lost');
      } catch (error) {
        options.log.warn({ err: error }, 'lost-jobs pass failed; retried at the next interval');
      } finally {
        running = undefined;
      }
    })();
  };
  pass();
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
