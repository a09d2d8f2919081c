// The JobProgress event: its wire shape on Redis (the channels are in src/infra/pubsub.ts),
// how it is derived from an ingest_jobs row, and the rows/s it carries. Shared by the
// worker's progress reporter and the API.
import { z } from 'zod';
import { JobStage, JobStatus } from '../generated/prisma/enums.js';

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  JobStatus.COMPLETED,
  JobStatus.COMPLETED_WITH_ERRORS,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
]);
export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.has(status);

export const jobProgressEventSchema = z.object({
  jobId: z.uuid(),
  status: z.enum(JobStatus),
  stage: z.enum(JobStage).nullable(),
  processedRows: z.number().nonnegative(),
  totalRows: z.number().nonnegative().nullable(),
  /** totalRows is the upload's count from line breaks, not yet the worker's count of records. */
  totalRowsEstimated: z.boolean().default(true),
  processedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  percent: z.number().min(0).max(100),
  rowsPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  rejectedRows: z.number().int().nonnegative(),
  /** ingest_jobs.progress_seq when the event was read: monotonic per job. */
  sequence: z.number().int().nonnegative(),
  /** ingest_jobs.updated_at, ISO 8601. */
  updatedAt: z.iso.datetime({ offset: true }),
  /** When this event was produced (epoch ms): clients measure delivery latency with it. */
  publishedAt: z.number(),
});
export type JobProgressEvent = z.infer<typeof jobProgressEventSchema>;

export const jobChangedEventSchema = z.object({
  jobId: z.uuid(),
  status: z.enum(JobStatus),
  stage: z.enum(JobStage).nullable(),
  sequence: z.number().int().nonnegative(),
});
export type JobChangedEvent = z.infer<typeof jobChangedEventSchema>;

/** The columns of ingest_jobs that progress is computed from. */
export interface JobProgressRow {
  id: string;
  status: JobStatus;
  stage: JobStage | null;
  processedRows: number;
  totalRows: number | null;
  /** The worker has read every file: totalRows is counted, not estimated. */
  totalRowsExact: boolean;
  processedBytes: number;
  totalBytes: number;
  /** Share (0–1) of the AGGREGATES refresh done. */
  aggregatesDone: number;
  rejectedCount: number;
  progressSeq: number;
  updatedAt: Date;
  startedAt: Date | null;
}

/**
 * Reading the files (USERS, TRANSACTIONS) covers this share of the job, the AGGREGATES
 * refresh the rest: the split of the worker's time in bench/RESULTS.md (aggregates took
 * 16–27% of it at 1M–6M transactions).
 */
export const READING_SHARE = 80;
/** Until its status says so, a job is not done: the last steps (status, counts) are still ahead. */
const RUNNING_CAP = 99;

export type PercentInputs = Pick<
  JobProgressRow,
  'status' | 'stage' | 'processedRows' | 'totalRows' | 'processedBytes' | 'totalBytes' | 'aggregatesDone'
>;

/**
 * Whole-job percent from one row: records read over the job's records (every file; the
 * upload's estimate until the worker has counted them, bytes when there is neither), times
 * READING_SHARE; then the share of the aggregates refresh's steps done, times the rest.
 * Callers that emit a stream keep it non-decreasing.
 */
export function percentOf(row: PercentInputs): number {
  if (row.status === JobStatus.COMPLETED || row.status === JobStatus.COMPLETED_WITH_ERRORS) return 100;
  if (row.status === JobStatus.QUEUED) return 0;
  if (row.stage === JobStage.AGGREGATES) {
    return Math.min(RUNNING_CAP, round2(READING_SHARE + (100 - READING_SHARE) * clamp01(row.aggregatesDone)));
  }
  // RUNNING while reading, or FAILED / CANCELLED (stage cleared): as far as the files were read.
  return round2(READING_SHARE * readFraction(row));
}

function readFraction(row: Pick<JobProgressRow, 'processedRows' | 'totalRows' | 'processedBytes' | 'totalBytes'>): number {
  if (row.totalRows !== null && row.totalRows > 0) return clamp01(row.processedRows / row.totalRows);
  if (row.totalBytes > 0) return clamp01(row.processedBytes / row.totalBytes);
  return 0;
}

