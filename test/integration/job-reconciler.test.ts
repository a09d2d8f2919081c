// Lost jobs: QUEUED or RUNNING in the database with no BullMQ entry left to deliver them.
// Real PostgreSQL, Redis and BullMQ; real worker processes where the worker's own passes
// (at start, then periodic) are what is tested.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCKS } from '../../src/infra/pg-pool.js';
import { reconcileLostJobs, type ReconcileDeps } from '../../src/jobs/reconciler.js';
import { bullJobId, createIngestQueue } from '../../src/queue/ingest-queue.js';
import { startWorker, until, type Proc } from '../helpers/processes.js';
import { createHarness, csv, id, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
let workers: Proc[] = [];
const output = () => workers.map((worker, n) => `--- worker ${n + 1}\n${worker.output()}`).join('\n');

beforeAll(async () => {
  h = await createHarness('job_reconciler');
});
afterEach(async () => {
  for (const worker of workers) await worker.kill9();
  workers = [];
});
afterAll(async () => {
  await h?.close();
});

const usersOf = (group: number) => csv(USERS_HEADER, [`${id(1, group)},Ada,EU,true,,,`, `${id(2, group)},Bob,US,false,,,`]);

/** Uploads a job and removes its BullMQ entry, as a Redis that lost its data would. */
async function lostJob(group: number): Promise<string> {
  const jobId = await h.upload({ users: usersOf(group) });
  expect(await h.queue.remove(jobId)).toBe(1);
  expect(await h.queue.getJob(jobId)).toBeUndefined();
  return jobId;
}

const finished = (jobId: string) =>
  until(() => h.job(jobId), (job) => job.status !== 'QUEUED' && job.status !== 'RUNNING', 'the job to finish', 60_000, 100, output);

async function attemptsOf(jobId: string): Promise<number> {
  const { rows } = await h.db.pool.query<{ attempts: number }>('SELECT attempts FROM ingest_jobs WHERE id = $1', [jobId]);
  return rows[0]!.attempts;
}

describe('a worker requeues jobs BullMQ lost', () => {
  it('at start: a QUEUED job without a BullMQ entry completes by itself', async () => {
    const jobId = await lostJob(10);
    // The periodic pass is far away: only the start-up pass can find it.
    workers.push(startWorker(h.db, { JOB_RECONCILE_GRACE_MS: '0', JOB_RECONCILE_INTERVAL_MS: '3600000' }));
    expect((await finished(jobId)).status).toBe('COMPLETED');
    expect(await attemptsOf(jobId)).toBe(1);
    // BullMQ marks the entry completed just after the job row is.
    await until(async () => (await h.queue.getJob(bullJobId(jobId, 1)))?.getState(), (state) => state === 'completed', 'the new entry to complete', 10_000);
  }, 90_000);

  it('periodically: a job whose entry is removed while the worker runs completes by itself', async () => {
    workers.push(startWorker(h.db, { JOB_RECONCILE_GRACE_MS: '0', JOB_RECONCILE_INTERVAL_MS: '300' }));
    // Paused, the worker takes nothing: the entry can be removed before it runs.
    await h.queue.pause();
    try {
      const jobId = await lostJob(20);
      await until(() => h.queue.getJob(bullJobId(jobId, 1)), (entry) => entry !== undefined, 'a periodic pass to requeue the job', 30_000, 100, output);
      await h.queue.resume();
      expect((await finished(jobId)).status).toBe('COMPLETED');
      // Requeued once, however many passes ran meanwhile.
      expect(await attemptsOf(jobId)).toBe(1);
    } finally {
      await h.queue.resume();
    }
  }, 90_000);
});

describe('reconcileLostJobs', () => {
  it('leaves a job alone while a worker runs it (its lock held) or while it is within the grace period', async () => {
    const jobId = await lostJob(30);
    const deps: ReconcileDeps = { pool: h.db.pool, queue: h.queue };
    expect(await reconcileLostJobs(deps, 60_000)).toEqual([]);

    // A run in progress: its session holds the job's lock (run-job.ts) and the job is RUNNING.
    await h.db.pool.query(`UPDATE ingest_jobs SET status = 'RUNNING' WHERE id = $1`, [jobId]);
    const holder = new pg.Client({ connectionString: h.db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [ADVISORY_LOCKS.jobs, jobId]);
      expect(await reconcileLostJobs(deps, 0)).toEqual([]);
      expect(await attemptsOf(jobId)).toBe(0);
    } finally {
      await holder.end(); // the holder's session ends: its run died
    }
    expect(await reconcileLostJobs(deps, 0)).toEqual([jobId]);
    expect(await attemptsOf(jobId)).toBe(1);
    expect((await h.run(jobId)).status).toBe('COMPLETED');
  });

  it('requeues a lost job once when several processes look at the same time', async () => {
    const jobId = await lostJob(40);
    // Three "processes": each its own pool connection and Redis connection.
    const others = await Promise.all(
      [1, 2, 3].map(async () => {
        const redis = new Redis(h.db.redisUrl, { maxRetriesPerRequest: null });
        return { redis, queue: createIngestQueue(redis, h.db.redisPrefix), pool: new pg.Pool({ connectionString: h.db.url, max: 2 }) };
      }),
    );
    try {
      const passes = await Promise.all(others.map(({ pool, queue }) => reconcileLostJobs({ pool, queue }, 0)));
      expect(passes.flat()).toEqual([jobId]);
      expect(await attemptsOf(jobId)).toBe(1);
      // One new entry: the one the attempts name; none under the numbers a second requeue would take.
      expect((await h.queue.getJob(bullJobId(jobId, 1)))?.data).toEqual({ jobId });
      for (const retries of [2, 3]) expect(await h.queue.getJob(bullJobId(jobId, retries))).toBeUndefined();
    } finally {
      for (const { redis, queue, pool } of others) {
        await queue.close();
        redis.disconnect();
        await pool.end();
      }
    }
    expect((await h.run(jobId)).status).toBe('COMPLETED');
  });

  it('requeues a job whose BullMQ entry ended while the database still calls it QUEUED', async () => {
    const jobId = await h.upload({ users: usersOf(50) });
    // A consumer that ends the entry without running the job: what BullMQ giving up on it
    // leaves when the worker's 'failed' handler could not mark the job (database away).
    const redis = new Redis(h.db.redisUrl, { maxRetriesPerRequest: null });
    const consumer = new Worker(h.queue.name, async () => 'not run', { connection: redis, prefix: h.db.redisPrefix });
    try {
      await until(async () => (await h.queue.getJob(jobId))?.getState(), (state) => state === 'completed', 'the entry to end', 10_000);
    } finally {
      await consumer.close();
      redis.disconnect();
    }
    expect((await h.job(jobId)).status).toBe('QUEUED');
    expect(await reconcileLostJobs({ pool: h.db.pool, queue: h.queue }, 0)).toEqual([jobId]);
    expect((await h.run(jobId)).status).toBe('COMPLETED');
  });
});
