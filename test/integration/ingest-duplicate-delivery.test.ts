// A second delivery of a job another worker is running (a stalled-job redelivery, or the
// copy retryJob enqueues for a job it believes lost) finds the job's advisory lock held.
// It must wait for the holder however long the run takes, not use up the job's attempts
// and have the queue mark it FAILED under the running holder.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullJobId, enqueueIngest, ingestJobOptions } from '../../src/queue/ingest-queue.js';
import { startWorker, until, type Proc } from '../helpers/processes.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from './ingest-fixtures.js';

let h: IngestHarness;
const workers: Proc[] = [];
const output = () => workers.map((worker, n) => `--- worker ${n + 1}\n${worker.output()}`).join('\n');

beforeAll(async () => {
  h = await createHarness('ingest_duplicate_delivery');
});
afterAll(async () => {
  for (const worker of workers) await worker.kill9();
  await h?.close();
});

const tx = (row: number, user: number, day: number) =>
  [id(row, 6), id(user, 5), 'gpt-4o', id(row, 4), 'prompt', '10', '0.0025', '0.000025', `2024-03-0${day}T10:00:00Z`].join(',');

describe('a duplicate delivery of a running job', () => {
  it('waits for the worker that holds the job: the job ends COMPLETED, the waits spend no attempt', async () => {
    const jobId = await h.upload({
      users: csv(USERS_HEADER, [`${id(1, 5)},Ada,EU,true,,,`, `${id(2, 5)},Grace,US,false,,,`]),
      transactions: csv(TX_HEADER, [tx(1, 1, 1), tx(2, 2, 1), tx(3, 1, 2)]),
    });
    const duplicate = () => h.queue.getJob(bullJobId(jobId, 1));
    // The holder's USERS stage blocks on its first write, mid-run, holding the job's lock.
    const blocker = new pg.Client({ connectionString: h.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN SHARE MODE');
      workers.push(startWorker(h.db));
      await until(() => h.job(jobId), (job) => job.status === 'RUNNING', 'the first worker to claim the job', 30_000, 100, output);

      // The duplicate, as retryJob enqueues it for a job whose BullMQ entry it finds lost,
      // taken by a second worker process.
      await enqueueIngest(h.queue, jobId, 1);
      workers.push(startWorker(h.db, { WORKER_BUSY_RECHECK_MS: '500' }));
      // Delivered more often than a job has attempts, unless the queue gave up on it first.
      await until(
        async () => ({ status: (await h.job(jobId)).status, deliveries: (await duplicate())?.attemptsStarted ?? 0 }),
        ({ status, deliveries }) => status === 'FAILED' || deliveries > ingestJobOptions.attempts,
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
    const bull = await until(duplicate, (entry) => entry?.finishedOn !== undefined, 'the duplicate to finish', 30_000, 100, output);
    expect(bull?.returnvalue).toEqual({ status: 'SKIPPED', reason: 'job is missing or already finished' });
    expect(bull?.attemptsStarted).toBeGreaterThan(ingestJobOptions.attempts);
    expect(bull?.attemptsMade).toBe(1);
  }, 180_000);
});
