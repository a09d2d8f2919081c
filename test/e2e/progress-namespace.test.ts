// Two deployments on one Redis server, same REDIS_PREFIX, different DB numbers (1 and 2):
// pub/sub ignores the DB, so their channels must differ. Real API servers, real graphql-ws
// clients, real publishers (what the worker publishes with). Each deployment has its own database
// holding a job with the same id; a subscriber must see its own deployment's events and
// never the other's (the order of Redis deliveries makes this a check without a wait:
// the foreign event is published first, so a leak would be the next event seen).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { logger } from '../../src/infra/logger.js';
import { createPubSub, type PubSub } from '../../src/infra/pubsub.js';
import { publishJobState } from '../../src/progress/publisher.js';
import { createWsClient, subscribe } from '../../src/client/ws.js';
import { REDIS_URL } from '../helpers/env.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const PREFIX = `bi_test_ns_${randomBytes(4).toString('hex')}`;
const redisUrl = (db: number) => `${REDIS_URL.replace(/\/\d*$/, '')}/${db}`;

interface Deployment {
  db: TestDatabase;
  api: TestApp;
  redis: Redis;
  /** What the deployment's worker publishes with. */
  pubsub: PubSub;
}

let one: Deployment;
let two: Deployment;
let oneAgain: TestApp; // a second API process of deployment one
const clients: Client[] = [];
const jobId = randomUUID();

async function deployment(label: string, redisDb: number): Promise<Deployment> {
  const db = await createTestDatabase(label);
  const api = await startTestApp(label, { REDIS_URL: redisUrl(redisDb), REDIS_PREFIX: PREFIX }, db);
  const redis = new Redis(redisUrl(redisDb));
  const pubsub = createPubSub({ publisher: redis, prefix: PREFIX, log: logger });
  await db.pool.query(`INSERT INTO ingest_jobs (id, status, stage, total_bytes, progress_seq, started_at, updated_at) VALUES ($1, 'RUNNING', 'USERS', 1000, 1, now(), now())`, [jobId]);
  return { db, api, redis, pubsub };
}

beforeAll(async () => {
  one = await deployment('ns_one', 1);
  two = await deployment('ns_two', 2);
  oneAgain = await startTestApp('ns_one_b', { REDIS_URL: redisUrl(1), REDIS_PREFIX: PREFIX }, one.db);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await oneAgain?.close();
  for (const d of [one, two]) {
    if (!d) continue;
    d.pubsub.close();
    // The queue's keys in DBs 1 and 2 (the test helpers clean DB 0 only).
    const keys = await d.redis.keys(`${PREFIX}:*`);
    if (keys.length) await d.redis.del(...keys);
    d.redis.disconnect();
    await d.api.close();
    await d.db.drop();
  }
});

/** Subscribes through an API; returns a reader of its events' sequence numbers. */
function watch(api: TestApp) {
  const client = createWsClient({ url: api.url });
  clients.push(client);
  const iterator = subscribe(client, JobProgressSubscription, { jobId });
  return async (): Promise<number> => {
    const { value, done } = await iterator.next();
    if (done || !value.data) throw new Error(`subscription ended: ${JSON.stringify(value)}`);
    return value.data.jobProgress.sequence;
  };
}

/** Moves the job row of a deployment on and publishes it, as the worker does. */
async function advance(d: Deployment, sequence: number) {
  await d.db.pool.query(`UPDATE ingest_jobs SET progress_seq = $2, processed_bytes = $2 * 10, updated_at = now() WHERE id = $1`, [jobId, sequence]);
  await publishJobState(d.db.pool, d.pubsub, jobId);
}

describe('progress channels per deployment', () => {
  it('same prefix, DB 1 vs DB 2: each sees its own events only; another API on the same DB sees them', async () => {
    const onTwo = watch(two.api);
    const onOne = watch(one.api);
    const onOneAgain = watch(oneAgain);
    expect([await onTwo(), await onOne(), await onOneAgain()]).toEqual([1, 1, 1]);

    await advance(one, 2); // deployment one's worker
    await advance(two, 3); // deployment two's worker, after it
    expect(await onTwo()).toBe(3);
    expect(await onOne()).toBe(2);
    expect(await onOneAgain()).toBe(2);
  });
});
