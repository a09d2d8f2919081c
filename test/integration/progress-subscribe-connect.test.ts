// The API's subscriber connection, the moment it is created: a client can subscribe before
// ioredis has finished connecting (an API that just started, or just reconnected).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis, createSubscriberRedis } from '../../src/infra/redis.js';
import { followJobChanges } from '../../src/progress/subscribe.js';
import { jobsChangedChannel } from '../../src/progress/events.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('progress_subscribe_connect');
});
afterAll(() => db?.drop());

it('a subscription made while the subscriber connection is still connecting works', async () => {
  const redis = createRedis(db.redisUrl);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const subscriber = createSubscriberRedis(db.redisUrl);
      try {
        // Subscribed when the socket is up but the connection not yet ready: with ioredis's
        // ready check on, the SUBSCRIBE went out first, the check's INFO was then refused
        // ("Connection in subscriber mode") and the subscription failed.
        const changes = await new Promise<Awaited<ReturnType<typeof followJobChanges>>>((resolve, reject) => {
          subscriber.once('connect', () => {
            followJobChanges({ pool: db.pool, redis, redisSubscriber: subscriber, prefix: db.redisPrefix }).then(resolve, reject);
          });
        });
        const next = changes.next();
        const event = { jobId: '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11', status: 'RUNNING', stage: null, sequence: 1 };
        await redis.publish(jobsChangedChannel(db.redisPrefix), JSON.stringify(event));
        expect((await next).value).toEqual(event);
        await changes.return?.();
      } finally {
        subscriber.disconnect();
      }
    }
  } finally {
    redis.disconnect();
  }
});
