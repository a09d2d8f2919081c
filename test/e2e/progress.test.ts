// jobProgress / jobUpdated over a real graphql-ws connection to a real server, with
// progress driven by the worker's ProgressReporter and the real Redis publisher.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  JobProgressSubscription as JobProgressResult,
  JobUpdatedSubscription as JobUpdatedResult,
} from '../../src/client/generated/graphql.js';
import { JobProgressSubscription, JobUpdatedSubscription } from '../../src/client/operations/progress.js';
import { logger } from '../../src/infra/logger.js';
import { channelTopics, createPubSub, type PubSub } from '../../src/infra/pubsub.js';
import { createWsClient, subscribe } from '../../src/client/ws.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { insertJob, JobDriver, sleep, waitFor } from '../helpers/progress-driver.js';

type ProgressData = JobProgressResult['jobProgress'];

let t: TestApp;
let redis: Redis;
/** What the worker publishes with. */
let publisher: PubSub;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp('progress');
  redis = new Redis(t.config.redis.url);
  publisher = createPubSub({ publisher: redis, prefix: t.config.redis.prefix, log: logger });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});
afterAll(async () => {
  publisher?.close();
  redis?.disconnect();
  await t?.close();
});

function client(): Client {
  const created = createWsClient({ url: t.url });
  clients.push(created);
  return created;
}

