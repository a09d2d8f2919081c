// `npm run demo`: what a frontend does, end to end, against a running API (`npm start`).
// Generates a sample dataset, uploads it (GraphQL multipart), draws a live progress bar
// from the jobProgress subscription (graphql-ws), then prints the job's counts and the
// dashboard KPIs. Flags: --url --token --users --transactions [--days --seed --out]
import { existsSync, openAsBlob } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request, requestData, upload } from '../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../src/client/operations/progress.js';
import { DemoKpisQuery } from '../src/client/operations/demo.js';
import type { JobProgressSubscription as ProgressResult } from '../src/client/generated/graphql.js';
import { createWsClient, subscribeData } from '../src/progress/ws-client.js';
import { generateSample } from './generate-sample.js';

type Progress = ProgressResult['jobProgress'];

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.BI_URL ?? 'http://127.0.0.1:4000/graphql' },
    token: { type: 'string', default: process.env.BI_TOKEN },
    users: { type: 'string', default: '2000' },
    transactions: { type: 'string', default: '200000' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
  },
});
const count = (name: string, value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) fail(`--${name} must be a positive integer, got ${value}`);
  return parsed;
};
const users = count('users', values.users);
const transactions = count('transactions', values.transactions);
const days = count('days', values.days);
const seed = count('seed', values.seed);
const out = path.resolve(values.out ?? path.join('tmp', `demo-${users}u-${transactions}t-${days}d-${seed}`));
const api = { url: values.url, token: values.token };

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const ratio = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '--:--';
  const s = Math.round(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function progressLine(p: Progress, width: number): string {
  const barWidth = Math.max(10, Math.min(40, width - 90));
  const filled = Math.round((p.percent / 100) * barWidth);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
  const stage = (p.stage ?? p.status).padEnd(12);
  const rows = p.totalRows ? `${int.format(p.processedRows)}/${int.format(p.totalRows)}` : int.format(p.processedRows);
  return `${bar} ${p.percent.toFixed(1).padStart(5)}%  ${stage} ${rows} rows  ${int.format(p.rowsPerSecond)} rows/s  ETA ${duration(p.etaSeconds)}  rejected ${int.format(p.rejectedRows)}`;
}

/** A bar redrawn in place on a terminal; one line per second (and per stage or status) otherwise. */
function createRenderer() {
  const tty = process.stdout.isTTY;
  let printedAt = 0;
  let printed: Progress | undefined;
  return {
    show(p: Progress) {
      if (tty) {
        process.stdout.write(`\r\x1b[2K${progressLine(p, process.stdout.columns ?? 120)}`);
        return;
      }
      if (Date.now() - printedAt >= 1000 || p.stage !== printed?.stage || p.status !== printed?.status) {
        process.stdout.write(`${progressLine(p, 120)}\n`);
        printedAt = Date.now();
        printed = p;
      }
    },
    end(p: Progress) {
      if (tty) process.stdout.write('\n');
      else if (printed !== p) process.stdout.write(`${progressLine(p, 120)}\n`);
    },
  };
}

// 1. Sample data (reused when already generated with the same parameters).
const usersCsv = path.join(out, 'users.csv');
const transactionsCsv = path.join(out, 'transactions.csv');
if (existsSync(usersCsv) && existsSync(transactionsCsv)) {
  console.log(`Using the sample in ${out}`);
} else {
  const started = performance.now();
  await generateSample({ users, transactions, days, seed, dirty: 0.001, out });
  console.log(`Generated ${int.format(users)} users and ${int.format(transactions)} transactions in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

// 2. Upload.
const uploadStarted = performance.now();
const uploaded = await upload(api, UploadCsvMutation, {
  users: { name: 'users.csv', data: await openAsBlob(usersCsv, { type: 'text/csv' }) },
  transactions: { name: 'transactions.csv', data: await openAsBlob(transactionsCsv, { type: 'text/csv' }) },
}).catch((error: unknown) => fail(`cannot reach ${api.url}: ${error instanceof Error ? error.message : String(error)} — is the API running (npm start)?`));
const job = uploaded.data?.uploadCsv;
if (!job?.id) fail(`upload failed: ${uploaded.errors?.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
const jobId = job.id;
console.log(`Uploaded in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s: job ${jobId} is ${job.status}`);

// 3. Live progress until the job finishes.
const client = createWsClient(api);
const renderer = createRenderer();
let last: Progress | undefined;
try {
  for await (const data of subscribeData(client, JobProgressSubscription, { jobId })) {
    last = data.jobProgress;
    renderer.show(last);
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  await client.dispose();
}
if (!last) fail('the subscription ended without an event');
renderer.end(last);
console.log(`Job ${last.status} in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s from upload start`);

// 4. What was ingested, and the dashboard over it.
const { job: finished } = await requestData(api, JobQuery, { id: jobId, rejectedFirst: 3 });
if (finished) {
  if (finished.error) console.log(`Error: ${finished.error}`);
  for (const file of finished.files ?? []) {
    console.log(
      `  ${(file.kind ?? '').padEnd(12)} ${int.format(file.totalRows ?? 0).padStart(9)} rows: ${int.format(file.insertedRows ?? 0)} inserted, ${int.format(file.updatedRows ?? 0)} updated, ${int.format(file.unchangedRows ?? 0)} unchanged, ${int.format(file.rejectedRows ?? 0)} rejected`,
    );
  }
  for (const edge of finished.rejectedRows?.edges ?? []) {
    const row = edge?.node;
    if (row) console.log(`  rejected ${row.file} line ${row.line}${row.column ? ` (${row.column})` : ''}: ${row.reason}`);
  }
}

const dashboard = await request(api, DemoKpisQuery, {});
const kpis = dashboard.data?.dashboard?.kpis;
const range = dashboard.data?.dashboard?.dateRange;
if (!kpis) fail(`dashboard query failed: ${dashboard.errors?.map((e) => e.message).join('; ')}`);
const show = (value: number | null | undefined, format: (n: number) => string) =>
  value === null || value === undefined ? '—' : format(value);
const kpiLines: Array<[string, string]> = [
  ['Total cost', show(kpis.totalCost, money.format)],
  ['Tokens (prompt / completion)', `${show(kpis.totalTokens, int.format)} (${show(kpis.promptTokens, int.format)} / ${show(kpis.completionTokens, int.format)})`],
  ['Conversations', show(kpis.conversations, int.format)],
  ['Active days', show(kpis.activeDays, int.format)],
  ['Avg spend per day', show(kpis.avgSpendPerDay, money.format)],
  ['Avg tokens per day', show(kpis.avgTokensPerDay, int.format)],
  ['Avg tokens per conversation', show(kpis.avgTokensPerConversation, int.format)],
  ['Highest used model', kpis.highestUsedModel ?? '—'],
  ['Least used model', kpis.leastUsedModel ?? '—'],
  ['Costliest model', kpis.costliestModel ?? '—'],
  ['Model efficiency (completion/prompt)', show(kpis.modelEfficiency, ratio.format)],
  ['Active subscriber utilization', show(kpis.activeSubscriberUtilization, (n) => `${(n * 100).toFixed(1)} %`)],
];
console.log(`\nDashboard, all data${range?.min ? ` (${range.min} to ${range.max})` : ''}:`);
for (const [label, value] of kpiLines) console.log(`  ${label.padEnd(38)} ${value}`);
