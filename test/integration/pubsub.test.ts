// The typed pub/sub helper (src/infra/pubsub.ts) on a real Redis: what reaches listeners,
// what is dropped and logged, when Redis holds a subscription, and that a refused publish
// reaches the caller.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.js';
import { createPubSub, type PubSub } from '../../src/infra/pubsub.js';
import { createSubscriberRedis } from '../../src/infra/redis.js';
import type { BudgetAlert } from '../../src/budgets/model.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let redis: Redis;
let pubsub: PubSub;
const logLines: Array<{ msg: string; channel?: string }> = [];

beforeAll(async () => {
  db = await createTestDatabase('pubsub');
  redis = new Redis(db.redisUrl);
  const log = createLogger({ level: 'warn', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as { msg: string }) } });
  pubsub = createPubSub({ publisher: redis, subscriber: createSubscriberRedis(db.redisUrl), prefix: db.redisPrefix, log });
});
afterAll(async () => {
  pubsub?.close();
  redis?.disconnect();
  await db?.drop();
});

const numsub = async (channel: string) => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
const JOB_ID = '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11';

describe('createPubSub', () => {
  it('delivers checked payloads: a budget alert arrives with its createdAt as a Date', async () => {
    const channel = pubsub.topics.budgetAlerts();
    expect(channel.name).toBe(`${db.redisPrefix}:budget-alerts`);
    const received: BudgetAlert[] = [];
    const unlisten = await pubsub.listen(channel, (alert) => received.push(alert));
    const alert = {
      id: '7',
      budget: { id: '0b7f6c1e-93a4-4a57-9d0e-2f0f3c6a1b11', scope: { kind: 'ALL' as const, value: null }, monthlyLimit: 100, thresholds: [50] },
      month: '2025-01',
      threshold: 50,
      spent: 60,
      percentUsed: 60,
      jobId: JOB_ID,
      createdAt: '2025-01-31T10:00:00.000Z',
    };
    await pubsub.publish(channel, alert);
    await expect.poll(() => received).toHaveLength(1);
    expect(received[0]).toEqual({ ...alert, createdAt: new Date(alert.createdAt) });
    unlisten();
  });

  it('drops what is not an event of its channel, logging each message once however many listen', async () => {
    const channel = pubsub.topics.jobsChanged();
    const [first, second]: unknown[][] = [[], []];
    const stops = await Promise.all([pubsub.listen(channel, (event) => first!.push(event)), pubsub.listen(channel, (event) => second!.push(event))]);
    logLines.length = 0;
    await redis.publish(channel.name, 'not json');
    await redis.publish(channel.name, JSON.stringify({ jobId: JOB_ID, status: 'PAUSED', stage: null, sequence: 1 }));
    const valid = { jobId: JOB_ID, status: 'RUNNING', stage: 'USERS', sequence: 2 };
    await redis.publish(channel.name, JSON.stringify(valid));
    await expect.poll(() => second).toEqual([valid]);
    expect(first).toEqual([valid]);
    expect(logLines.map((line) => [line.msg, line.channel])).toEqual(
      Array(2).fill(['dropped a pub/sub message that is not a valid event of its channel', channel.name]),
    );
    for (const stop of stops) stop();
  });

  it('holds one Redis subscription per channel while anyone listens, and none after', async () => {
    const channel = pubsub.topics.jobProgress(JOB_ID);
    const stops = [await pubsub.listen(channel, () => undefined), await pubsub.listen(channel, () => undefined)];
    expect(await numsub(channel.name)).toBe(1);
    stops[0]!();
    stops[0]!(); // stopping twice is a no-op, not another listener's removal
    expect(await numsub(channel.name)).toBe(1);
    stops[1]!();
    await expect.poll(() => numsub(channel.name)).toBe(0);
  });

  it('a stream subscribes on its first pull and unsubscribes when returned, even while it waits', async () => {
    const channel = pubsub.topics.jobsChanged();
    const stream = pubsub.stream(channel);
    expect(await numsub(channel.name)).toBe(0);
    const next = stream.next();
    await expect.poll(() => numsub(channel.name)).toBe(1);
    // Redis counts the subscription before the client has read its confirmation; a message
    // in that moment is not this stream's yet (only listen() says when it is): publish until heard.
    const event = { jobId: JOB_ID, status: 'QUEUED', stage: null, sequence: 0 };
    const publishing = setInterval(() => void redis.publish(channel.name, JSON.stringify(event)), 50);
    expect((await next).value).toEqual(event);
    clearInterval(publishing);
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await expect.poll(() => numsub(channel.name)).toBe(0);
  });

  it('namespaces channels by the DB number of the publisher connection', () => {
    const onDb3 = new Redis(db.redisUrl.replace(/\/\d*$/, '') + '/3', { lazyConnect: true });
    const other = createPubSub({ publisher: onDb3, prefix: db.redisPrefix, log: createLogger({ level: 'silent' }) });
    expect(other.topics.jobProgress(JOB_ID).name).toBe(`${db.redisPrefix}:db3:job-progress:${JOB_ID}`);
    other.close();
    onDb3.disconnect();
  });

  it('a publish Redis refuses rejects to the caller', async () => {
    const broken = new Redis(db.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const publisher = createPubSub({ publisher: broken, prefix: db.redisPrefix, log: createLogger({ level: 'silent' }) });
    const channel = publisher.topics.jobsChanged();
    await expect(publisher.publish(channel, { jobId: JOB_ID, status: 'RUNNING', stage: null, sequence: 1 })).rejects.toThrow();
    publisher.close();
    broken.disconnect();
  });
});
