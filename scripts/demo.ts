// `npm run demo`: what a frontend does, end to end, against a running API (`npm start`).
// Generates a sample dataset, sets two monthly budgets the sample will cross, uploads it
// (GraphQL multipart), draws a live progress bar from the jobProgress subscription
// (graphql-ws) and prints the budget alerts as the budgetAlerts subscription delivers
// them, then prints the job's counts, the dashboard KPIs and the budget table.
// Flags: see USAGE (npm run demo -- --help).
import { createReadStream, existsSync, openAsBlob } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request, requestData, upload } from '../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../src/client/operations/progress.js';
import { DemoKpisQuery } from '../src/client/operations/demo.js';
import { BudgetAlertsLiveSubscription, BudgetsQuery, SetBudgetMutation } from '../src/client/operations/budgets.js';
import type { BudgetAlertFieldsFragment, JobProgressSubscription as ProgressResult } from '../src/client/generated/graphql.js';
import { createWsClient, subscribeData } from '../src/client/ws.js';
import { generateSample } from './generate-sample.js';

type Progress = ProgressResult['jobProgress'];

const USAGE = `Usage: npm run demo -- [options]   (against a running API: npm start)
  --url URL           the API's GraphQL endpoint (default $BI_URL or http://127.0.0.1:4000/graphql)
  --token TOKEN       an admin token when auth is on (default $BI_TOKEN)
  --users N           users in the generated sample (default 2000)
  --transactions N    transactions in it (default 200000)
  --days N            days of data (default 30)
  --seed N            same seed, same data (default 42)
  --out DIR           where the sample is written and reused (default: under the OS temp dir)
  -h, --help          this text`;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    url: { type: 'string', default: process.env.BI_URL ?? 'http://127.0.0.1:4000/graphql' },
    token: { type: 'string', default: process.env.BI_TOKEN },
    users: { type: 'string', default: '2000' },
    transactions: { type: 'string', default: '200000' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const count = (name: string, value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) fail(`--${name} must be a positive integer, got ${value}`);
  return parsed;
};
const users = count('users', values.users);
const transactions = count('transactions', values.transactions);
const days = count('days', values.days);
const seed = count('seed', values.seed);
// Under the OS temp dir, not the checkout (whose tmp/ would end up in the Docker image).
const out = path.resolve(values.out ?? path.join(os.tmpdir(), `bi-demo-${users}u-${transactions}t-${days}d-${seed}`));
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
  let shown: Progress | undefined;
  return {
    /** A line above the bar (the bar is drawn again under it). */
    note(line: string) {
      if (!tty) return void process.stdout.write(`${line}\n`);
      process.stdout.write(`\r\x1b[2K${line}\n`);
      if (shown) process.stdout.write(progressLine(shown, process.stdout.columns ?? 120));
    },
    show(p: Progress) {
      shown = p;
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

// 2. Two monthly budgets the sample will cross: all spend at 85 % of its limit, EU past its own.
const sampleSpend = await totalSpend(transactionsCsv);
const budgets = [
  { scope: { kind: 'ALL' as const }, monthlyLimit: roundCents(sampleSpend / 0.85) },
  { scope: { kind: 'REGION' as const, value: 'EU' }, monthlyLimit: roundCents(sampleSpend * 0.2) },
];
for (const input of budgets) {
  const set = await request(api, SetBudgetMutation, { input }).catch((error: unknown) =>
    fail(`cannot reach ${api.url}: ${error instanceof Error ? error.message : String(error)} — is the API running (npm start)?`),
  );
  if (set.errors?.length) fail(`setBudget failed: ${set.errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
  const { scope } = set.data!.setBudget;
  console.log(`Budget ${scope.value ?? 'all spend'}: ${money.format(input.monthlyLimit)} a month, alerts at ${set.data!.setBudget.thresholds.join(' / ')} %`);
}

// 3. Alerts live, from before the upload (graphql-ws; the progress below shares the connection).
const client = createWsClient(api);
const renderer = createRenderer();
const alerts: BudgetAlertFieldsFragment[] = [];
const alertFeed = (async () => {
  for await (const data of subscribeData(client, BudgetAlertsLiveSubscription, {})) {
    const alert = data.budgetAlerts;
    alerts.push(alert);
    renderer.note(
      `⚠ budget ${alert.budget.scope.value ?? 'all spend'} ${alert.month}: ${alert.threshold} % reached (${money.format(alert.spent)} = ${alert.percentUsed.toFixed(1)} % of ${money.format(alert.budget.monthlyLimit)})`,
    );
  }
})().catch((error: unknown) => renderer.note(`budget alerts: ${error instanceof Error ? error.message : String(error)}`));

// 4. Upload.
const uploadStarted = performance.now();
const uploaded = await upload(api, UploadCsvMutation, {
  users: { name: 'users.csv', data: await openAsBlob(usersCsv, { type: 'text/csv' }) },
  transactions: { name: 'transactions.csv', data: await openAsBlob(transactionsCsv, { type: 'text/csv' }) },
}).catch((error: unknown) => fail(`cannot reach ${api.url}: ${error instanceof Error ? error.message : String(error)} — is the API running (npm start)?`));
const job = uploaded.data?.uploadCsv;
if (!job?.id) fail(`upload failed: ${uploaded.errors?.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
const jobId = job.id;
console.log(`Uploaded in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s: job ${jobId} is ${job.status}`);

// 5. Live progress until the job finishes (its budget alerts arrive before COMPLETED).
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
  await alertFeed;
}
if (!last) fail('the subscription ended without an event');
renderer.end(last);
console.log(`Job ${last.status} in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s from upload start`);
if (!alerts.length) console.log('No budget alert: nothing crossed a threshold (each is raised once per budget, month and threshold; an earlier run may have raised them)');

// 6. What was ingested, and the dashboard over it.
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

// 7. The budget table, for the month of the last data date.
const table = await request(api, BudgetsQuery, {});
if (table.errors?.length) fail(`budgets query failed: ${table.errors.map((e) => e.message).join('; ')}`);
const rows = table.data?.budgets ?? [];
if (rows.length) {
  console.log(`\nBudgets, ${rows[0]!.month}:`);
  console.log(`  ${'scope'.padEnd(16)} ${'limit'.padStart(12)} ${'spent'.padStart(12)} ${'used'.padStart(7)} ${'projected'.padStart(12)} ${'proj.'.padStart(7)}  runs out`);
  for (const row of rows) {
    const scope = row.budget.scope.value ? `${row.budget.scope.kind.toLowerCase()} ${row.budget.scope.value}` : 'all spend';
    console.log(
      `  ${scope.padEnd(16)} ${money.format(row.budget.monthlyLimit).padStart(12)} ${money.format(row.spent).padStart(12)} ${`${row.percentUsed.toFixed(1)}%`.padStart(7)} ` +
        `${money.format(row.projectedSpend).padStart(12)} ${`${row.projectedPercent.toFixed(1)}%`.padStart(7)}  ${row.exhaustionDate ?? '—'}`,
    );
  }
}

/** Σ Calculated_Cost of the sample (the demo sizes its budgets from it; bad rows are skipped). */
async function totalSpend(file: string): Promise<number> {
  let total = 0;
  let header = true;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (header) {
      header = false;
      continue;
    }
    const cost = Number(line.split(',')[7]);
    if (Number.isFinite(cost)) total += cost;
  }
  return total;
}

function roundCents(value: number): number {
  return Math.max(0.01, Math.round(value * 100) / 100);
}
