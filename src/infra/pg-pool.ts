// The pg.Pool of a process, with the error listeners every pool needs. Its own module so
// that processes without Prisma (the worker) don't load the Prisma client at all: its
// runtime costs the idle worker memory for nothing (bench/RESULTS.md, "Tuning decisions").
import pg from 'pg';
import { logger } from './logger.js';

// Raw queries get int8 and numeric as strings (pg's default, which Prisma's adapter
// relies on too): convert where read, never through a float unless the value is a count.
export function createPool(databaseUrl: string, options: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client losing its server must not crash the process; the next query retries.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'));
  // A connection lost while checked out emits 'error' on its client; without a listener
  // that crashes the process instead of failing the query in progress (which is retried).
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'PostgreSQL connection lost'));
  });
  return pool;
}

/**
 * Runs `work` in a transaction on a pooled connection: COMMIT after it, ROLLBACK on an
 * error (rethrown); a connection that failed is not handed back to the pool for reuse.
 */
export async function inPooledTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}
