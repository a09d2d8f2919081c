// Creates and closes the process-wide dependencies of the API process.
import type { Config } from './config/config.js';
import { BudgetStatusCache } from './budgets/status.js';
import { DashboardCache } from './dashboard/cache.js';
import { SharedDefaultView } from './dashboard/default-view.js';
import { createDatabase } from './infra/db.js';
import { logger } from './infra/logger.js';
import { createRedis, createSubscriberRedis } from './infra/redis.js';
import { createIngestQueue } from './queue/ingest-queue.js';
import { createProgressPublisher } from './progress/publisher.js';
import type { AppServices } from './graphql/context.js';

export function createServices(config: Config): AppServices & { close(): Promise<void> } {
  const db = createDatabase(config.db.url);
  const redis = createRedis(config.redis.url);
  const redisSubscriber = createSubscriberRedis(config.redis.url);
  // A producer fails fast when Redis goes away (an upload then answers an error instead
  // of hanging): only workers, which block on Redis, need maxRetriesPerRequest: null.
  const ingestQueue = createIngestQueue(createRedis(config.redis.url), config.redis.prefix, config.queue);
  const progressPublisher = createProgressPublisher({
    pool: db.pool,
    redis,
    prefix: config.redis.prefix,
    intervalMs: config.worker.progressIntervalMs,
  });
  return {
    config,
    db,
    redis,
    progressPublisher,
    redisSubscriber,
    ingestQueue,
    caches: { dashboard: new DashboardCache(config.dashboard.cacheMaxBytes), budgetStatuses: new BudgetStatusCache() },
    defaultView: new SharedDefaultView(redis, config.redis.prefix, logger),
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
