// The worker as deployed: worker/main.ts in a child process taking jobs from BullMQ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, until as untilWithin, type Proc } from '../helpers/processes.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
let worker: Proc;

const until = <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> =>
  untilWithin(read, done, what, 45_000, 200, worker.output);

beforeAll(async () => {
  h = await createHarness('ingest_worker');
  worker = startWorker(h.db, { WORKER_CONCURRENCY: '2' });
});
afterAll(async () => {
  await worker?.kill9();
  await h?.close();
});

describe('worker process', () => {
  it('ingests a queued upload to COMPLETED', async () => {
    const jobId = await h.upload({
      users: csv(USERS_HEADER, [`${id(1, 5)},Ada,EU,true,,,`]),
      transactions: csv(TX_HEADER, [
        [id(1, 6), id(1, 5), 'gpt-4o', id(1, 4), 'prompt', '10', '0.0025', '0.000025', '2024-03-01T10:00:00Z'].join(','),
      ]),
    });
    const job = await until(() => h.job(jobId), (j) => j.status === 'COMPLETED', 'the job to complete');
    expect(job.finished_at).not.toBeNull();
    expect(await h.differences()).toEqual({});
    const bull = await until(async () => h.queue.getJob(jobId), (j) => j?.finishedOn !== undefined, 'BullMQ to finish');
    expect(bull?.returnvalue).toEqual({ status: 'COMPLETED' });
  });

  it('fails bad input once, without BullMQ retries', async () => {
    const jobId = await h.upload({ transactions: 'not,a,transactions,header\n1,2,3,4\n' });
    const job = await until(() => h.job(jobId), (j) => j.status === 'FAILED', 'the job to fail');
    expect(job.error).toMatch(/^transactions file "transactions.csv": missing required columns: RowId, User_ID/);
    const bull = await until(async () => h.queue.getJob(jobId), (j) => j?.failedReason !== undefined, 'BullMQ to fail it');
    expect(bull?.attemptsMade).toBe(1);
    expect(bull?.failedReason).toBe(job.error);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
