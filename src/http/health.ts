// /ready: both dependencies answer within a second. The endpoint is public (probes carry
// no token), so a failure is reported as a stable code per dependency; the driver's
// message (host names, role names, database names) goes to the log only.
import type { AppServices } from '../graphql/context.js';
import type { Logger } from '../infra/logger.js';

const TIMEOUT_MS = 1_000;

class Timeout extends Error {}

const within = <T>(promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Timeout()), TIMEOUT_MS).unref())]);

export type CheckResult = { ok: true } | { ok: false; error: 'timeout' | 'unreachable' };

export interface ReadinessReport {
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult };
}

type Dependency = keyof ReadinessReport['checks'];

/**
 * Returns the /ready check. A failure's detail is logged when it first appears or changes
 * (not on every probe: an orchestrator polls every few seconds), and recovery once.
 */
export function createReadinessCheck(services: Pick<AppServices, 'db' | 'redis'>, log: Logger): () => Promise<ReadinessReport> {
  const lastDetail = new Map<Dependency, string>();

  async function check(dependency: Dependency, probe: () => Promise<unknown>): Promise<CheckResult> {
    try {
      await within(probe());
      if (lastDetail.delete(dependency)) log.info({ dependency }, 'readiness: dependency answers again');
      return { ok: true };
    } catch (error) {
      const timeout = error instanceof Timeout;
      const detail = timeout ? `no answer within ${TIMEOUT_MS} ms` : error instanceof Error ? error.message : String(error);
      if (lastDetail.get(dependency) !== detail) log.warn({ dependency, err: timeout ? undefined : error, detail }, 'readiness: dependency failing');
      lastDetail.set(dependency, detail);
      return { ok: false, error: timeout ? 'timeout' : 'unreachable' };
    }
  }

  return async () => {
    const [postgres, redis] = await Promise.all([
      check('postgres', () => services.db.pool.query('SELECT 1')),
      check('redis', () => services.redis.ping()),
    ]);
    return { ready: postgres.ok && redis.ok, checks: { postgres, redis } };
  };
}
