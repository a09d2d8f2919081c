// The progress columns of one ingest_jobs row: what every JobProgress event is computed
// from, whether the worker's progress write returns them or a reader selects them.
import type pg from 'pg';
import type { JobStage, JobStatus } from '../generated/prisma/enums.js';
import { averageRate, progressEvent, type JobProgressEvent, type JobProgressRow } from './events.js';

/** The row as PostgreSQL returns it. */
export interface RawProgressRow {
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

/** For `SELECT …` and `UPDATE … RETURNING …` of ingest_jobs. */
export const PROGRESS_COLUMNS = `id, status, stage, processed_rows, total_rows, total_rows_exact, aggregates_done, processed_bytes,
  total_bytes, rejected_count, progress_seq, updated_at, started_at`;

const SELECT_PROGRESS = `SELECT ${PROGRESS_COLUMNS} FROM ingest_jobs WHERE id = $1`;

export function toProgressRow(row: RawProgressRow): JobProgressRow {
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

/** The job's progress columns, or null when there is no such job. `jobId` must be a UUID. */
export async function readJobProgressRow(pool: pg.Pool, jobId: string): Promise<JobProgressRow | null> {
  const { rows } = await pool.query<RawProgressRow>({ name: 'progress-read-job', text: SELECT_PROGRESS, values: [jobId] });
  return rows[0] ? toProgressRow(rows[0]) : null;
}

/** The job's state as an event, its rate the average since it started; null when there is no such job. */
export async function readProgressEvent(pool: pg.Pool, jobId: string): Promise<JobProgressEvent | null> {
  const row = await readJobProgressRow(pool, jobId);
  const now = Date.now();
  return row && progressEvent(row, averageRate(row, now), now);
}
