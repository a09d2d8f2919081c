// Reads the progress columns of one ingest_jobs row: the single source both the worker's
// publisher and the API's first event are computed from.
import type pg from 'pg';
import type { JobStage, JobStatus } from '../generated/prisma/enums.js';
import type { JobProgressRow } from './events.js';

interface RawRow {
  id: string;
  status: JobStatus;
  stage: JobStage | null;
  processed_rows: bigint | string | number;
  total_rows: bigint | string | number | null;
  total_rows_exact: boolean;
  aggregates_done: number;
  processed_bytes: bigint | string | number;
  total_bytes: bigint | string | number;
  rejected_count: number;
  progress_seq: number;
  updated_at: Date;
  started_at: Date | null;
}

const SELECT_PROGRESS = `
  SELECT id, status, stage, processed_rows, total_rows, total_rows_exact, aggregates_done, processed_bytes, total_bytes,
         rejected_count, progress_seq, updated_at, started_at
  FROM ingest_jobs WHERE id = $1`;

/** The job's progress columns, or null when there is no such job. `jobId` must be a UUID. */
export async function readJobProgressRow(pool: pg.Pool, jobId: string): Promise<JobProgressRow | null> {
  const { rows } = await pool.query<RawRow>({ name: 'progress-read-job', text: SELECT_PROGRESS, values: [jobId] });
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    processedRows: Number(row.processed_rows),
    totalRows: row.total_rows === null ? null : Number(row.total_rows),
    totalRowsExact: row.total_rows_exact,
    aggregatesDone: Number(row.aggregates_done),
    processedBytes: Number(row.processed_bytes),
    totalBytes: Number(row.total_bytes),
    rejectedCount: row.rejected_count,
    progressSeq: row.progress_seq,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
  };
}
