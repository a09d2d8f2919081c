// A job's rejected rows as CSV records, read in id order one batch at a time: memory stays
// constant however many rows a job has, and no pool connection is held while a slow
// client drains the previous batch.
import type pg from 'pg';
import { inPooledTransaction } from '../infra/pg-pool.js';
import type { CsvCell } from './csv.js';

export const REJECTED_ROWS_HEADER = ['file', 'line', 'column', 'reason', 'raw'] as const;

const BATCH_ROWS = 1_000;

interface RejectedRowRecord {
  id: string;
  file: string;
  line: number;
  column: string | null;
  reason: string;
  raw: string;
}

/**
 * One batch in id order, walking the (job_id, id) index. Without fresh statistics (a job
 * just written, autovacuum behind) the planner guesses a few hundred rows for the job and
 * picks a bitmap scan plus a sort of every remaining row per batch: 1M rows took minutes.
 * The planner settings hold for this transaction only.
 */
async function batchAfter(pool: pg.Pool, jobId: string, after: string, limit: number): Promise<RejectedRowRecord[]> {
  return inPooledTransaction(
    pool,
    async (client) => {
      await client.query('SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off');
      const { rows } = await client.query<RejectedRowRecord>(
        `SELECT id, file, line, "column", reason, raw FROM rejected_rows
          WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [jobId, after, limit],
      );
      return rows;
    },
    { mode: 'READ ONLY' },
  );
}

export async function* rejectedRowRecords(pool: pg.Pool, jobId: string, batchRows = BATCH_ROWS): AsyncGenerator<CsvCell[]> {
  let after = '0';
  for (;;) {
    const rows = await batchAfter(pool, jobId, after, batchRows);
    for (const row of rows) yield [row.file, row.line, row.column, row.reason, row.raw];
    if (rows.length < batchRows) return;
    after = rows[rows.length - 1]!.id;
  }
}

export async function jobExists(pool: pg.Pool, jobId: string): Promise<boolean> {
  // A job whose upload is still arriving does not exist yet for readers (as in GraphQL).
  const { rowCount } = await pool.query('SELECT 1 FROM ingest_jobs WHERE id = $1 AND upload_lease_until IS NULL', [jobId]);
  return rowCount === 1;
}
