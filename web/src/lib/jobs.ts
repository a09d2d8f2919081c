// The jobs list: the first page from the Jobs query, kept current by jobUpdated events
// (a job the page does not hold yet, e.g. an upload from elsewhere, is added on top).
import type { JobFieldsFragment, JobStatus } from '../../../src/client/generated/graphql.js';

export function mergeJob(jobs: readonly JobFieldsFragment[], job: JobFieldsFragment): JobFieldsFragment[] {
  const rest = jobs.filter((item) => item.id !== job.id);
  // Newest first, as the API lists them.
  return [...rest, job].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

export const canCancel = (status: JobStatus) => status === 'QUEUED' || status === 'RUNNING';
export const canRetry = (status: JobStatus) => status === 'FAILED' || status === 'CANCELLED';

export interface JobTotals {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export function jobTotals(job: Pick<JobFieldsFragment, 'files'>): JobTotals {
  return job.files.reduce(
    (sum, file) => ({
      rows: sum.rows + file.totalRows,
      inserted: sum.inserted + file.insertedRows,
      updated: sum.updated + file.updatedRows,
      unchanged: sum.unchanged + file.unchangedRows,
      rejected: sum.rejected + file.rejectedRows,
    }),
    { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
  );
}
