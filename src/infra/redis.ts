// Redis connections. BullMQ workers need maxRetriesPerRequest: null (blocking commands);
// everything else fails fast so an outage surfaces as an error, not a hang.
import { Redis, type RedisOptions } from 'ioredis';

export function createRedis(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true, ...options });
}

export function createWorkerRedis(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}
