// Jobs the queue loses: a worker killed twice (BullMQ gives up on stalled jobs without
// running our code) and a queued job wiped by a Redis restart. The first must still
// complete, at worst through retryJob; the second completes by itself, requeued by the
// worker's lost-jobs pass (src/jobs/reconciler.ts). These were bugs found by this suite,
// now fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFaultEnv,
  dataSet,
  DATA,
  ensureServices,
  expireLocks,
  finished,
  startRedis,
  startWorker,
  stopRedis,
  until,
  type FaultEnv,
  type Proc,
} from './helpers.js';

let files: { users: string; transactions: string };

beforeAll(async () => {
  await ensureServices();
  files = await dataSet();
});
afterAll(async () => {
  await ensureServices();
});

/** Where BullMQ thinks the job is, for the failure message. */
async function bullState(env: FaultEnv, jobId: string): Promise<string> {
  const job = await env.queue.getJob(jobId);
  if (!job) return 'no BullMQ job';
  return `BullMQ ${await job.getState()}${job.failedReason ? `: ${job.failedReason}` : ''}`;
}

describe('jobs the queue lost', () => {
  it('a job whose worker is killed twice still completes (or can be retried)', async () => {
    const env = await createFaultEnv('bug_stalled_twice');
    const workers: Proc[] = [startWorker(env.db)];
    try {
      const jobId = await env.upload(files);
      for (const fraction of [0.25, 0.6]) {
        const worker = workers.at(-1)!;
        await until(
          () => env.job(jobId),
          (j) => j.stage === 'TRANSACTIONS' && Number(j.processed_rows) >= DATA.users + DATA.transactions * fraction,
          `the job to pass ${fraction * 100} % of TRANSACTIONS`,
          120_000,
          20,
          worker.output,
        );
        await worker.kill9();
        expect(await expireLocks(env)).toEqual([jobId]);
        workers.push(startWorker(env.db));
      }
      // The third worker should resume it. If nothing does, the operator's path is retryJob.
      const job = await finished(env, jobId, 45_000, workers).catch(async () => {
        await env.retry(jobId);
        return finished(env, jobId, 45_000, workers);
      }).catch(async (error: Error) => {
        throw new Error(`${(error.message.split('\n')[0])}\n${await bullState(env, jobId)}`);
      });
      expect(job.status).toBe('COMPLETED');
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });

  it('a queued job lost by a Redis restart runs by itself: the worker requeues it', async () => {
    const env = await createFaultEnv('bug_redis_lost_queued');
    const workers: Proc[] = [];
    try {
      const jobId = await env.upload({ users: files.users });
      try {
        await stopRedis();
      } finally {
        await startRedis();
      }
      // A pass every second; the default grace period (10 s since the job last changed) stays.
      workers.push(startWorker(env.db, { JOB_RECONCILE_INTERVAL_MS: '1000' }));
      const job = await finished(env, jobId, 45_000, workers).catch(async (error: Error) => {
        throw new Error(`${(error.message.split('\n')[0])}\n${await bullState(env, jobId)}`);
      });
      expect(job.status).toBe('COMPLETED');
    } finally {
      await startRedis();
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });
});
