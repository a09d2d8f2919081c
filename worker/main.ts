// Worker process: runs ingest jobs from the queue. Thin: the job lifecycle lives in
// pipeline/run-job.ts. Shutdown order on SIGTERM/SIGINT: stop taking jobs and wait for the
// running ones (worker.close), then Redis, then the database. If the process is killed
// before that, the job is redelivered and resumes from its last committed chunk.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { loadEnv } from '../src/config/env.js';
import { logger } from '../src/infra/logger.js';
import { createPool } from '../src/infra/pg-pool.js';
import { createPubSub } from '../src/infra/pubsub.js';
import { createRedis, createWorkerRedis } from '../src/infra/redis.js';
import { startWorkerMetricsServer } from '../src/metrics/worker.js';
import { publishJobState, publishProgress } from '../src/progress/publisher.js';
import { publishAlerts } from '../src/budgets/events.js';
import { INGEST_QUEUE, ingestPayloadSchema, type IngestPayload } from '../src/queue/ingest-queue.js';
import { JobBusyError, runJob, type RunJobDeps, type RunJobResult } from './pipeline/run-job.js';

const env = loadEnv();
// Per running job: its dedicated connection, upload reads, progress writes and the final read.
// The pool alone: the pipeline is raw SQL, and Prisma's client would only cost memory.
const pool = createPool(env.DATABASE_URL, { max: env.WORKER_CONCURRENCY * 4 + 2 });
const redis = createRedis(env.REDIS_URL);
// Publish only: the worker never subscribes, so its PubSub's subscriber connection never opens.
const pubsub = createPubSub({ publisher: redis, prefix: env.REDIS_PREFIX, log: logger });
const runDeps: RunJobDeps = {
  pool,
  log: logger,
  publish: (event, changed) => publishProgress(pubsub, event, changed),
  // On the same connection as progress: Redis delivers the alerts before the job's
  // COMPLETED event, which is published after them.
  publishAlerts: (alerts) => publishAlerts(pubsub, alerts),
};

// Its committed rows stay pending (aggregate_pending) and, the job no longer running, the
// next job's AGGREGATES stage applies them, whether or not this job is ever retried.
const MARK_LOST_SQL = `
UPDATE ingest_jobs SET status = 'FAILED', stage = NULL, finished_at = now(), updated_at = now(),
       error = $2, progress_seq = progress_seq + 1
 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
RETURNING 1`;

const worker = new Worker<IngestPayload>(
  INGEST_QUEUE,
  async (job, token) => {
    const { jobId } = ingestPayloadSchema.parse(job.data);
    const attempt = job.attemptsMade + 1;
    let result: RunJobResult;
    try {
      result = await runJob(runDeps, jobId, {
        finalAttempt: attempt >= (job.opts.attempts ?? 1),
        attempts: attempt,
      });
    } catch (error) {
      if (error instanceof JobBusyError) return lookAgainLater(job, token);
      throw error;
    }
    // Bad input never gets better: no BullMQ retries.
    if (result.status === 'FAILED') throw new UnrecoverableError(result.error ?? 'job failed');
    return result;
  },
  {
    connection: createWorkerRedis(env.REDIS_URL),
    prefix: env.REDIS_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    // A chunk merge can hold the event loop's attention for a while; don't declare it stalled early.
    lockDuration: 60_000,
    // A crashed worker stalls its job; allow as many stalls as attempts before BullMQ gives up.
    maxStalledCount: 5,
  },
);

worker.on('failed', (job, error) => {
  logger.warn({ jobId: job?.data.jobId, err: error }, 'ingest attempt failed');
  // BullMQ can give up on a job without our code running (stalled too often): the job row
  // must not stay RUNNING forever. Only rows not already terminal are touched.
  if (job && job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/.test(error.message)) {
    void markLostJobFailed(job?.data.jobId);
  }
});
worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
logger.info({ queue: INGEST_QUEUE, prefix: env.REDIS_PREFIX, concurrency: env.WORKER_CONCURRENCY }, 'worker started');

const metricsServer =
  env.WORKER_METRICS_PORT === undefined ? undefined : await startWorkerMetricsServer(env, env.WORKER_METRICS_PORT);
if (metricsServer) logger.info({ url: metricsServer.url }, 'worker metrics listening');

/**
 * Another delivery runs this job (a stalled-job redelivery, or retryJob's copy of a job it
 * found lost). Failing would spend an attempt, and with the attempts spent the 'failed'
 * handler below would mark the job FAILED under the running holder, whose finish then
 * leaves it FAILED. So this delivery goes back to the delayed set without an attempt
 * (BullMQ's moveToDelayed + DelayedError) and looks again every WORKER_BUSY_RECHECK_MS
 * for as long as the holder runs: the holder's lock ends with its run or its connection,
 * and this delivery then finds the job finished (SKIPPED) or resumes what a dead holder left.
 */
async function lookAgainLater(job: Job<IngestPayload>, token: string | undefined): Promise<never> {
  logger.info({ jobId: job.data.jobId, recheckMs: env.WORKER_BUSY_RECHECK_MS }, 'job is being run by another delivery: looking again later');
  await job.moveToDelayed(Date.now() + env.WORKER_BUSY_RECHECK_MS, token);
  throw new DelayedError();
}

/** The queue gave up (its 'failed' event logged the cause): job.error says what to do. */
async function markLostJobFailed(jobId: string | undefined): Promise<void> {
  if (!jobId) return;
  const message =
    'the queue gave up on this job: its worker stopped or lost it repeatedly; retrying the job resumes it from its last committed chunk';
  try {
    const { rowCount } = await pool.query(MARK_LOST_SQL, [jobId, message]);
    if (!rowCount) return;
    await publishJobState(pool, pubsub, jobId).catch((error: unknown) =>
      logger.warn({ err: error, jobId }, 'could not publish a lost job as FAILED (subscribers see it when they re-read the row)'),
    );
  } catch (error) {
    logger.error({ err: error, jobId }, 'could not mark a lost job FAILED');
  }
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker shutting down');
  try {
    await worker.close();
    await metricsServer?.close();
    pubsub.close();
    await redis.quit().catch(() => undefined);
    await pool.end();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'unclean shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
