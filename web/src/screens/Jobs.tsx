// Jobs: the latest uploads with status, counts and duration, live from jobUpdated;
// admins can cancel a queued or running job and retry a failed or cancelled one.
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useSubscription, type CombinedError } from 'urql';
import type { JobFieldsFragment } from '../../../src/client/generated/graphql.js';
import { CancelJobMutation, JobsQuery, RetryJobMutation } from '../../../src/client/operations/jobs.js';
import { JobUpdatedSubscription } from '../../../src/client/operations/progress.js';
import { doc } from '../client.js';
import { formatCount, formatElapsed, formatInstant } from '../lib/format.js';
import { canCancel, canRetry, jobTotals, mergeJob } from '../lib/jobs.js';
import { STAGE_LABELS, STATUS_LABELS } from '../lib/progress.js';
import { useSession } from '../session.js';

const Jobs_ = doc(JobsQuery);
const JobUpdated = doc(JobUpdatedSubscription);
const CancelJob = doc(CancelJobMutation);
const RetryJob = doc(RetryJobMutation);
const PAGE = 25;

export function Jobs() {
  const { isAdmin } = useSession();
  const [{ data, error }] = useQuery({ query: Jobs_, variables: { first: PAGE } });
  const [jobs, setJobs] = useState<JobFieldsFragment[]>([]);
  // The page's jobs, merged into what live events already added (graphcache re-delivers the
  // page when an entity in it changes; that must not drop a job the page does not hold).
  useEffect(() => {
    if (data) setJobs((current) => data.jobs.edges.reduce((list, edge) => mergeJob(list, edge.node), current).slice(0, PAGE));
  }, [data]);
  const [live] = useSubscription({ query: JobUpdated });
  useEffect(() => {
    const job = live.data?.jobUpdated.job;
    if (job) setJobs((current) => mergeJob(current, job).slice(0, PAGE));
  }, [live.data]);
  const [cancel, cancelJob] = useMutation(CancelJob);
  const [retry, retryJob] = useMutation(RetryJob);
  const [actionError, setActionError] = useState<string | null>(null);
  const report = (failure: CombinedError | undefined, job: JobFieldsFragment | undefined) => {
    setActionError(failure ? (failure.graphQLErrors[0]?.message ?? failure.message) : null);
    if (job) setJobs((current) => mergeJob(current, job));
  };

  return (
    <section aria-labelledby="jobs-title" className="stack">
      <div className="row spread">
        <h1 id="jobs-title">Jobs</h1>
        <p className="muted" role="status">
          {live.error ? `Live updates lost: ${live.error.message}` : 'Live'}
        </p>
      </div>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <div className="table-wrap">
        <table data-testid="jobs-table" className="cards-on-narrow">
          <caption className="visually-hidden">Latest jobs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">Files</th>
              <th scope="col" className="num">Rows</th>
              <th scope="col" className="num">Inserted</th>
              <th scope="col" className="num">Updated</th>
              <th scope="col" className="num">Rejected</th>
              <th scope="col">Duration</th>
              {isAdmin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => {
              const totals = jobTotals(job);
              return (
                <tr key={job.id} data-job={job.id} data-status={job.status}>
                  <td data-label="Created">{formatInstant(job.createdAt)}</td>
                  <td data-label="Status">
                    <span className={`badge status-${job.status.toLowerCase()}`}>{STATUS_LABELS[job.status]}</span>
                    {job.status === 'RUNNING' && job.stage && <span className="muted"> · {STAGE_LABELS[job.stage]}</span>}
                    {job.dryRun && <span className="badge">dry run</span>}
                    {job.error && <div className="error small">{job.error}</div>}
                  </td>
                  <td data-label="Files">{job.files.map((file) => file.name).join(', ')}</td>
                  <td className="num" data-label="Rows">{formatCount(totals.rows)}</td>
                  <td className="num" data-label="Inserted">{formatCount(totals.inserted)}</td>
                  <td className="num" data-label="Updated">{formatCount(totals.updated)}</td>
                  <td className="num" data-label="Rejected">{formatCount(totals.rejected)}</td>
                  <td data-label="Duration">{formatElapsed(job.startedAt, job.finishedAt)}</td>
                  {isAdmin && (
                    <td data-label="Actions">
                      {canCancel(job.status) && (
                        <button type="button" disabled={cancel.fetching} onClick={() => void cancelJob({ id: job.id }).then((result) => report(result.error, result.data?.cancelJob))}>
                          Cancel
                        </button>
                      )}
                      {canRetry(job.status) && (
                        <button type="button" disabled={retry.fetching} onClick={() => void retryJob({ id: job.id }).then((result) => report(result.error, result.data?.retryJob))}>
                          Retry
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
            {!jobs.length && (
              <tr>
                <td colSpan={isAdmin ? 9 : 8}>No jobs yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
