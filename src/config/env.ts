// Environment variables, parsed and validated once: every problem is reported together
// (loadConfig in config.ts prints them and exits). config.ts groups the result into the
// typed config the processes use.
import { z } from 'zod';
import type { Role } from '../auth/role.js';

const authTokens = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const tokens = new Map<string, Role>();
    for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = entry.lastIndexOf(':');
      const token = entry.slice(0, at);
      const role = entry.slice(at + 1);
      if (at <= 0 || (role !== 'admin' && role !== 'viewer')) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 3)}…" must be token:admin or token:viewer` });
        return z.NEVER;
      }
      tokens.set(token, role);
    }
    return tokens;
  });

/** An origin as a browser sends it (scheme://host[:port], no path, no trailing slash), or *. */
const isOrigin = (value: string) => value === '*' || (URL.canParse(value) && new URL(value).origin === value);

const corsOrigins = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const origins = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = origins.filter((origin) => !isOrigin(origin));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `not an origin (scheme://host[:port]) nor *: ${bad.join(', ')}` });
    return origins;
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/bi'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key and channel (queues, pub/sub): lets tests share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]*$/).default('bi'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().optional(),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(1024 ** 3),
  AUTH_TOKENS: authTokens,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** How often a delivery of a job another worker is running looks again whether that run ended (ms). */
  WORKER_BUSY_RECHECK_MS: z.coerce.number().int().min(100).default(5_000),
  /** How often each worker looks for QUEUED/RUNNING jobs that BullMQ lost, and requeues them (ms). */
  JOB_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** A job changed more recently than this is not taken for lost: it may be between its write and its enqueue (ms). */
  JOB_RECONCILE_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** uploadCsv calls allowed per token (per client IP when auth is off) in each window. */
  UPLOAD_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
  UPLOAD_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Slots per client (token, or address when auth is off) per API process: a query/mutation takes one per root field, at most all. */
  MAX_CONCURRENT_OPERATIONS_PER_CLIENT: z.coerce.number().int().min(1).default(4),
  /** A client's operations waiting for a slot (FIFO); beyond this they get 429 TOO_MANY_REQUESTS. */
  MAX_QUEUED_OPERATIONS_PER_CLIENT: z.coerce.number().int().min(0).default(64),
  /** Multipart uploads in flight per API process; the next is refused (503) before its body is read. */
  MAX_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).default(4),
  /** An upload whose body sends no byte for this long ends with 408 and leaves nothing stored. */
  UPLOAD_IDLE_TIMEOUT_SECONDS: z.coerce.number().min(0.1).default(30),
  /** Uploaded bytes of jobs that ended longer ago than this are deleted (the job and its counts stay). */
  UPLOAD_RETENTION_DAYS: z.coerce.number().min(0).default(7),
  /** Port of the worker's Prometheus /metrics server; unset = no server. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Only the typed client's persisted operations run (admins may still send any). */
  PERSISTED_OPERATIONS_ONLY: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** Memory the dashboard's result cache may hold per API process, in bytes; 0 = no cache. */
  DASHBOARD_CACHE_MAX_BYTES: z.coerce.number().int().min(0).default(32 * 1024 ** 2),
  /** Origins allowed to call /graphql from a browser, with credentials (comma-separated; * = any, without). Unset: see http/cors.ts. */
  CORS_ORIGINS: corsOrigins,
  /** Unset: silent when NODE_ENV=test, info otherwise. */
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "not set" (docker-compose passes them through that way).
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}
