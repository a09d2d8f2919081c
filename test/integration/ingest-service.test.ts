// Job commands (createUploadJob, cancelJob, retryJob) against real PostgreSQL and Redis,
// and the progress written while a job runs.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { bullJobId, cancelJob, createUploadJob, retryJob } from '../../src/jobs/service.js';
import { createIngestQueue } from '../../src/queue/ingest-queue.js';
import type { JobProgressEvent } from '../../src/progress/events.js';
import { bytesOf, createHarness, csv, id, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('ingest_service');
});
afterAll(async () => h?.close());

const deps = (maxUploadBytes = 1024 ** 2) => ({ pool: h.db.pool, queue: h.queue, maxUploadBytes });
const usersCsv = csv(USERS_HEADER, [`${id(1, 7)},Ada,EU,true,,,`, `${id(2, 7)},Bob,US,false,,,`]);

async function tableCounts() {
  const { rows } = await h.db.pool.query(
    `SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM job_files)::int AS files,
            (SELECT count(*) FROM upload_chunks)::int AS chunks`,
  );
  return rows[0];
}

describe('createUploadJob', () => {
  it('stores each file with its size and SHA-256, and queues the job under its own id', async () => {
    const jobId = await createUploadJob(deps(), [{ kind: 'USERS', name: '../../etc/users.csv', stream: bytesOf(usersCsv, 7) }]);
    const { rows } = await h.db.pool.query(
      `SELECT j.status, j.total_bytes, j.total_rows, j.total_rows_exact, f.kind, f.name, f.size_bytes, f.sha256,
              (SELECT string_agg(encode(data, 'escape'), '' ORDER BY seq) FROM upload_chunks c WHERE c.file_id = f.id) AS content
         FROM ingest_jobs j JOIN job_files f ON f.job_id = j.id WHERE j.id = $1`,
      [jobId],
    );
    expect(rows).toEqual([
      {
        status: 'QUEUED',
        total_bytes: String(usersCsv.length),
        // Counted in the bytes while they were stored; progress calls it an estimate until the worker counts.
        total_rows: '2',
        total_rows_exact: false,
        kind: 'USERS',
        name: 'users.csv',
        size_bytes: String(usersCsv.length),
        sha256: createHash('sha256').update(usersCsv).digest('hex'),
        content: usersCsv,
      },
    ]);
    expect((await h.queue.getJob(jobId))?.data).toEqual({ jobId });
  });

  it('needs at least one file', async () => {
    await expect(createUploadJob(deps(), [])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses a file over the limit and leaves nothing behind', async () => {
    const before = await tableCounts();
    const big = Buffer.alloc(300_000, 'a');
    await expect(
      createUploadJob(deps(100_000), [
        { kind: 'USERS', name: 'users.csv', stream: bytesOf(usersCsv) },
        { kind: 'TRANSACTIONS', name: 'tx.csv', stream: bytesOf(big, 10_000) },
      ]),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await tableCounts()).toEqual(before);
  });

  it('leaves nothing behind when an upload stream breaks', async () => {
    const before = await tableCounts();
    const broken = (async function* () {
      yield Buffer.from('User_ID,User_Name\n');
      throw new Error('client went away');
    })();
    await expect(createUploadJob(deps(), [{ kind: 'USERS', name: 'u.csv', stream: broken }])).rejects.toThrow('client went away');
    expect(await tableCounts()).toEqual(before);
  });
});

describe('cancelJob and retryJob', () => {
  it('cancel a queued job at once and take it off the queue', async () => {
    const jobId = await h.upload({ users: usersCsv });
    await cancelJob(deps(), jobId);
    expect(await h.job(jobId)).toMatchObject({ status: 'CANCELLED', cancel_requested: false });
    expect(await h.queue.getJob(jobId)).toBeUndefined();
    // A delivery that raced the cancel does nothing.
    expect(await h.run(jobId)).toEqual({ status: 'SKIPPED', reason: 'job is missing or already finished' });
  });

  it('ask a running job to stop at its next chunk', async () => {
    const jobId = await h.upload({ users: usersCsv });
    await h.db.pool.query(`UPDATE ingest_jobs SET status = 'RUNNING' WHERE id = $1`, [jobId]);
    await cancelJob(deps(), jobId);
    expect(await h.job(jobId)).toMatchObject({ status: 'RUNNING', cancel_requested: true });
    // The worker sees the request before any chunk: nothing is ingested.
    expect(await h.run(jobId)).toEqual({ status: 'CANCELLED' });
    expect((await h.files(jobId)).USERS?.committed).toBe(0);
  });

  it('refuse to cancel or retry a finished job, and report unknown ids', async () => {
    const jobId = await h.upload({ users: usersCsv });
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    await expect(cancelJob(deps(), jobId)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(retryJob(deps(), jobId)).rejects.toMatchObject({ code: 'CONFLICT' });
    const unknown = '00000000-0000-4000-8000-0000000000ff';
    await expect(cancelJob(deps(), unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(retryJob(deps(), unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('retry a failed job under a fresh queue id, once however often it is asked', async () => {
    const jobId = await h.upload({ users: 'User_ID,Region\n' });
    expect((await h.run(jobId)).status).toBe('FAILED');
    await retryJob(deps(), jobId);
    await retryJob(deps(), jobId);
    expect(await h.job(jobId)).toMatchObject({ status: 'QUEUED', error: null, finished_at: null });
    expect((await h.queue.getJob(bullJobId(jobId, 1)))?.data).toEqual({ jobId });
    expect(await h.queue.getJob(bullJobId(jobId, 2))).toBeUndefined();
    expect((await h.run(jobId)).status).toBe('FAILED');
    expect((await h.job(jobId)).error).toBe('users file "users.csv": missing required columns: User_Name, Is_Active_Sub');
  });
  it('undo a retry whose enqueue failed, as a visible change: the job is FAILED again under a newer progress_seq', async () => {
    const jobId = await h.upload({ users: 'User_ID,Region\n' });
    expect((await h.run(jobId)).status).toBe('FAILED');
    const before = await h.job(jobId);
    // A queue whose Redis connection is gone: the add fails as when Redis is down.
    const redis = new Redis(h.db.redisUrl);
    const closed = createIngestQueue(redis, h.db.redisPrefix);
    await closed.waitUntilReady();
    redis.disconnect();
    await expect(retryJob({ pool: h.db.pool, queue: closed }, jobId)).rejects.toThrow();
    const after = await h.job(jobId);
    // The job as it was: its error and end time are what the failed run left.
    expect(after).toMatchObject({ status: 'FAILED', error: before.error, finished_at: before.finished_at });
    // QUEUED was written (and may have been read by a subscriber) and undone: two changes.
    expect(after.progress_seq).toBe(before.progress_seq + 2);
  });
});

describe('progress', () => {
  it('writes stage changes and the final state to the job and publishes each write', async () => {
    const published: string[] = [];
    const stages: Array<string | null> = [];
    const events: JobProgressEvent[] = [];
    const jobId = await h.upload({ users: usersCsv });
    const result = await h.run(jobId, {
      publish: async (event) => {
        published.push(event.jobId);
        stages.push(event.stage);
        events.push(event);
      },
    });
    expect(result).toEqual({ status: 'COMPLETED' });
    expect(new Set(published)).toEqual(new Set([jobId]));
    expect(stages).toContain('USERS');
    expect(stages).toContain('AGGREGATES');
    expect(stages.at(-1)).toBeNull();
    const job = await h.job(jobId);
    expect(job).toMatchObject({ processed_rows: '2', total_rows: '2', processed_bytes: String(usersCsv.length) });
    const { rows: exact } = await h.db.pool.query('SELECT total_rows_exact FROM ingest_jobs WHERE id = $1', [jobId]);
    expect(exact).toEqual([{ total_rows_exact: true }]);
    const { rows } = await h.db.pool.query('SELECT progress_seq FROM ingest_jobs WHERE id = $1', [jobId]);
    expect(rows[0].progress_seq).toBeGreaterThanOrEqual(published.length);
    // Each event is the row its write left: sequences rise, and the last one is the final state.
    for (let i = 1; i < events.length; i++) expect(events[i]!.sequence).toBeGreaterThan(events[i - 1]!.sequence);
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', stage: null, percent: 100, sequence: rows[0].progress_seq });
  });
});
