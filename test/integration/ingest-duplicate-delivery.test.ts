// A second delivery of a job another worker is running (the copy retryJob enqueues for a
// job it believes lost, or a stalled-job redelivery) finds the job's advisory lock held.
// It must wait for the holder however long the run takes, not use up the job's attempts
// and have the queue mark it FAILED under the running holder.
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TUNABLES } from '../../src/config/config.js';
import { bullJobId, enqueueIngest, type IngestPayload } from '../../src/queue/ingest-queue.js';
import { startWorker, until, type Proc } from '../helpers/processes.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
let workers: Proc[] = [];
const output = () => workers.map((worker, n) => `--- worker ${n + 1}\n${worker.output()}`).join('\n');

beforeAll(async () => {
  h = await createHarness('ingest_duplicate_delivery');
});
afterEach(async () => {
  for (const worker of workers) await worker.kill9();
  workers = [];
});
afterAll(async () => {
  await h?.close();
});

/** Each scenario ingests users and transactions of its own (id group `n`). */
function files(n: number) {
  const tx = (row: number, user: number, day: number) =>
    [id(row, n), id(user, n), 'gpt-4o', id(row, n + 1), 'prompt', '10', '0.0025', '0.000025', `2024-03-0${day}T10:00:00Z`].join(',');
  return {
    users: csv(USERS_HEADER, [`${id(1, n)},Ada,EU,true,,,`, `${id(2, n)},Grace,US,false,,,`]),
    transactions: csv(TX_HEADER, [tx(11, 1, 1), tx(12, 2, 1), tx(13, 1, 2)]),
  };
}

/** Reads the BullMQ entry of the duplicate delivery. */
type DuplicateEntry = () => Promise<Job<IngestPayload> | undefined>;

/**
 * A first worker runs the job and stays inside its USERS stage (its first write waits for
 * a table lock this test holds), holding the job's lock. `duplicate` then has the job
 * delivered again to a second worker; once that delivery has been made more often than a
 * job has attempts (or the queue gave up on it: the bug), the holder is let go.
 */
async function runWithDuplicate(n: number, duplicate: (jobId: string) => Promise<DuplicateEntry>) {
  const jobId = await h.upload(files(n));
  const blocker = new pg.Client({ connectionString: h.db.url });
  await blocker.connect();
  let entry: DuplicateEntry;
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN SHARE MODE');
    workers.push(startWorker(h.db));
    await until(() => h.job(jobId), (job) => job.status === 'RUNNING', 'the first worker to claim the job', 30_000, 100, output);
    entry = await duplicate(jobId);
    await until(
      async () => ({ status: (await h.job(jobId)).status, deliveries: (await entry())?.attemptsStarted ?? 0 }),
      ({ status, deliveries }) => status === 'FAILED' || deliveries > TUNABLES.queueAttempts,
      'the duplicate to be delivered more often than a job has attempts',
      90_000,
      200,
      output,
    );
    await blocker.query('COMMIT');
  } finally {
    await blocker.end();
  }

  const job = await until(
    () => h.job(jobId),
    (row) => row.status !== 'QUEUED' && row.status !== 'RUNNING',
    'the job to finish',
    30_000,
    100,
    output,
  );
  expect({ status: job.status, error: job.error }).toEqual({ status: 'COMPLETED', error: null });
  const counts = { unchanged: 0, updated: 0, rejected: 0 };
  expect(await h.files(jobId)).toEqual({
    USERS: { total: 2, inserted: 2, committed: 2, ...counts },
    TRANSACTIONS: { total: 3, inserted: 3, committed: 3, ...counts },
  });
  expect(await h.differences()).toEqual({});

  // The duplicate then finds the job finished; of its deliveries only that last one counts as an attempt.
  const bull = await until(entry, (found) => found?.finishedOn !== undefined, 'the duplicate to finish', 30_000, 100, output);
  expect(bull?.returnvalue).toEqual({ status: 'SKIPPED', reason: 'job is missing or already finished' });
  expect(bull?.attemptsStarted).toBeGreaterThan(TUNABLES.queueAttempts);
  expect(bull?.attemptsMade).toBe(1);
}

/** A second worker process, looking again every 500 ms. */
const startSecondWorker = () => workers.push(startWorker(h.db, { WORKER_BUSY_RECHECK_MS: '500' }));

describe('a duplicate delivery of a running job waits for its holder: the job ends COMPLETED, the waits spend no attempt', () => {
  it("retryJob's copy of a job it believes lost (a second BullMQ id)", async () => {
    await runWithDuplicate(10, async (jobId) => {
      await enqueueIngest(h.queue, jobId, 1);
      startSecondWorker();
      return () => h.queue.getJob(bullJobId(jobId, 1));
    });
  }, 180_000);

  it('a stalled-job redelivery (the holder lost its BullMQ lock, e.g. Redis was away longer than lockDuration)', async () => {
    await runWithDuplicate(20, async (jobId) => {
      // What BullMQ's stalled check sees when a worker's lock expired; a worker that starts
      // runs that check at once and moves the job back to wait, for itself to take.
      const base = `${h.db.redisPrefix}:${h.queue.name}`;
      const redis = new Redis(h.db.redisUrl);
      try {
        await redis.del(`${base}:${jobId}:lock`);
        await redis.sadd(`${base}:stalled`, jobId);
        await redis.del(`${base}:stalled-check`);
      } finally {
        redis.disconnect();
      }
      startSecondWorker();
      return () => h.queue.getJob(jobId);
    });
  }, 180_000);
});
