// A dry run as a frontend drives it: uploadCsv(dryRun: true) over real HTTP, a real
// worker process, the jobProgress subscription over graphql-ws until it completes; then
// the same files for real, which must report what the dry run said.
import { mkdtemp, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestData, upload } from '../../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { createWsClient, subscribeData } from '../../src/client/ws.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { startWorker, type Proc } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let worker: Proc;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bi-dry-run-'));
  await generateSample({ users: 200, transactions: 15_000, days: 10, seed: 31, dirty: 0.02, out: dir });
  t = await startTestApp('dry_run_e2e');
  worker = startWorker(t.db);
});

afterAll(async () => {
  await worker?.kill9();
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const TERMINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

/** Uploads both files and follows the job on jobProgress until the server completes the stream. */
async function uploadAndFollow(dryRun: boolean) {
  const response = await upload(
    { url: t.url },
    UploadCsvMutation,
    {
      users: { name: 'users.csv', data: await openAsBlob(path.join(dir, 'users.csv')) },
      transactions: { name: 'transactions.csv', data: await openAsBlob(path.join(dir, 'transactions.csv')) },
    },
    { dryRun },
  );
  expect(response.errors).toBeUndefined();
  const created = response.data!.uploadCsv;
  expect(created).toMatchObject({ status: 'QUEUED', dryRun });
  const ws = createWsClient({ url: t.url });
  const events = [];
  try {
    for await (const { jobProgress } of subscribeData(ws, JobProgressSubscription, { jobId: created.id })) events.push(jobProgress);
  } finally {
    await ws.dispose();
  }
  const { job } = await requestData({ url: t.url }, JobQuery, { id: created.id, rejectedFirst: 500 });
  return { events, job: job! };
}

const counts = (job: { files: Array<Record<string, unknown>> }) =>
  job.files.map(({ kind, totalRows, insertedRows, updatedRows, unchangedRows, rejectedRows }) => ({
    kind, totalRows, insertedRows, updatedRows, unchangedRows, rejectedRows,
  }));

describe('uploadCsv(dryRun: true) over HTTP', () => {
  it('runs the whole lifecycle on the progress subscription, writes nothing, and says what the real upload then does', async () => {
    const dry = await uploadAndFollow(true);
    // The stream ended by itself after the terminal event.
    expect(dry.events.at(-1)).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', stage: null, percent: 100 });
    expect(dry.events.filter((event) => TERMINAL.includes(event.status))).toHaveLength(1);
    expect(dry.events.map((event) => event.sequence)).toEqual([...dry.events.map((event) => event.sequence)].sort((a, b) => a - b));
    expect(dry.job).toMatchObject({ dryRun: true, status: 'COMPLETED_WITH_ERRORS' });
    expect(dry.job.stageTimings.map((timing) => timing.stage).sort()).toEqual(['AGGREGATES', 'TRANSACTIONS', 'USERS']);
    expect(counts(dry.job)).toContainEqual(expect.objectContaining({ kind: 'TRANSACTIONS', totalRows: 15_000 }));
    const { rows } = await t.db.pool.query<{ users: number; transactions: number; cells: number; version: number }>(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM transactions)::int AS transactions,
              (SELECT count(*) FROM daily_cell_metrics)::int AS cells, (SELECT count(*) FROM data_version)::int AS version`,
    );
    expect(rows[0]).toEqual({ users: 0, transactions: 0, cells: 0, version: 0 });

    const real = await uploadAndFollow(false);
    expect(real.job).toMatchObject({ dryRun: false, status: 'COMPLETED_WITH_ERRORS', warnings: [] });
    expect(counts(real.job)).toEqual(counts(dry.job));
    // The same rejections (each job's rows have their own ids).
    const rejections = (job: typeof dry.job) => job.rejectedRows.edges.map(({ node: { id: _id, ...row } }) => row);
    expect(rejections(real.job)).toEqual(rejections(dry.job));
    const inserted = real.job.files.find((file) => file.kind === 'TRANSACTIONS')!.insertedRows;
    expect(inserted).toBeGreaterThan(14_000);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM transactions')).rows[0].n).toBe(inserted);
  });
});
