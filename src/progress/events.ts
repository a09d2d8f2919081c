// The JobProgress event: its wire shape on Redis, the channels it travels on, and how it
// is derived from an ingest_jobs row. Shared by the worker-side publisher and the API.
import { z } from 'zod';
import { JobStage, JobStatus } from '../generated/prisma/enums.js';

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  JobStatus.COMPLETED,
  JobStatus.COMPLETED_WITH_ERRORS,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
]);
export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.has(status);

/**
 * The channel prefix of a deployment: REDIS_PREFIX, plus the DB number of its Redis
 * connection when that is not 0. Keys live in their DB but pub/sub ignores it, so two
 * deployments sharing a server on DBs 1 and 2 would otherwise hear each other's events.
 * Worker and API derive it from their connections, so they agree; DB 0 keeps the bare
 * prefix (the channel names of existing deployments do not change).
 */
export const channelPrefix = (prefix: string, db: number | undefined) => (db ? `${prefix}:db${db}` : prefix);

/** One job's progress channel; every API process subscribes to it while a client watches. */
export const progressChannel = (prefix: string, jobId: string) => `${prefix}:job-progress:${jobId}`;
/** Any job's status or stage changed: job list pages refresh from it. */
export const jobsChangedChannel = (prefix: string) => `${prefix}:jobs-changed`;

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

/** Parses a Redis message; null (and the message is dropped) when it is not a valid event. */
export function parseProgressEvent(detail: unknown): JobProgressEvent | null {
  const result = jobProgressEventSchema.safeParse(detail);
  return result.success ? result.data : null;
}

export function parseJobChangedEvent(detail: unknown): JobChangedEvent | null {
  const result = jobChangedEventSchema.safeParse(detail);
  return result.success ? result.data : null;
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));
const round2 = (value: number) => Math.round(value * 100) / 100;