export interface Rate {
  rowsPerSecond: number;
  bytesPerSecond: number;
}

/** Seconds until the files are read at the given rate; null when it cannot be told. */
export function etaSecondsOf(row: JobProgressRow, rate: Rate): number | null {
  if (row.status === JobStatus.COMPLETED || row.status === JobStatus.COMPLETED_WITH_ERRORS) return 0;
  if (row.status !== JobStatus.RUNNING || row.stage === null) return null;
  if (row.stage === JobStage.AGGREGATES) return 0;
  if (row.totalRows !== null && row.totalRows > 0) {
    return rate.rowsPerSecond > 0 ? round2(Math.max(0, row.totalRows - row.processedRows) / rate.rowsPerSecond) : null;
  }
  if (row.totalBytes > 0 && rate.bytesPerSecond > 0) {
    return round2(Math.max(0, row.totalBytes - row.processedBytes) / rate.bytesPerSecond);
  }
  return null;
}

/** The average rate since the job started: what a late subscriber sees first. */
export function averageRate(row: JobProgressRow, now: number): Rate {
  const since = row.startedAt?.getTime();
  if (row.status !== JobStatus.RUNNING || since === undefined || now - since < 1) return { rowsPerSecond: 0, bytesPerSecond: 0 };
  const seconds = (now - since) / 1000;
  return { rowsPerSecond: row.processedRows / seconds, bytesPerSecond: row.processedBytes / seconds };
}

/**
 * Rows/s and bytes/s of one job over a trailing window of its progress writes. Counters
 * run over the whole job and only drop when a retry starts over (the window restarts).
 */
export class RateMeter {
  private samples: Array<{ at: number; rows: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5_000) {}

  measure(row: JobProgressRow, now: number): Rate {
    const previous = this.samples.at(-1);
    if (previous && (previous.rows > row.processedRows || previous.bytes > row.processedBytes)) this.samples = [];
    this.samples.push({ at: now, rows: row.processedRows, bytes: row.processedBytes });
    while (this.samples.length > 2 && now - this.samples[0]!.at > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = (now - first.at) / 1000;
    // Until the window holds half a second of samples, the job's average is the better guess.
    if (elapsed < 0.5) return averageRate(row, now);
    return { rowsPerSecond: (row.processedRows - first.rows) / elapsed, bytesPerSecond: (row.processedBytes - first.bytes) / elapsed };
  }
}

export function progressEvent(row: JobProgressRow, rate: Rate, now: number): JobProgressEvent {
  const running = row.status === JobStatus.RUNNING;
  return {
    jobId: row.id,
    status: row.status,
    stage: row.stage,
    processedRows: row.processedRows,
    totalRows: row.totalRows,
    totalRowsEstimated: !row.totalRowsExact,
    processedBytes: row.processedBytes,
    totalBytes: row.totalBytes,
    percent: percentOf(row),
    rowsPerSecond: running ? round2(rate.rowsPerSecond) : 0,
    etaSeconds: etaSecondsOf(row, rate),
    rejectedRows: row.rejectedCount,
    sequence: row.progressSeq,
    updatedAt: row.updatedAt.toISOString(),
    publishedAt: now,
  };
}

const STATUS_RANK: Record<JobStatus, number> = {
  QUEUED: 0,
  RUNNING: 1,
  COMPLETED: 2,
  COMPLETED_WITH_ERRORS: 2,
  FAILED: 2,
  CANCELLED: 2,
};
const STAGE_RANK: Record<JobStage, number> = { USERS: 1, TRANSACTIONS: 2, AGGREGATES: 3 };

/**
 * Whether `next` describes a later state than `previous`. The sequence decides; at equal
 * sequence a later status or stage still counts, so a status change written without a
 * sequence bump (cancelling a queued job, say) is not lost.
 */
export function isNewer(next: JobProgressEvent, previous: JobProgressEvent): boolean {
  if (next.sequence !== previous.sequence) return next.sequence > previous.sequence;
  const status = STATUS_RANK[next.status] - STATUS_RANK[previous.status];
  if (status !== 0) return status > 0;
  return (next.stage ? STAGE_RANK[next.stage] : 0) > (previous.stage ? STAGE_RANK[previous.stage] : 0);
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));
const round2 = (value: number) => Math.round(value * 100) / 100;
