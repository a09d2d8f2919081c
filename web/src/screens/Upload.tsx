// Upload: drop or pick the users and/or transactions CSV, optionally as a dry run, then
// follow the job live (jobProgress) and, once it ends, show per-file counts and the first
// rejected rows with a link to all of them as CSV.
import { useState, type DragEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { JobQuery } from '../../../src/client/generated/graphql.js';
import { JobQuery as JobDocument, UploadCsvMutation } from '../../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../../src/client/operations/progress.js';
import { doc } from '../client.js';
import { DownloadButton } from '../components/DownloadButton.js';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../lib/format.js';
import { sortFiles, type PickedFiles } from '../lib/files.js';
import { barPercent, isTerminal, nextProgress, progressLabel, STATUS_LABELS, type ProgressEvent } from '../lib/progress.js';
import { useSession } from '../session.js';

const UploadCsv = doc(UploadCsvMutation);
const JobProgress = doc(JobProgressSubscription);
const Job = doc(JobDocument);
const REJECTED_SHOWN = 20;

export function Upload() {
  const { isAdmin, role } = useSession();
  const [picked, setPicked] = useState<PickedFiles>({ problems: [] });
  const [dryRun, setDryRun] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [upload, uploadCsv] = useMutation(UploadCsv);

  if (!isAdmin) {
    return (
      <section aria-labelledby="upload-title">
        <h1 id="upload-title">Upload</h1>
        <p role="status">{role === null ? 'Checking access…' : 'Uploading data needs an admin token.'}</p>
      </section>
    );
  }

  const addFiles = async (files: File[]) => {
    if (!files.length) return;
    setPicked(await sortFiles(files, { users: picked.users, transactions: picked.transactions }));
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void addFiles([...event.dataTransfer.files]);
  };
  const start = async () => {
    setJobId(null);
    const result = await uploadCsv({ users: picked.users ?? null, transactions: picked.transactions ?? null, dryRun });
    if (result.data) setJobId(result.data.uploadCsv.id);
  };
  const ready = Boolean(picked.users || picked.transactions) && !upload.fetching;

  return (
    <section aria-labelledby="upload-title" className="stack">
      <h1 id="upload-title">Upload</h1>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop the users and transactions CSV exports here (one or both), or</p>
        <label className="button" htmlFor="files">
          Choose files…
        </label>
        <input
          id="files"
          className="visually-hidden"
          type="file"
          accept=".csv,text/csv"
          multiple
          onChange={(event) => {
            void addFiles([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
      </div>
      <dl className="picked" aria-label="Files to upload">
        <dt>Users file</dt>
        <dd data-testid="picked-users">{picked.users ? `${picked.users.name} (${formatBytes(picked.users.size)})` : 'none'}</dd>
        <dt>Transactions file</dt>
        <dd data-testid="picked-transactions">{picked.transactions ? `${picked.transactions.name} (${formatBytes(picked.transactions.size)})` : 'none'}</dd>
      </dl>
      {picked.problems.map((problem) => (
        <p key={problem} className="error" role="alert">
          {problem}
        </p>
      ))}
      <div className="row">
        <label className="checkbox">
          <input type="checkbox" checked={dryRun} onChange={(event) => setDryRun(event.target.checked)} /> Dry run (check the files, write
          nothing)
        </label>
        <button type="button" className="primary" disabled={!ready} onClick={() => void start()}>
          {upload.fetching ? 'Uploading…' : dryRun ? 'Check files' : 'Upload'}
        </button>
        <button type="button" disabled={upload.fetching || (!picked.users && !picked.transactions)} onClick={() => setPicked({ problems: [] })}>
          Clear
        </button>
      </div>
      {upload.error && (
        <p className="error" role="alert">
          Upload refused: {upload.error.graphQLErrors[0]?.message ?? upload.error.message}
        </p>
      )}
      {jobId && <JobFollow key={jobId} jobId={jobId} />}
    </section>
  );
}

function JobFollow({ jobId }: { jobId: string }) {
  const [{ data: progress, error }] = useSubscription(
    { query: JobProgress, variables: { jobId } },
    (current: ProgressEvent | null | undefined, event) => nextProgress(current ?? null, event.jobProgress),
  );
  const ended = progress ? isTerminal(progress.status) : false;
  return (
    <section aria-labelledby="progress-title" className="card stack" data-testid="job-progress">
      <h2 id="progress-title">
        Job <code>{jobId}</code>
      </h2>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {progress ? <ProgressBar event={progress} /> : <p role="status">Waiting for the first progress event…</p>}
      {ended && <JobOutcome jobId={jobId} />}
    </section>
  );
}

function ProgressBar({ event }: { event: ProgressEvent }) {
  const percent = barPercent(event);
  const label = progressLabel(event);
  return (
    <div className="stack">
      <div
        className="bar"
        role="progressbar"
        aria-label="Ingestion progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent} %, ${label}`}
      >
        <div className={`bar-fill status-${event.status.toLowerCase()}`} style={{ width: `${percent}%` }} />
      </div>
      <dl className="facts">
        <div>
          <dt>Stage</dt>
          <dd data-testid="progress-stage">{label}</dd>
        </div>
        <div>
          <dt>Progress</dt>
          <dd data-testid="progress-percent">{percent} %</dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd data-testid="progress-rows">
            {formatCount(event.processedRows)} / {event.totalRowsEstimated ? '~' : ''}
            {formatCount(event.totalRows)}
          </dd>
        </div>
        <div>
          <dt>Rows/s</dt>
          <dd>{formatCount(event.rowsPerSecond)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{isTerminal(event.status) ? '—' : formatDuration(event.etaSeconds)}</dd>
        </div>
        <div>
          <dt>Rejected so far</dt>
          <dd data-testid="progress-rejected">{formatCount(event.rejectedRows)}</dd>
        </div>
      </dl>
    </div>
  );
}

function JobOutcome({ jobId }: { jobId: string }) {
  const { token } = useSession();
  const [{ data, error }] = useQuery({
    query: Job,
    variables: { id: jobId, rejectedFirst: REJECTED_SHOWN },
    requestPolicy: 'network-only',
  });
  if (error) return <p className="error">{error.message}</p>;
  const job = data?.job;
  if (!job) return <p role="status">Loading the outcome…</p>;
  return (
    <div className="stack" data-testid="job-outcome">
      <p>
        <strong data-testid="job-status">{STATUS_LABELS[job.status]}</strong>
        {job.dryRun && ' (dry run: nothing was written)'}
        {job.error && <span className="error"> — {job.error}</span>}
      </p>
      {job.warnings.map((warning) => (
        <p key={warning} className="warning">
          {warning}
        </p>
      ))}
      <FileCounts files={job.files} />
      <RejectedRows job={job} token={token} />
    </div>
  );
}

export function FileCounts({ files }: { files: NonNullable<JobQuery['job']>['files'] }) {
  return (
    <div className="table-wrap">
      <table data-testid="file-counts">
        <caption>Rows per file</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">Rows</th>
            <th scope="col" className="num">Inserted</th>
            <th scope="col" className="num">Updated</th>
            <th scope="col" className="num">Unchanged</th>
            <th scope="col" className="num">Rejected</th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => (
            <tr key={file.id} data-kind={file.kind}>
              <th scope="row">{file.name}</th>
              <td>{file.kind.toLowerCase()}</td>
              <td className="num">{formatCount(file.totalRows)}</td>
              <td className="num">{formatCount(file.insertedRows)}</td>
              <td className="num">{formatCount(file.updatedRows)}</td>
              <td className="num">{formatCount(file.unchangedRows)}</td>
              <td className="num">{formatCount(file.rejectedRows)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RejectedRows({ job, token }: { job: NonNullable<JobQuery['job']>; token: string | null }) {
  const rows = job.rejectedRows.edges.map((edge) => edge.node);
  const total = job.files.reduce((sum, file) => sum + file.rejectedRows, 0);
  if (!rows.length) return <p>No rows were rejected.</p>;
  return (
    <div className="stack">
      <div className="row">
        <h3>
          Rejected rows ({formatCount(total)}
          {total > rows.length ? `, first ${rows.length} shown` : ''})
        </h3>
        <DownloadButton url={job.rejectedRowsCsvUrl} token={token} label="Download all rejected rows (CSV)" />
      </div>
      <div className="table-wrap">
        <table data-testid="rejected-rows">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="num">Line</th>
              <th scope="col">Column</th>
              <th scope="col">Reason</th>
              <th scope="col">Row</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{row.file}</td>
                <td className="num">{formatCount(row.line)}</td>
                <td>{row.column ?? '—'}</td>
                <td>{row.reason}</td>
                <td>
                  <code className="raw">{row.raw}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">{formatPercent((total / Math.max(1, job.files.reduce((sum, file) => sum + file.totalRows, 0))) * 100, 2)} of the rows were rejected.</p>
    </div>
  );
}
