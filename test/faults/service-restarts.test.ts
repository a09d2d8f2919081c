// PostgreSQL and Redis go away mid-job and come back (npm run test:faults only: this
// disturbs everything else using the machine's shared services). The job must end
// COMPLETED, or FAILED with a clear error and then complete through retryJob; the tables
// must equal a clean run's; the API's /ready answers 503 while a dependency is down and
// 200 again afterwards, by itself. Both services are running again after every test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanRun,
  createFaultEnv,
  dataSet,
  DATA,
  differences,
  ensureServices,
  finished,
  jobCounters,
  pgCtl,
  pgReady,
  readyStatus,
  redisReady,
  snapshot,
  startApi,
  startPostgres,
  startRedis,
  startWorker,
  stopRedis,
  until,
  type ApiProc,
  type Baseline,
  type FaultEnv,
  type Proc,
} from './helpers.js';

let files: { users: string; transactions: string };
let baseline: Baseline;

beforeAll(async () => {
  await ensureServices();
  files = await dataSet();
  baseline = await cleanRun(files);
});

afterAll(async () => {
  await ensureServices();
  expect(await pgReady()).toBe(true);
  expect(await redisReady()).toBe(true);
});

/** Uploads the data set and waits until the job is a third into TRANSACTIONS. */
async function uploadAndWait(env: FaultEnv, worker: Proc): Promise<string> {
  const jobId = await env.upload(files);
  await until(
    () => env.job(jobId),
    (j) => j.stage === 'TRANSACTIONS' && Number(j.processed_rows) >= DATA.users + DATA.transactions / 3,
    'the job to be a third into TRANSACTIONS',
    120_000,
    20,
    worker.output,
  );
  return jobId;
}

/**
 * The job's end: COMPLETED by itself, or FAILED with a clear error and then COMPLETED
 * after retryJob (the operator path). Returns how it got there.
 */
async function completes(env: FaultEnv, jobId: string, workers: Proc[]): Promise<string> {
  const first = await finished(env, jobId, 180_000, workers);
  if (first.status === 'COMPLETED') return 'completed by itself';
  expect(first.status).toBe('FAILED');
  expect(first.error).toMatch(/\S{10,}/);
  await env.retry(jobId);
  const second = await finished(env, jobId, 180_000, workers);
  expect(second.status, second.error ?? '').toBe('COMPLETED');
  return `FAILED (${first.error}), then COMPLETED after retryJob`;
}

async function expectSameAsCleanRun(env: FaultEnv, jobId: string): Promise<void> {
  expect(await snapshot(env.db)).toEqual(baseline.snapshot);
  expect(await jobCounters(env.db, jobId)).toEqual(baseline.counters);
  expect(await differences(env.db)).toEqual({});
}

/**
 * Stops a shared service mid-TRANSACTIONS on a real API + worker: /ready must answer 503
 * while it is down and 200 after, and the job must end identical to a clean run.
 */
async function restartMidJob(label: string, service: string, stop: () => Promise<void>, start: () => Promise<void>) {
  const env = await createFaultEnv(label);
  const workers: Proc[] = [startWorker(env.db)];
  let api: ApiProc | undefined;
  try {
    api = await startApi(env.db);
    const jobId = await uploadAndWait(env, workers[0]!);
    const down = Date.now();
    try {
      await stop();
      const status = await until(() => readyStatus(api!.base), (s) => s === 503, '/ready to answer 503', 15_000, 100);
      expect(status).toBe(503);
    } finally {
      await start();
    }
    const downMs = Date.now() - down;
    await until(() => readyStatus(api!.base), (s) => s === 200, '/ready to answer 200 again', 30_000, 200, api.output);

    const how = await completes(env, jobId, workers);
    console.log(`${service} down ${downMs} ms mid-TRANSACTIONS; job ${how}`);
    await expectSameAsCleanRun(env, jobId);
    expect(workers[0]!.child.exitCode, 'the worker survives the restart').toBeNull();
  } finally {
    await start();
    await api?.kill9();
    for (const worker of workers) await worker.kill9();
    await env.close();
  }
}

describe('PostgreSQL restart mid-job', () => {
  it('/ready is 503 while PostgreSQL is down and 200 after; the job ends identical to a clean run', async () => {
    await restartMidJob('pg_restart', 'PostgreSQL', () => pgCtl('stop'), startPostgres);
  });
});

describe('Redis restart mid-job (Redis keeps nothing: the BullMQ job is lost)', () => {
  it('/ready is 503 while Redis is down and 200 after; the job ends identical to a clean run', async () => {
    await restartMidJob('redis_restart', 'Redis', stopRedis, startRedis);
  });
});
