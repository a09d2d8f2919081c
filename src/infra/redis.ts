// Redis connections. BullMQ workers need maxRetriesPerRequest: null (blocking commands);
// everything else fails fast so an outage surfaces as an error, not a hang.
import { Redis, type RedisOptions } from 'ioredis';
import { logger } from './logger.js';

function withErrorLog(redis: Redis): Redis {
  // ioredis reconnects by itself; without a listener an outage prints "Unhandled error
  // event" to stderr on every retry instead of one structured log line.
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLogged < 5_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error }, 'Redis connection error (reconnecting)');
  });
  return redis;
}

export function createRedis(redisUrl: string, options: RedisOptions = {}): Redis {
  return withErrorLog(new Redis(redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true, ...options }));
}

/**
 * The connection an API process uses for pub/sub only. No ready check: ioredis sends
 * CLIENT SETINFO, then INFO, before it calls the connection ready, and a SUBSCRIBE made in
 * that window (a client subscribing as the API starts) turns the connection to subscriber
 * mode first; the INFO is then refused and the SUBSCRIBE fails with "Connection in
 * subscriber mode, only subscriber commands may be used".
 */
export function createSubscriberRedis(redisUrl: string): Redis {
  return createRedis(redisUrl, { enableReadyCheck: false });
}

export function createWorkerRedis(redisUrl: string): Redis {
  return withErrorLog(new Redis(redisUrl, { maxRetriesPerRequest: null }));
}
