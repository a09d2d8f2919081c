// Creates and closes the process-wide dependencies of the API process.
import type { Env } from './config/env.js';
import { configureDashboardCache } from './dashboard/cache.js';
import { SharedDefaultView } from './dashboard/default-view.js';
import { createDatabase } from './infra/db.js';
import { logger } from './infra/logger.js';
import { createRedis, createSubscriberRedis } from './infra/redis.js';
import { createIngestQueue } from './queue/ingest-queue.js';
import { createProgressPublisher } from './progress/publisher.js';
import type { AppServices } from './graphql/context.js';

export function createServices(env: Env): AppServices & { close(): Promise<void> } {
  const db = createDatabase(env.DATABASE_URL);
  configureDashboardCache(db.pool, { maxBytes: env.DASHBOARD_CACHE_MAX_BYTES });
  const redis = createRedis(env.REDIS_URL);
  const redisSubscriber = createSubscriberRedis(env.REDIS_URL);
  const ingestQueue = createIngestQueue(createRedis(env.REDIS_URL, { maxRetriesPerRequest: null }), env.REDIS_PREFIX);
  const progressPublisher = createProgressPublisher({ pool: db.pool, redis, prefix: env.REDIS_PREFIX });
  return {
    env,
    db,
    redis,
    progressPublisher,
    redisSubscriber,
    ingestQueue,
    defaultView: new SharedDefaultView(redis, env.REDIS_PREFIX, logger),
    log: logger,
    async close() {
      // Order: stop producing, then the connections, then the database.
      await ingestQueue.close().catch(() => undefined);
      await progressPublisher.flush().catch(() => undefined);
      redisSubscriber.disconnect();
      await redis.quit().catch(() => undefined);
      await db.close();
    },
  };
}
