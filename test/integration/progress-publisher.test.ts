// The worker-side publisher against real PostgreSQL and Redis: what it puts on the wire
// when called far more often than it may publish.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsChangedChannel, parseJobChangedEvent, parseProgressEvent, type JobChangedEvent, type JobProgressEvent } from '../../src/progress/events.js';
import { createProgressPublisher } from '../../src/progress/publisher.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { insertJob, sleep, waitFor } from '../helpers/progress-driver.js';

let db: TestDatabase;
let redis: Redis;
let tap: Redis;
const wire = new Map<string, JobProgressEvent[]>();
const changes: JobChangedEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase('progress_pub');
  redis = new Redis(db.redisUrl);
  tap = new Redis(db.redisUrl);
  tap.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const detail: unknown = JSON.parse(message);
    if (channel === jobsChangedChannel(db.redisPrefix)) {
      const change = parseJobChangedEvent(detail);
      if (change) changes.push(change);
      return;
    }
    const event = parseProgressEvent(detail);
    if (event) wire.set(event.jobId, [...(wire.get(event.jobId) ?? []), event]);
  });
  await tap.psubscribe(`${db.redisPrefix}:*`);
});
afterAll(async () => {
  tap?.disconnect();
  redis?.disconnect();
  await db?.drop();
});

/** A progress write as the ingest pipeline makes it. */
const write = (jobId: string, set: string, values: unknown[] = []) =>
  db.pool.query(`UPDATE ingest_jobs SET ${set}, progress_seq = progress_seq + 1, updated_at = now() WHERE id = $1`, [jobId, ...values]);

describe('createProgressPublisher', () => {
  it('publishes at most one event per interval while rows flow, always the last state, and every stage change at once', async () => {
    const publisher = createProgressPublisher({ pool: db.pool, redis, prefix: db.redisPrefix, intervalMs: 250 });
    const jobId = await insertJob(db.pool, { totalBytes: 1_000_000 });
    await write(jobId, `status = 'RUNNING', stage = 'TRANSACTIONS', started_at = now()`);
    await publisher.publish(jobId);
    // 100 calls over ~2 s: at most ~4 events a second may go out.
    const started = Date.now();
    for (let i = 1; i <= 100; i++) {
      await write(jobId, 'processed_rows = $2, processed_bytes = $3', [i * 100, i * 5_000]);
      await publisher.publish(jobId);
      await sleep(20);
    }
    const flowMs = Date.now() - started;
    await sleep(400);
    await write(jobId, `stage = 'AGGREGATES'`);
    const stageChangedAt = Date.now();
    await publisher.publish(jobId);
    await write(jobId, `status = 'COMPLETED', stage = NULL`);
    await publisher.publish(jobId);
    await publisher.flush();
    const events = await waitFor(async () => wire.get(jobId) ?? [], (list) => list.at(-1)?.status === 'COMPLETED');

    const flowing = events.filter((event) => event.stage === 'TRANSACTIONS');
    expect(flowing.length).toBeLessThanOrEqual(Math.ceil(flowMs / 250) + 2);
    expect(flowing.length).toBeGreaterThanOrEqual(Math.floor(flowMs / 250) - 1);
    // The last state while rows flowed went out at the end of its interval, not dropped by the throttle.
    expect(flowing.at(-1)?.processedRows).toBe(10_000);
    // The stage change went out at once, not at the end of an interval.
    const aggregates = events.find((event) => event.stage === 'AGGREGATES')!;
    expect(aggregates.publishedAt - stageChangedAt).toBeLessThan(100);
    expect(events.map((event) => event.stage).filter((stage, i, all) => stage !== all[i - 1])).toEqual(['TRANSACTIONS', 'AGGREGATES', null]);
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', percent: 100 });
    for (let i = 1; i < events.length; i++) expect(events[i]!.sequence).toBeGreaterThan(events[i - 1]!.sequence);
    expect(flowing.filter((event) => event.rowsPerSecond > 2_000 && event.rowsPerSecond < 10_000).length).toBeGreaterThan(2);
    // jobs-changed carries status and stage changes only.
    expect(changes.filter((change) => change.jobId === jobId).map((change) => [change.status, change.stage])).toEqual([
      ['RUNNING', 'TRANSACTIONS'],
      ['RUNNING', 'AGGREGATES'],
      ['COMPLETED', null],
    ]);
    expect(publisher.stats().published).toBe(events.length);
  });

  it('never throws into the pipeline: a Redis failure is reported to onError', async () => {
    const broken = new Redis(db.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const errors: unknown[] = [];
    const publisher = createProgressPublisher({ pool: db.pool, redis: broken, prefix: db.redisPrefix, onError: (error) => errors.push(error) });
    const jobId = await insertJob(db.pool);
    await expect(publisher.publish(jobId)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(wire.get(jobId)).toBeUndefined();
    broken.disconnect();
  });

  it('publishes nothing for a job that does not exist', async () => {
    const publisher = createProgressPublisher({ pool: db.pool, redis, prefix: db.redisPrefix });
    await publisher.publish('00000000-0000-4000-8000-000000000000');
    await publisher.flush();
    expect(publisher.stats().published).toBe(0);
  });
});
