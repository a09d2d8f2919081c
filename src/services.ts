// Creates and closes the process-wide dependencies of the API process.
import type { Config } from './config/config.js';
import { BudgetStatusCache } from './budgets/status.js';
import { DashboardCache } from './dashboard/cache.js';
import { SharedDefaultView } from './dashboard/default-view.js';
import { createDatabase } from './infra/db.js';
import { logger } from './infra/logger.js';
import { createPubSub } from './infra/pubsub.js';
import { createRedis, createSubscriberRedis } from './infra/redis.js';
import { createIngestQueue } from './queue/ingest-queue.js';
import type { AppServices } from './graphql/context.js';

export function createServices(config: Config): AppServices & { close(): Promise<void> } {
  const db = createDatabase(config.db.url);
  const redis = createRedis(config.redis.url);
  const pubsub = createPubSub({ publisher: redis, subscriber: createSubscriberRedis(config.redis.url), prefix: config.redis.prefix, log: logger });
  // A producer fails fast when Redis goes away (an upload then answers an error instead
  // of hanging): only workers, which block on Redis, need maxRetriesPerRequest: null.
  const ingestQueue = createIngestQueue(createRedis(config.redis.url), config.redis.prefix, config.queue);
  return {
    config,
    db,
    redis,
    pubsub,
    ingestQueue,
    caches: { dashboard: new DashboardCache(config.dashboard.cacheMaxBytes), budgetStatuses: new BudgetStatusCache() },
    defaultView: new SharedDefaultView(redis, config.redis.prefix, logger),
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
