import type { AppServices } from '../graphql/context.js';

const TIMEOUT_MS = 1_000;

const within = <T>(promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS).unref())]);

/** /ready: both dependencies answer within a second. */
export async function checkReadiness(services: Pick<AppServices, 'db' | 'redis'>) {
  const [postgres, redis] = await Promise.all([
    within(services.db.pool.query('SELECT 1')).then(() => 'ok', (error: Error) => error.message),
    within(services.redis.ping()).then(() => 'ok', (error: Error) => error.message),
  ]);
  return { ready: postgres === 'ok' && redis === 'ok', postgres, redis };
}
