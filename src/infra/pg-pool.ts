// Everything of PostgreSQL that is not a query of one room: the pg.Pool of a process,
// transactions, COPY and the advisory-lock keys. Its own module so that
// processes without Prisma (the worker) don't load the Prisma client at all: its runtime
// costs the idle worker memory for nothing (bench/RESULTS.md, "Tuning decisions").
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { logger } from './logger.js';

/** A pool or a connection: statements that may run inside a caller's transaction take this. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

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

// ------------------------------------------------------------------ transactions

export interface TransactionOptions {
  /** e.g. 'ISOLATION LEVEL REPEATABLE READ' or 'READ ONLY': appended to BEGIN. */
  mode?: string;
}

/**
 * Runs `work` in a transaction on `client` (a connection the caller holds): COMMIT after
 * it, ROLLBACK on an error, which is rethrown (a failed ROLLBACK, on a broken connection,
 * does not hide it).
 */
export async function withTransaction<T>(
  client: pg.ClientBase,
  work: (client: pg.ClientBase) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  await client.query(options.mode ? `BEGIN ${options.mode}` : 'BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * withTransaction on a connection taken from `pool` for it; a connection that failed is
 * not handed back to the pool for reuse.
 */
export async function inPooledTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await withTransaction(client, () => work(client), options);
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

// ------------------------------------------------------------------ advisory locks

/**
 * Every advisory-lock key of the application, so no two uses meet by accident. Single
 * keys (bigint) and pairs (int, int) are separate key spaces in PostgreSQL.
 */
export const ADVISORY_LOCKS = {
  /** Exclusive while an aggregates refresh applies batches, shared while a chunk retracts rows. */
  aggregates: 4_201_337,
  /** Budget changes and alert evaluations (transaction-level). */
  budgets: 4_201_339,
  /** Pair (jobs, hashtext(job id)): held by the session running the job. */
  jobs: 4_201_338,
  /** Pair (4_201_339, 1): one upload-retention purge at a time across the fleet. */
  uploadRetention: [4_201_339, 1],
} as const;

// ------------------------------------------------------------------ COPY

/**
 * COPY … FROM STDIN of text-format rows, in a few large writes. `rows` may be a lazy
 * iterable: each row is then built, encoded and dropped in turn, and dies young.
 */
export async function copyInto(client: pg.ClientBase, table: string, rows: Iterable<string>): Promise<void> {
  if (Array.isArray(rows) && !rows.length) return;
  await copyBytes(client, table, encodeRows(rows));
}

/** COPY … FROM STDIN of the bytes `buffers` yields (text format unless `options` say otherwise). */
export async function copyBytes(client: pg.ClientBase, table: string, buffers: Iterable<Buffer>, options = ''): Promise<void> {
  const stream = client.query(copyStreams.from(`COPY ${table} FROM STDIN ${options}`));
  await pipeline(Readable.from(buffers), stream);
}

export const COPY_BUFFER_BYTES = 1 << 20;

/**
 * UTF-8 encodes the rows straight into ~1 MiB buffers: no joined megabyte strings and no
 * second copy into a Buffer (at a million rows both showed up as seconds of CPU and GC).
 */
function* encodeRows(rows: Iterable<string>): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(COPY_BUFFER_BYTES);
  let used = 0;
  for (const row of rows) {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (used + row.length * 3 > buffer.length) {
      if (used) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(COPY_BUFFER_BYTES, row.length * 3));
      used = 0;
    }
    used += buffer.write(row, used);
  }
  if (used) yield buffer.subarray(0, used);
}

