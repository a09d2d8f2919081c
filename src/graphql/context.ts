import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { Database } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { IngestPayload } from '../queue/ingest-queue.js';
import type { PubSub } from '../infra/pubsub.js';

export type Role = 'admin' | 'viewer';

/** Process-wide dependencies, created once by buildApp and shared by every request. */
export interface AppServices {
  env: Env;
  db: Database;
  redis: Redis;
  /** Subscriptions (jobProgress, jobUpdated, budgetAlerts) and the changes the API announces on them. */
  pubsub: PubSub;
  ingestQueue: Queue<IngestPayload>;
  log: Logger;
}

export interface GraphQLContext extends AppServices {
  /** null when auth is on and the request carried no valid token. */
  role: Role | null;
  requestId: string;
}
