import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Role } from '../auth/role.js';
import type { Config } from '../config/config.js';
import type { BudgetStatusCache } from '../budgets/status.js';
import type { DashboardCache } from '../dashboard/cache.js';
import type { SharedDefaultView } from '../dashboard/default-view.js';
import type { Database } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { IngestPayload } from '../queue/ingest-queue.js';
import type { PubSub } from '../infra/pubsub.js';

/** Process-wide dependencies, created once by createServices and shared by every request. */
export interface AppServices {
  config: Config;
  db: Database;
  redis: Redis;
  /** Subscriptions (jobProgress, jobUpdated, budgetAlerts) and the changes the API announces on them. */
  pubsub: PubSub;
  ingestQueue: Queue<IngestPayload>;
  /** Results kept across requests, keyed by the data version (one set per process). */
  caches: { dashboard: DashboardCache; budgetStatuses: BudgetStatusCache };
  /** The default dashboard's figures, shared with the other processes through Redis. */
  defaultView: SharedDefaultView;
  log: Logger;
}

export interface GraphQLContext extends AppServices {
  /** null when auth is on and the request carried no valid token. */
  role: Role | null;
  requestId: string;
}
