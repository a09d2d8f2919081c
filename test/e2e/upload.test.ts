// The whole path as a frontend drives it: multipart upload over real HTTP (both files in
// one request), a real worker process on BullMQ, then the job and dashboard over GraphQL.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, requestData, upload } from '../../src/client/http.js';
import { DemoKpisQuery } from '../../src/client/operations/demo.js';
import { JobQuery, UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { createWsClient, subscribeData } from '../../src/client/ws.js';
import { DashboardCache } from '../../src/dashboard/cache.js';
import { DashboardView } from '../../src/dashboard/dashboard.js';
import { validateFilter } from '../../src/dashboard/filter.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { aggregateDifferences } from '../helpers/reference-aggregates.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { freePort } from '../helpers/ports.js';
import { startWorker, type Proc } from '../helpers/processes.js';

let t: TestApp;
let worker: Proc;
let dir: string;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bi-upload-'));
  await generateSample({ users: 300, transactions: 20_000, days: 10, seed: 7, dirty: 0, out: dir });
  t = await startTestApp('upload');
  worker = startWorker(t.db, { WORKER_METRICS_PORT: String(metricsPort) }, { stdio: 'inherit' });
});

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitForTerminal(id: string) {
  for (let i = 0; i < 600; i++) {
    const { job } = await requestData({ url: t.url }, JobQuery, { id, rejectedFirst: 5 });
    if (job && !['QUEUED', 'RUNNING'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('job did not finish in 60 s');
}

const TX_HEADER = 'RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp';

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('uploadCsv over HTTP', () => {
  it('streams both files in one multipart request, and the worker ingests them', async () => {
    const usersFile = path.join(dir, 'users.csv');
    const transactionsFile = path.join(dir, 'transactions.csv');
    const response = await upload({ url: t.url }, UploadCsvMutation, {
      users: { name: 'users.csv', data: await openAsBlob(usersFile) },
      transactions: { name: '../../etc/transactions.csv', data: await openAsBlob(transactionsFile) },
    });
    expect(response.errors).toBeUndefined();
    const created = response.data!.uploadCsv;
    expect(created.status).toBe('QUEUED');
    const files = Object.fromEntries(created.files.map((file) => [file.kind, file]));
    expect(files.USERS?.sha256).toBe(await sha256(usersFile));
    expect(files.TRANSACTIONS?.sha256).toBe(await sha256(transactionsFile));
    expect(files.TRANSACTIONS?.name).toBe('transactions.csv'); // path stripped
    expect(files.TRANSACTIONS?.sizeBytes).toBe((await readFile(transactionsFile)).length);

    const job = await waitForTerminal(created.id);
    expect(job.status).toBe('COMPLETED');
    const done = Object.fromEntries(job.files.map((file) => [file.kind, file]));
    expect(done.USERS).toMatchObject({ totalRows: 300, insertedRows: 300, rejectedRows: 0 });
    expect(done.TRANSACTIONS).toMatchObject({ totalRows: 20_000, insertedRows: 20_000, rejectedRows: 0 });
    expect(job.stageTimings.map((timing) => timing.stage).sort()).toEqual(['AGGREGATES', 'TRANSACTIONS', 'USERS']);
    expect(await aggregateDifferences(t.db.pool)).toEqual({});
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/bi_ingest_rows_total\{file="TRANSACTIONS",outcome="inserted"\} 20000/);
    expect(metrics).toMatch(/bi_ingest_jobs_finished_total\{status="COMPLETED"\} 1/);

    // The typed client reads the dashboard of what was just ingested, exact to the cent.
    const { dashboard } = await requestData({ url: t.url }, DemoKpisQuery);
    const { rows } = await t.db.pool.query(
      `SELECT sum(cost)::text AS cost, sum(token_count)::float8 AS tokens, count(DISTINCT conversation_id)::int AS conversations
         FROM transactions`,
    );
    expect(dashboard.kpis.totalCost).toBeCloseTo(Number(rows[0].cost), 6);
    expect(dashboard.kpis.totalTokens).toBe(rows[0].tokens);
    expect(dashboard.kpis.conversations).toBe(rows[0].conversations);

    const again = await upload({ url: t.url }, UploadCsvMutation, {
      transactions: { name: 'transactions.csv', data: await openAsBlob(transactionsFile) },
    });
    const second = await waitForTerminal(again.data!.uploadCsv.id);
    expect(second.files[0]).toMatchObject({ insertedRows: 0, updatedRows: 0, unchangedRows: 20_000 });
  });

  it('the first dashboard request after COMPLETED on the progress subscription shows the job (no stale read)', async () => {
    const userId = (await t.db.pool.query<{ id: string }>('SELECT id FROM users ORDER BY seq LIMIT 1')).rows[0]!.id;
    const ws = createWsClient({ url: t.url });
    try {
      for (let round = 0; round < 3; round++) {
        // A warm dashboard (cached under the current data version) before each upload.
        const before = (await requestData({ url: t.url }, DemoKpisQuery)).dashboard.kpis;
        const day = `2030-01-0${round + 1}`;
        const lines = Array.from({ length: 50 }, (_, i) =>
          [`00000000-0000-4000-8000-${String(round * 100 + i).padStart(12, '0')}`, userId, 'gpt-4o',
            `00000000-0000-4000-9000-${String(round).padStart(12, '0')}`, 'prompt', '100', '0.01', '0.25', `${day}T10:00:00Z`].join(','),
        );
        const created = await upload({ url: t.url }, UploadCsvMutation, {
          transactions: { name: 'day.csv', data: new Blob([`${TX_HEADER}\n${lines.join('\n')}\n`]) },
        });
        const id = created.data!.uploadCsv.id;
        let status = '';
        for await (const event of subscribeData(ws, JobProgressSubscription, { jobId: id })) status = event.jobProgress.status;
        expect(status).toBe('COMPLETED');
        // At once, no waiting: the figures include the 50 rows (12.50, one more conversation).
        const after = (await requestData({ url: t.url }, DemoKpisQuery)).dashboard.kpis;
        expect(after.totalCost - before.totalCost, `round ${round}`).toBeCloseTo(12.5, 6);
        expect(after.conversations - before.conversations, `round ${round}`).toBe(1);
      }
    } finally {
      await ws.dispose();
    }
  });

  it('the worker precomputes the default dashboard into Redis, and the API answers the default view from it', async () => {
    const { redis } = t.services;
    const version = (await t.db.pool.query<{ version: string }>('SELECT version::text FROM data_version')).rows[0]!.version;
    const key = (name: string) => `${t.db.redisPrefix}:dashboard:default:${version}:${name}`;
    const names = ['kpis', 'spendTrend:DAY', 'costByModel', 'costByRegion', 'topCompanies:10', 'subscribers', 'spendAnomalies', 'dateRange', 'regions', 'companies', 'models'];
    const stored = await redis.mget(names.map(key));
    expect(Object.fromEntries(names.map((name, i) => [name, stored[i] !== null]))).toEqual(Object.fromEntries(names.map((name) => [name, true])));
    // What the worker stored equals a computation from scratch (a pool and no cache of its own).
    const pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    try {
      const fresh = new DashboardView(pool, new DashboardCache(0), validateFilter(null));
      expect(JSON.parse(stored[0]!)).toEqual(await fresh.kpis());
      expect(JSON.parse(stored[4]!)).toEqual(await fresh.topCompanies(10));
    } finally {
      await pool.end();
    }
    // A new version whose kpis another process already stored: the API serves them as stored.
    const next = (await t.db.pool.query<{ version: string }>('UPDATE data_version SET version = version + 1 RETURNING version::text')).rows[0]!.version;
    const planted = { ...JSON.parse(stored[0]!), totalCost: 1234.5 };
    await redis.set(`${t.db.redisPrefix}:dashboard:default:${next}:kpis`, JSON.stringify(planted));
    expect((await requestData({ url: t.url }, DemoKpisQuery)).dashboard.kpis.totalCost).toBe(1234.5);
    // A filtered view never reads the shared entries.
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ dashboard(filter: { from: "2000-01-01" }) { kpis { totalCost } } }' }),
    });
    const filtered = (await response.json()) as { data: { dashboard: { kpis: { totalCost: number } } } };
    expect(filtered.data.dashboard.kpis.totalCost).toBeGreaterThan(0);
    expect(filtered.data.dashboard.kpis.totalCost).not.toBe(1234.5);
    await t.db.pool.query('UPDATE data_version SET version = version + 1');
  });

  it('refuses a request without files', async () => {
    const result = await request({ url: t.url }, UploadCsvMutation, {});
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
