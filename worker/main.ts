// Worker process: runs ingest jobs from the queue. Thin: the job lifecycle lives in
// pipeline/run-job.ts. Shutdown order on SIGTERM/SIGINT: stop taking jobs and wait for the
// running ones (worker.close), then Redis, then the database. Lost jobs (in the database,
// no longer in BullMQ) are requeued here too (src/jobs/reconciler.ts). If the process is killed
// before that, the job is redelivered and resumes from its last committed chunk.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { loadConfig } from '../src/config/config.js';
import { configureLogger } from '../src/infra/logger.js';
import { createPool } from '../src/infra/pg-pool.js';
import { createPubSub } from '../src/infra/pubsub.js';
import { createRedis, createWorkerRedis } from '../src/infra/redis.js';
import { startWorkerMetricsServer } from '../src/metrics/worker.js';
import { publishJobState, publishProgress } from '../src/progress/publisher.js';
import { publishAlerts } from '../src/budgets/events.js';
import { DashboardCache } from '../src/dashboard/cache.js';
import { DashboardView } from '../src/dashboard/dashboard.js';
import { SharedDefaultView } from '../src/dashboard/default-view.js';
import { validateFilter } from '../src/dashboard/filter.js';
import { markJobLost } from '../src/jobs/store.js';
import { startLostJobsReconciler } from '../src/jobs/reconciler.js';
import { createIngestQueue, INGEST_QUEUE, ingestPayloadSchema, type IngestPayload } from '../src/queue/ingest-queue.js';
import { JobBusyError, runJob, type RunJobDeps, type RunJobResult } from './pipeline/run-job.js';

const config = loadConfig();
const logger = configureLogger(config.log);
// Per running job: its dedicated connection, upload reads, progress writes and the final read.
// The pool alone: the pipeline is raw SQL, and Prisma's client would only cost memory.
const pool = createPool(config.db.url, { max: config.worker.concurrency * 4 + 2 });
const redis = createRedis(config.redis.url);
// Publish only: the worker never subscribes, so its PubSub's subscriber connection never opens.
const pubsub = createPubSub({ publisher: redis, prefix: config.redis.prefix, log: logger });
const defaultView = new SharedDefaultView(redis, config.redis.prefix, logger);
const runDeps: RunJobDeps = {
  pool,
  log: logger,
  chunkRecords: config.worker.chunkRecords,
  progressIntervalMs: config.worker.progressIntervalMs,
  publish: (event, changed) => publishProgress(pubsub, event, changed),
  // On the same connection as progress: Redis delivers the alerts before the job's
  // COMPLETED event, which is published after them.
  publishAlerts: (alerts) => publishAlerts(pubsub, alerts),
  // The worker computes the default dashboard for the API processes; it keeps no copy
  // itself (a cache of 0 bytes is off).
  precomputeDashboard: () => new DashboardView(pool, new DashboardCache(0), validateFilter(null), defaultView).precompute(),
};

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
    connection: createWorkerRedis(config.redis.url),
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockDurationMs,
    maxStalledCount: config.worker.maxStalledCount,
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
logger.info({ queue: INGEST_QUEUE, prefix: config.redis.prefix, concurrency: config.worker.concurrency }, 'worker started');

// Jobs BullMQ lost (Redis restarted without its data, say) are requeued by every worker,
// at start and periodically; the producer shares the publisher's connection.
const queue = createIngestQueue(redis, config.redis.prefix);
const reconciler = startLostJobsReconciler(
  { pool, queue },
  { ...config.worker.reconcile, log: logger },
);

const metricsServer =
  config.worker.metricsPort === undefined ? undefined : await startWorkerMetricsServer(config, config.worker.metricsPort);
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
  logger.info({ jobId: job.data.jobId, recheckMs: config.worker.busyRecheckMs }, 'job is being run by another delivery: looking again later');
  await job.moveToDelayed(Date.now() + config.worker.busyRecheckMs, token);
  throw new DelayedError();
}

/** The queue gave up (its 'failed' event logged the cause): job.error says what to do. */
async function markLostJobFailed(jobId: string | undefined): Promise<void> {
  if (!jobId) return;
  const message =
    'the queue gave up on this job: its worker stopped or lost it repeatedly; retrying the job resumes it from its last committed chunk';
  try {
    // Its committed rows stay pending (aggregate_pending) and, the job no longer running,
    // the next job's AGGREGATES stage applies them, whether or not this job is ever retried.
    if (!(await markJobLost(pool, jobId, message))) return;
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
    await reconciler.stop();
    await worker.close();
    await queue.close();
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
