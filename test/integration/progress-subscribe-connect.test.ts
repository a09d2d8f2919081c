// The API's subscriber connection, the moment it is created: a client can subscribe before
// ioredis has finished connecting (an API that just started, or just reconnected).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { logger } from '../../src/infra/logger.js';
import { channelTopics, createPubSub } from '../../src/infra/pubsub.js';
import { createRedis, createSubscriberRedis } from '../../src/infra/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('progress_subscribe_connect');
});
afterAll(() => db?.drop());

it('a subscription made while the subscriber connection is still connecting works', async () => {
  const redis = createRedis(db.redisUrl);
  const channel = channelTopics(db.redisPrefix).jobsChanged();
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const subscriber = createSubscriberRedis(db.redisUrl);
      const pubsub = createPubSub({ publisher: redis, subscriber, prefix: db.redisPrefix, log: logger });
      try {
        // Subscribed when the socket is up but the connection not yet ready: with ioredis's
        // ready check on, the SUBSCRIBE went out first, the check's INFO was then refused
        // ("Connection in subscriber mode") and the subscription failed.
        const received: unknown[] = [];
        const unlisten = await new Promise<() => void>((resolve, reject) => {
          subscriber.once('connect', () => {
            pubsub.listen(channel, (event) => received.push(event)).then(resolve, reject);
          });
        });
        // listen() resolved: Redis has confirmed the SUBSCRIBE, so this publish is heard.
        const event = { jobId: '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11', status: 'RUNNING', stage: null, sequence: 1 };
        await redis.publish(channel.name, JSON.stringify(event));
        await expect.poll(() => received).toEqual([event]);
        unlisten();
      } finally {
        pubsub.close();
      }
    }
  } finally {
    redis.disconnect();
  }
});
