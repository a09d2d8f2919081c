// A job's live progress as the upload screen shows it, folded from jobProgress events.
import type { JobProgressSubscription, JobStage, JobStatus } from '../../../src/client/generated/graphql.js';

export type ProgressEvent = JobProgressSubscription['jobProgress'];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.includes(status);

export const STAGE_LABELS: Record<JobStage, string> = {
  USERS: 'Reading users',
  TRANSACTIONS: 'Reading transactions',
  AGGREGATES: 'Refreshing aggregates',
};

export const STATUS_LABELS: Record<JobStatus, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  COMPLETED_WITH_ERRORS: 'Completed with errors',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

/**
 * Keeps the newest event: events arrive in `sequence` order, and one whose sequence is not
 * above the last one seen is dropped (README: a redelivery or a reconnect may repeat one).
 */
export function nextProgress(current: ProgressEvent | null, event: ProgressEvent): ProgressEvent | null {
  if (current && event.jobId === current.jobId && event.sequence <= current.sequence) return current;
  return event;
}

/** What the bar says about where the job is: "Queued", "Reading transactions", "Completed". */
export function progressLabel(event: ProgressEvent): string {
  if (event.status === 'RUNNING' && event.stage) return STAGE_LABELS[event.stage];
  return STATUS_LABELS[event.status];
}

/** The bar's width in whole percent, 0–100 (the API's percent never decreases). */
export const barPercent = (event: ProgressEvent) => Math.max(0, Math.min(100, Math.floor(event.percent)));
