// Creates and closes the process-wide dependencies of the API process.
import type { Env } from './config/env.js';
import { configureDashboardCache } from './dashboard/cache.js';
import { createDatabase } from './infra/db.js';
import { logger } from './infra/logger.js';
import { createPubSub } from './infra/pubsub.js';
import { createRedis, createSubscriberRedis } from './infra/redis.js';
import { createIngestQueue } from './queue/ingest-queue.js';
import type { AppServices } from './graphql/context.js';

export function createServices(env: Env): AppServices & { close(): Promise<void> } {
  const db = createDatabase(env.DATABASE_URL);
  configureDashboardCache(db.pool, { maxBytes: env.DASHBOARD_CACHE_MAX_BYTES });
  const redis = createRedis(env.REDIS_URL);
  const pubsub = createPubSub({ publisher: redis, subscriber: createSubscriberRedis(env.REDIS_URL), prefix: env.REDIS_PREFIX, log: logger });
  const ingestQueue = createIngestQueue(createRedis(env.REDIS_URL, { maxRetriesPerRequest: null }), env.REDIS_PREFIX);
  return {
    env,
    db,
    redis,
    pubsub,
    ingestQueue,
    log: logger,
    async close() {
      // Order: stop producing, then the connections, then the database.
      await ingestQueue.close().catch(() => undefined);
      pubsub.close();
      await redis.quit().catch(() => undefined);
      await db.close();
    },
  };
}