/** Collects a subscription's events until the server completes it (or the time is up). */
function watch(jobId: string, c = client()) {
  const iterator = subscribe(c, JobProgressSubscription, { jobId });
  const events: Array<ProgressData> = [];
  const errors: unknown[] = [];
  let firstResolve: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstResolve = resolve));
  const done = (async () => {
    for await (const result of iterator) {
      if (result.errors) errors.push(...result.errors);
      if (result.data) events.push(result.data.jobProgress);
      firstResolve();
    }
    firstResolve();
  })();
  return { events, errors, first, done: withTimeout(done, 20_000), stop: () => iterator.return?.() };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not completed within ${ms} ms`)), ms).unref()),
  ]);
}

const numsub = async (channel: string) => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
const prefixChannels = async () => (await redis.pubsub('CHANNELS', `${t.config.redis.prefix}:*`)) as string[];

describe('jobProgress', () => {
  it('gives a late subscriber the current state first, then live events to completion', async () => {
    const jobId = await insertJob(t.db.pool, { totalBytes: 2_000_000 });
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('TRANSACTIONS');
    await driver.flow(5_000, 100, 5, 50);
    const { rows } = await t.db.pool.query<{ progress_seq: number }>('SELECT progress_seq FROM ingest_jobs WHERE id = $1', [jobId]);

    const watcher = watch(jobId);
    await watcher.first;
    expect(watcher.events[0]).toMatchObject({
      jobId,
      status: 'RUNNING',
      stage: 'TRANSACTIONS',
      processedRows: 5_000,
      processedBytes: 500_000,
      totalBytes: 2_000_000,
      sequence: rows[0]!.progress_seq,
    });
    expect(watcher.events[0]!.percent).toBeGreaterThan(10);

    await driver.flow(5_000, 100, 5, 50);
    await driver.setStatus('COMPLETED');
    await watcher.done;
    expect(watcher.errors).toEqual([]);
    expect(watcher.events.at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: 10_000, percent: 100 });
  });

  it('streams events in order, throttled, with non-decreasing progress, and completes after the terminal event', async () => {
    const jobId = await insertJob(t.db.pool, { totalBytes: 3_000_000 });
    const watcher = watch(jobId);
    await watcher.first;
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('USERS');
    await driver.flow(1_000, 100, 4, 200);
    await driver.stage('TRANSACTIONS');
    const flowStart = Date.now();
    await driver.flow(20_000, 100, 40, 2_000);
    const flowMs = Date.now() - flowStart;
    const flowEnd = Date.now();
    driver.reporter.setCountedRows(21_000);
    await driver.stage('AGGREGATES');
    await driver.setStatus('COMPLETED_WITH_ERRORS');
    await watcher.done;

    const { events } = watcher;
    expect(watcher.errors).toEqual([]);
    expect(events[0]).toMatchObject({ status: 'QUEUED', stage: null, percent: 0 });
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', percent: 100, etaSeconds: 0 });
    for (let i = 1; i < events.length; i++) {
      const [before, after] = [events[i - 1]!, events[i]!];
      expect(after.sequence).toBeGreaterThanOrEqual(before.sequence);
      expect(after.percent).toBeGreaterThanOrEqual(before.percent);
      if (after.stage === before.stage) expect(after.processedRows).toBeGreaterThanOrEqual(before.processedRows);
      expect(Date.parse(after.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    }
    // Every stage is seen, in order.
    const stages = [...new Set(events.map((event) => event.stage))];
    expect(stages).toEqual([null, 'USERS', 'TRANSACTIONS', 'AGGREGATES']);
    // While rows flow: at most ~4 events/s, at least 2/s.
    const flowing = events.filter(
      (event) => event.stage === 'TRANSACTIONS' && Date.parse(event.publishedAt) >= flowStart && Date.parse(event.publishedAt) <= flowEnd,
    );
    const perSecond = flowing.length / (flowMs / 1000);
    expect(perSecond).toBeGreaterThanOrEqual(2);
    expect(perSecond).toBeLessThanOrEqual(5);
    expect(flowing.some((event) => event.rowsPerSecond > 1_000)).toBe(true);
  });

  it('ends with a FAILED event when the job fails', async () => {
    const jobId = await insertJob(t.db.pool);
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('USERS');
    const watcher = watch(jobId);
    await watcher.first;
    await driver.setStatus('FAILED');
    await watcher.done;
    expect(watcher.events.map((event) => event.status)).toEqual(['RUNNING', 'FAILED']);
  });

  it('gives a subscription by the upper-case job id the same live events as the lower-case one', async () => {
    const jobId = await insertJob(t.db.pool, { totalBytes: 2_000_000 });
    const lower = watch(jobId);
    const upper = watch(jobId.toUpperCase());
    await Promise.all([lower.first, upper.first]);
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('TRANSACTIONS');
    await driver.flow(5_000, 100, 5, 50);
    await driver.setStatus('COMPLETED');
    await Promise.all([lower.done, upper.done]);
    expect(upper.errors).toEqual([]);
    expect(lower.events.length).toBeGreaterThan(3);
    expect(upper.events.map((event) => [event.jobId, event.sequence, event.status])).toEqual(
      lower.events.map((event) => [event.jobId, event.sequence, event.status]),
    );
  });

  it('publishes a change made through an upper-case job id on the job\'s own channel', async () => {
    const jobId = await insertJob(t.db.pool);
    const subscriber = new Redis(t.config.redis.url);
    try {
      const messages: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
      await subscriber.subscribe(channelTopics(t.config.redis.prefix).jobProgress(jobId).name);
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation { cancelJob(id: "${jobId.toUpperCase()}") { id status } }` }),
      });
      expect(await response.json()).toEqual({ data: { cancelJob: { id: jobId, status: 'CANCELLED' } } });
      const seen = await waitFor(async () => messages, (list) => list.some((m) => m.includes('CANCELLED')), 5_000);
      expect(seen.some((m) => m.includes('CANCELLED'))).toBe(true);
    } finally {
      subscriber.disconnect();
    }
  });

  it('returns one event and completes for a job that has finished', async () => {
    const jobId = await insertJob(t.db.pool, { status: 'COMPLETED' });
    const watcher = watch(jobId);
    await watcher.done;
    expect(watcher.errors).toEqual([]);
    expect(watcher.events).toHaveLength(1);
    expect(watcher.events[0]).toMatchObject({ jobId, status: 'COMPLETED', percent: 100 });
  });

  it('answers NOT_FOUND for an unknown or malformed job id, and leaves no Redis subscription', async () => {
    for (const jobId of [randomUUID(), 'not-a-uuid']) {
      const watcher = watch(jobId);
      await watcher.done;
      expect(watcher.events).toEqual([]);
      expect(watcher.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    }
    expect(await prefixChannels()).toEqual([]);
  });

  it('drops stale, duplicate and malformed messages and never lets percent go back', async () => {
    const jobId = await insertJob(t.db.pool);
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('TRANSACTIONS');
    await driver.flow(500, 1_000, 1, 0);
    const watcher = watch(jobId);
    await watcher.first;
    const first = watcher.events[0]!;
    const channel = channelTopics(t.config.redis.prefix).jobProgress(jobId).name;
    const wire = {
      ...first,
      totalRows: first.totalRows ?? null,
      etaSeconds: first.etaSeconds ?? null,
      publishedAt: Date.now(),
    };
    await redis.publish(channel, JSON.stringify({ ...wire, sequence: first.sequence - 1, processedRows: 1 })); // stale
    await redis.publish(channel, JSON.stringify(wire)); // duplicate
    await redis.publish(channel, 'not json');
    await redis.publish(channel, JSON.stringify({ jobId, sequence: 999 })); // not an event
    // Newer, but claiming less progress: delivered, with percent held.
    await redis.publish(channel, JSON.stringify({ ...wire, sequence: first.sequence + 1, percent: 0 }));
    await waitFor(async () => watcher.events.length, (n) => n >= 2, 5_000);
    // Steps 300 ms apart, beyond the reporter's throttle, so each one is published.
    await driver.write(100, 100_000); // sequence + 1 again: not newer than the event above, dropped
    await sleep(300);
    await driver.write(100, 100_000); // sequence + 2
    await sleep(300);
    await driver.setStatus('CANCELLED'); // same sequence, later status
    await watcher.done;
    const { rows } = await t.db.pool.query<{ progress_seq: number }>('SELECT progress_seq FROM ingest_jobs WHERE id = $1', [jobId]);
    const [, forged, ...rest] = watcher.events;
    expect(forged).toMatchObject({ sequence: first.sequence + 1, status: 'RUNNING', percent: first.percent });
    // The worker's own write at that sequence was dropped; later ones came through in order.
    expect(rest.length).toBeGreaterThanOrEqual(2);
    rest.forEach((event, i) => {
      const before = i === 0 ? forged! : rest[i - 1]!;
      expect(event.sequence).toBeGreaterThan(first.sequence + 1);
      expect(event.sequence).toBeGreaterThanOrEqual(before.sequence);
      expect(event.percent).toBeGreaterThan(first.percent);
    });
    expect(rest.at(-1)).toMatchObject({ status: 'CANCELLED', sequence: rows[0]!.progress_seq });
    expect(rest.at(-2)).toMatchObject({ status: 'RUNNING', processedRows: 700 });
    expect(watcher.events.some((event) => event.processedRows === 1)).toBe(false);
  });

  it('sees a status change nobody published (queued job cancelled through the database) by re-reading the row', async () => {
    const jobId = await insertJob(t.db.pool);
    const watcher = watch(jobId);
    await watcher.first;
    await t.db.pool.query(`UPDATE ingest_jobs SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [jobId]);
    await watcher.done;
    expect(watcher.events.map((event) => event.status)).toEqual(['QUEUED', 'CANCELLED']);
  });

  it('unsubscribes the Redis channel when the last client leaves', async () => {
    const jobId = await insertJob(t.db.pool);
    const channel = channelTopics(t.config.redis.prefix).jobProgress(jobId).name;
    const watchers = [watch(jobId), watch(jobId), watch(jobId, client())];
    await Promise.all(watchers.map((watcher) => watcher.first));
    // One API process: one Redis subscription however many clients watch.
    expect(await numsub(channel)).toBe(1);
    await watchers[0]!.stop();
    await sleep(200);
    expect(await numsub(channel)).toBe(1);
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    expect(await waitFor(() => numsub(channel), (n) => n === 0)).toBe(0);
    expect(await waitFor(prefixChannels, (channels) => channels.length === 0)).toEqual([]);
  });
});

describe('jobUpdated', () => {
  function watchUpdates() {
    const c = client();
    const iterator = subscribe(c, JobUpdatedSubscription, {});
    const updates: Array<JobUpdatedResult['jobUpdated']> = [];
    const reading = (async () => {
      for await (const result of iterator) {
        if (result.data) updates.push(result.data.jobUpdated);
      }
    })();
    return { updates, stop: async () => (await iterator.return?.(), await reading) };
  }
  const channel = () => `${t.config.redis.prefix}:jobs-changed`;

  it('fires on status and stage changes with the job, and not for row counts alone', async () => {
    const { updates, stop } = watchUpdates();
    await waitFor(() => numsub(channel()), (n) => n === 1);
    const jobId = await insertJob(t.db.pool);
    const driver = new JobDriver(t.db.pool, publisher, jobId);
    await driver.setStatus('RUNNING');
    await driver.stage('TRANSACTIONS');
    await driver.flow(1_000, 10, 4, 800);
    await driver.setStatus('COMPLETED');
    await waitFor(async () => updates.at(-1)?.status, (status) => status === 'COMPLETED');
    await stop();
    // Three changes, three events (row counts alone raise none); each is read at delivery,
    // so an early one may already show a later state, never an earlier one.
    expect(updates).toHaveLength(3);
    expect(updates.at(-1)).toMatchObject({ status: 'COMPLETED', stage: 'TRANSACTIONS' });
    for (const [i, update] of updates.entries()) {
      expect(update.jobId).toBe(jobId);
      expect(update.job).toMatchObject({ id: jobId, status: update.status, stage: update.stage });
      if (i > 0) expect(update.sequence).toBeGreaterThanOrEqual(updates[i - 1]!.sequence);
    }
    expect(await waitFor(() => numsub(channel()), (n) => n === 0)).toBe(0);
  });

  it('status, stage and the nested job come from the same moment, however late the event is delivered', async () => {
    const { updates, stop } = watchUpdates();
    await waitFor(() => numsub(channel()), (n) => n === 1);
    const jobId = await insertJob(t.db.pool);
    await new JobDriver(t.db.pool, publisher, jobId).setStatus('RUNNING');
    await t.db.pool.query(`UPDATE ingest_jobs SET stage = 'USERS', progress_seq = 7 WHERE id = $1`, [jobId]);
    // A notice fired while the job was QUEUED, arriving after it started (a slow subscriber).
    await redis.publish(channel(), JSON.stringify({ jobId, status: 'QUEUED', stage: null, sequence: 1 }));
    await waitFor(async () => updates.length, (n) => n >= 2);
    await stop();
    expect(updates.at(-1)).toMatchObject({
      jobId,
      status: 'RUNNING',
      stage: 'USERS',
      sequence: 7,
      job: { id: jobId, status: 'RUNNING', stage: 'USERS' },
    });
  });
});
