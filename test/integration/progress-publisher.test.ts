// What the worker puts on the wire, against real PostgreSQL and Redis: the progress
// reporter's writes, each published as the row it returned, when rows flow far faster
// than it may write; and the state publishes of everything else that changes a job.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../src/infra/logger.js';
import { channelTopics, createPubSub, type PubSub } from '../../src/infra/pubsub.js';
import { jobChangedEventSchema, jobProgressEventSchema, type JobChangedEvent, type JobProgressEvent } from '../../src/progress/events.js';
import { publishJobState, publishProgress } from '../../src/progress/publisher.js';
import { ProgressReporter } from '../../worker/pipeline/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { insertJob, sleep, waitFor } from '../helpers/progress-driver.js';

let db: TestDatabase;
let redis: Redis;
let tap: Redis;
let pubsub: PubSub;
const wire = new Map<string, JobProgressEvent[]>();
const changes: JobChangedEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase('progress_pub');
  redis = new Redis(db.redisUrl);
  pubsub = createPubSub({ publisher: redis, prefix: db.redisPrefix, log: logger });
  tap = new Redis(db.redisUrl);
  tap.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const detail: unknown = JSON.parse(message);
    if (channel === channelTopics(db.redisPrefix).jobsChanged().name) {
      changes.push(jobChangedEventSchema.parse(detail));
      return;
    }
    const event = jobProgressEventSchema.parse(detail);
    wire.set(event.jobId, [...(wire.get(event.jobId) ?? []), event]);
  });
  await tap.psubscribe(`${db.redisPrefix}:*`);
});
afterAll(async () => {
  tap?.disconnect();
  pubsub?.close();
  redis?.disconnect();
  await db?.drop();
});

describe('the worker publishing progress', () => {
  it('publishes every write and nothing else: at most one per interval while rows flow, always the last state, every stage change at once', async () => {
    const jobId = await insertJob(db.pool, { totalBytes: 1_000_000 });
    await db.pool.query(`UPDATE ingest_jobs SET status = 'RUNNING', started_at = now(), progress_seq = progress_seq + 1 WHERE id = $1`, [jobId]);
    let published = 0;
    const reporter = new ProgressReporter(db.pool, jobId, {
      minIntervalMs: 250,
      publish: (event, changed) => (published++, publishProgress(pubsub, event, changed)),
    });
    await reporter.setStage('TRANSACTIONS');
    // 100 advances over ~2 s: at most ~4 writes, so events, a second may go out.
    const started = Date.now();
    for (let i = 1; i <= 100; i++) {
      reporter.advance(100, 5_000);
      await sleep(20);
    }
    const flowMs = Date.now() - started;
    await sleep(400);
    const stageChangedAt = Date.now();
    await reporter.setStage('AGGREGATES');
    await db.pool.query(`UPDATE ingest_jobs SET status = 'COMPLETED', stage = NULL, progress_seq = progress_seq + 1 WHERE id = $1`, [jobId]);
    await reporter.publishNow();
    const events = await waitFor(async () => wire.get(jobId) ?? [], (list) => list.at(-1)?.status === 'COMPLETED');

    const flowing = events.filter((event) => event.stage === 'TRANSACTIONS').slice(1);
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
    // 100 rows every ~20 ms: ~5000 rows/s, measured over the reporter's own writes.
    expect(flowing.filter((event) => event.rowsPerSecond > 2_000 && event.rowsPerSecond < 10_000).length).toBeGreaterThan(2);
    // jobs-changed carries status and stage changes only.
    await waitFor(async () => changes.filter((change) => change.jobId === jobId).length, (n) => n >= 3);
    expect(changes.filter((change) => change.jobId === jobId).map((change) => [change.status, change.stage])).toEqual([
      ['RUNNING', 'TRANSACTIONS'],
      ['RUNNING', 'AGGREGATES'],
      ['COMPLETED', null],
    ]);
    expect(published).toBe(events.length);
  });

  it('publishes a job changed outside the reporter as it reads it, and nothing for a job that does not exist', async () => {
    const jobId = await insertJob(db.pool);
    await db.pool.query(`UPDATE ingest_jobs SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [jobId]);
    await publishJobState(db.pool, pubsub, jobId);
    await publishJobState(db.pool, pubsub, '00000000-0000-4000-8000-000000000000');
    const events = await waitFor(async () => wire.get(jobId) ?? [], (list) => list.length > 0);
    expect(events).toMatchObject([{ jobId, status: 'CANCELLED', stage: null }]);
    await waitFor(async () => changes.filter((change) => change.jobId === jobId), (list) => list.length > 0);
    expect(changes.filter((change) => change.jobId === jobId)).toEqual([{ jobId, status: 'CANCELLED', stage: null, sequence: 0 }]);
    expect(wire.has('00000000-0000-4000-8000-000000000000')).toBe(false);
  });
});
