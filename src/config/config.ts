// The one typed configuration of every process, built from the validated environment
// (env.ts) and grouped by concern. Nothing else reads process.env: entry points call
// loadConfig() and pass the config (or the part a module needs) down.
//
// Tunables (throttles, chunk size, attempts, lock durations) are fixed here rather than
// read from the environment: they were measured together (bench/RESULTS.md) and are
// changed in code review, not per deployment.
import type { Role } from '../auth/role.js';
import { ConfigError, parseEnv, type Env, type LogLevel } from './env.js';

export const TUNABLES = {
  /**
   * Records per committed chunk: a crash redoes at most one chunk. Two chunks are in
   * memory at once (one parsed ahead), and progress moves a chunk at a time, so a chunk
   * should commit well within a second (≥ 2 progress events/s); the per-chunk statements
   * cost ~2 ms, noise at this size.
   */
  chunkRecords: 10_000,
  /** At most one progress write (and one published event) per job per interval while rows flow. */
  progressIntervalMs: 250,
  /** BullMQ attempts of an ingest delivery, and the first backoff delay (doubling). */
  queueAttempts: 5,
  queueBackoffMs: 2_000,
  /** A chunk merge can hold the event loop for a while: a worker's job lock lives this long between renewals. */
  workerLockDurationMs: 60_000,
  /** A crashed worker stalls its job; BullMQ allows as many stalls as attempts before giving up. */
  workerMaxStalledCount: 5,
} as const;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  log: { level: LogLevel; /** pino-pretty on a terminal outside production. */ pretty: boolean };
  db: { url: string };
  redis: {
    url: string;
    /** Prefix of every Redis key and channel (queues, pub/sub): lets deployments and tests share one Redis. */
    prefix: string;
  };
  auth: { tokens: ReadonlyMap<string, Role> };
  http: {
    port: number;
    /** Unset: 0.0.0.0 with auth on, 127.0.0.1 without. */
    host: string | undefined;
    /** Unset: see http/cors.ts. */
    corsOrigins: string[] | undefined;
    persistedOperationsOnly: boolean;
    operationsPerClient: { maxConcurrent: number; maxQueued: number };
  };
  uploads: {
    maxBytes: number;
    maxConcurrent: number;
    idleTimeoutSeconds: number;
    rateLimit: { limit: number; windowSeconds: number };
    retentionDays: number;
  };
  dashboard: { cacheMaxBytes: number };
  queue: { attempts: number; backoffMs: number };
  worker: {
    concurrency: number;
    busyRecheckMs: number;
    metricsPort: number | undefined;
    lockDurationMs: number;
    maxStalledCount: number;
    chunkRecords: number;
    progressIntervalMs: number;
    /** The lost-jobs pass (src/jobs/reconciler.ts): how often, and how long a QUEUED/RUNNING job must have been unchanged to be taken for lost. */
    reconcile: { intervalMs: number; graceMs: number };
  };
}

function configFromEnv(env: Env): Config {
  return {
    nodeEnv: env.NODE_ENV,
    log: { level: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'), pretty: env.NODE_ENV !== 'production' },
    db: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    auth: { tokens: env.AUTH_TOKENS },
    http: {
      port: env.PORT,
      host: env.HOST,
      corsOrigins: env.CORS_ORIGINS,
      persistedOperationsOnly: env.PERSISTED_OPERATIONS_ONLY,
      operationsPerClient: {
        maxConcurrent: env.MAX_CONCURRENT_OPERATIONS_PER_CLIENT,
        maxQueued: env.MAX_QUEUED_OPERATIONS_PER_CLIENT,
      },
    },
    uploads: {
      maxBytes: env.MAX_UPLOAD_BYTES,
      maxConcurrent: env.MAX_CONCURRENT_UPLOADS,
      idleTimeoutSeconds: env.UPLOAD_IDLE_TIMEOUT_SECONDS,
      rateLimit: { limit: env.UPLOAD_RATE_LIMIT, windowSeconds: env.UPLOAD_RATE_WINDOW_SECONDS },
      retentionDays: env.UPLOAD_RETENTION_DAYS,
    },
    dashboard: { cacheMaxBytes: env.DASHBOARD_CACHE_MAX_BYTES },
    queue: { attempts: TUNABLES.queueAttempts, backoffMs: TUNABLES.queueBackoffMs },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      busyRecheckMs: env.WORKER_BUSY_RECHECK_MS,
      metricsPort: env.WORKER_METRICS_PORT,
      lockDurationMs: TUNABLES.workerLockDurationMs,
      maxStalledCount: TUNABLES.workerMaxStalledCount,
      chunkRecords: TUNABLES.chunkRecords,
      progressIntervalMs: TUNABLES.progressIntervalMs,
      reconcile: { intervalMs: env.JOB_RECONCILE_INTERVAL_MS, graceMs: env.JOB_RECONCILE_GRACE_MS },
    },
  };
}

/** The config of `source` (default process.env); throws ConfigError listing every problem. */
export function parseConfig(source: NodeJS.ProcessEnv = process.env): Config {
  return configFromEnv(parseEnv(source));
}

/** parseConfig for process entry points: prints the problems and exits 1. */
export function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
