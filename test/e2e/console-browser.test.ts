// The web console as an analyst meets it: Debian's Chromium, driven by playwright-core,
// against a real API (serving the built console at /) and a real worker, auth on with an
// admin and a viewer token, and no network beyond 127.0.0.1. Files are uploaded by a real
// drop event, the progress bar is watched through every stage to 100 %, the dashboard's
// KPI cards are checked against the GraphQL API for the same filter, a viewer sees no
// admin controls, and a budget crossed by an upload shows an alert toast. Every screen is
// saved at 1280 and 390 px wide into test/artifacts/.
import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestData, upload } from '../../src/client/http.js';
import { BudgetAlertsQuery, SetBudgetMutation } from '../../src/client/operations/budgets.js';
import { DashboardFiltersQuery, DashboardQuery } from '../../src/client/operations/dashboard.js';
import { JobQuery, JobsQuery, UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { ensureWebBuild } from '../../scripts/web-ensure.js';
import { formatCount, formatMoney, periodChange } from '../../web/src/lib/format.js';
import { kpiCards } from '../../web/src/lib/kpis.js';
import { CHROMIUM, chromiumMissing, launchChromium, offlineContext } from '../helpers/browser.js';
import { ROOT, startWorker, until, type Proc } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ARTIFACTS = path.join(ROOT, 'test/artifacts');

const ADMIN = 'adm-4b9e2d7c1a6f3e58';
const VIEWER = 'vwr-7d1c5a3e9b2f4c60';
const WIDTHS = [1280, 390] as const;

let t: TestApp;
let base: string;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let dir: string;
let worker: Proc | undefined;
/** Requests the page tried to send anywhere but 127.0.0.1 (all refused). */
const offsite: string[] = [];

const openContext = (): Promise<BrowserContext> =>
  offlineContext(browser, { viewport: { width: 1280, height: 900 }, acceptDownloads: true }, (url) => offsite.push(url));

/** Opens a console path and, when asked for a token, gives it (once per tab session). */
async function openWithToken(target: Page, pathname: string, token: string): Promise<void> {
  await target.goto(`${base}${pathname}`);
  await target.getByLabel('Access token').fill(token);
  await target.getByRole('button', { name: 'Continue' }).click();
  await target.getByTestId('role').waitFor();
}

async function screenshots(target: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  for (const width of WIDTHS) {
    await target.setViewportSize({ width, height: 900 });
    // Charts resize on their element's ResizeObserver; let a frame pass.
    await target.waitForTimeout(300);
    await target.screenshot({ path: path.join(ARTIFACTS, `console-${name}-${width}.png`), fullPage: true });
  }
  await target.setViewportSize({ width: 1280, height: 900 });
}

/** Drops files on the upload screen's drop zone with a real DataTransfer, as a person's drag does. */
async function dropFiles(target: Page, files: Array<{ name: string; text: string }>): Promise<void> {
  const dataTransfer = await target.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const file of list) transfer.items.add(new File([file.text], file.name, { type: 'text/csv' }));
    return transfer;
  }, files);
  const zone = target.getByTestId('dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

const sampleFiles = async (folder: string) => [
  { name: 'users.csv', text: await readFile(path.join(folder, 'users.csv'), 'utf8') },
  { name: 'transactions.csv', text: await readFile(path.join(folder, 'transactions.csv'), 'utf8') },
];

/** Records every (stage label, bar percent) the progress bar shows, from inside the page. */
function recordProgress(target: Page): Promise<void> {
  return target.evaluate(() => {
    const seen: Array<{ stage: string; percent: number }> = [];
    (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
    const read = () => {
      const bar = document.querySelector('[role="progressbar"]');
      const stage = document.querySelector('[data-testid="progress-stage"]')?.textContent ?? '';
      if (!bar) return;
      const percent = Number(bar.getAttribute('aria-valuenow'));
      const last = seen.at(-1);
      if (!last || last.stage !== stage || last.percent !== percent) seen.push({ stage, percent });
    };
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const progressSeen = (target: Page) =>
  target.evaluate(() => (window as unknown as { progressSeen: Array<{ stage: string; percent: number }> }).progressSeen);

describe.skipIf(chromiumMissing)(
  chromiumMissing ? `web console in Chromium (SKIPPED: ${CHROMIUM} is not installed; apt-get install -y chromium)` : 'web console in Chromium',
  () => {
    beforeAll(async () => {
      // CI starts from a clean clone: build the console when web/dist is missing or stale.
      ensureWebBuild();
      dir = await mkdtemp(path.join(os.tmpdir(), 'bi-console-'));
      await generateSample({ users: 200, transactions: 20_000, days: 12, seed: 18, dirty: 0.01, out: path.join(dir, 'march') });
      // A later month, small: the upload that crosses the budget.
      await generateSample({ users: 40, transactions: 2_000, days: 5, seed: 19, dirty: 0, start: '2024-05-01', out: path.join(dir, 'may') });
      t = await startTestApp('console_browser', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` });
      base = t.url.replace(/\/graphql$/, '');
      browser = await launchChromium();
      admin = await openContext();
      page = await admin.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      if (worker) await worker.kill9();
      await t?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('serves the console at / and its client routes, with long-lived hashed assets, and asks for a token', async () => {
      const index = await fetch(`${base}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const html = await index.text();
      const asset = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
      expect(asset).toBeDefined();
      const script = await fetch(`${base}${asset}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await fetch(`${base}/jobs?x=1`)).status).toBe(200);
      expect((await fetch(`${base}/assets/missing-abc123.js`)).status).toBe(404);
      // Other routes keep theirs.
      expect((await fetch(`${base}/health`)).headers.get('content-type')).toContain('application/json');
      expect((await fetch(`${base}/no-such-page`)).status).toBe(404);

      await page.goto(`${base}/upload`);
      await expect.poll(() => page.getByLabel('Access token').isVisible(), { timeout: 20_000 }).toBe(true);
      await screenshots(page, 'token');
      await page.getByLabel('Access token').fill('not-a-token');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('That token was not accepted.').waitFor();
    });

    it('uploads the sample files by drag and drop, shows the bar through every stage to 100 %, then the counts and rejected rows', async () => {
      await page.getByLabel('Access token').fill(ADMIN);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Upload' }).waitFor();
      await expect.poll(() => page.getByTestId('role').textContent()).toBe('Admin');

      await dropFiles(page, await sampleFiles(path.join(dir, 'march')));
      await expect.poll(() => page.getByTestId('picked-users').textContent()).toMatch(/^users\.csv \(/);
      expect(await page.getByTestId('picked-transactions').textContent()).toMatch(/^transactions\.csv \(/);

      await recordProgress(page);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      // No worker runs yet: the job waits, QUEUED, and the bar says so.
      await expect.poll(() => page.getByTestId('progress-stage').textContent(), { timeout: 20_000 }).toBe('Queued');
      const jobId = (await page.getByTestId('job-progress').locator('h2 code').textContent())!;
      worker = startWorker(t.db);
      await page.getByTestId('job-status').waitFor({ timeout: 90_000 });

      const seen = await progressSeen(page);
      console.info(`progress seen: ${seen.map((s) => `${s.stage} ${s.percent}`).join(' → ')}`);
      const stages = [...new Set(seen.map((s) => s.stage))];
      expect(stages[0]).toBe('Queued');
      // Each stage in order (USERS may be too short for an event of its own), then done.
      expect(stages).toEqual(expect.arrayContaining(['Reading transactions', 'Refreshing aggregates']));
      const order = ['Queued', 'Reading users', 'Reading transactions', 'Refreshing aggregates', 'Completed with errors'];
      expect(stages.map((stage) => order.indexOf(stage))).toEqual([...stages.map((stage) => order.indexOf(stage))].sort((a, b) => a - b));
      expect(stages.at(-1)).toBe('Completed with errors');
      const percents = seen.map((s) => s.percent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
      expect(percents.at(-1)).toBe(100);

      // The counts and the rejected rows are the API's.
      const { job } = await requestData({ url: t.url, token: ADMIN }, JobQuery, { id: jobId, rejectedFirst: 20 });
      expect(job!.status).toBe('COMPLETED_WITH_ERRORS');
      for (const file of job!.files) {
        const row = page.getByTestId('file-counts').locator(`tr[data-kind="${file.kind}"]`);
        const cells = await row.locator('td.num').allTextContents();
        expect(cells).toEqual([file.totalRows, file.insertedRows, file.updatedRows, file.unchangedRows, file.rejectedRows].map(formatCount));
      }
      const rejectedTotal = job!.files.reduce((sum, file) => sum + file.rejectedRows, 0);
      expect(rejectedTotal).toBeGreaterThan(0);
      expect(await page.getByTestId('progress-rejected').textContent()).toBe(formatCount(rejectedTotal));
      const firstRow = page.getByTestId('rejected-rows').locator('tbody tr').first();
      const first = job!.rejectedRows.edges[0]!.node;
      expect(await firstRow.locator('td').allTextContents()).toEqual(
        expect.arrayContaining([first.file, formatCount(first.line), first.column ?? '—', first.reason]),
      );
      expect(await page.getByTestId('rejected-rows').locator('tbody tr').count()).toBe(Math.min(20, rejectedTotal));

      // "Download all rejected rows" fetches the CSV export with the token.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download all rejected rows (CSV)').click()]);
      const csv = await readFile((await download.path())!, 'utf8');
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      expect(csv.trim().split(/\r?\n/).length).toBeGreaterThan(rejectedTotal); // a header, and a line per row at least
      await screenshots(page, 'upload');
    }, 150_000);

    it('shows the dashboard for a filter set in the filter bar, kept in the URL, with KPI cards equal to the API', async () => {
      const token = { url: t.url, token: ADMIN };
      const choices = (await requestData(token, DashboardFiltersQuery)).dashboard;
      const region = choices.regions[0]!;
      const day = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
      const from = day(choices.dateRange!.min, 3);
      const to = day(choices.dateRange!.max, -2);

      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.getByTestId('kpis').waitFor();
      await page.getByLabel('From', { exact: true }).fill(from);
      await page.getByLabel('To', { exact: true }).fill(to);
      await page.locator('[data-filter="region"] summary').click();
      await page.getByRole('checkbox', { name: region, exact: true }).check();
      await page.locator('[data-filter="region"] summary').click();
      await expect.poll(() => new URL(page.url()).search).toBe(`?from=${from}&to=${to}&region=${encodeURIComponent(region).replace(/%20/g, '+')}`);

      const expected = (await requestData(token, DashboardQuery, { filter: { from, to, regions: [region] } })).dashboard;
      expect(expected.kpis.conversations).toBeGreaterThan(0);
      const cards = kpiCards(expected.kpis, expected.previousPeriod?.kpis);
      const card = (key: string) => page.locator(`[data-kpi="${key}"]`);
      // The cards show the filtered figures once the query for this filter has answered.
      await expect.poll(() => card('totalCost').getAttribute('data-value'), { timeout: 20_000 }).toBe(String(expected.kpis.totalCost));
      for (const expectedCard of cards) {
        expect(await card(expectedCard.key).getAttribute('data-value')).toBe(expectedCard.value === null ? '' : String(expectedCard.value));
        expect(await card(expectedCard.key).locator('.kpi-value').textContent()).toBe(expectedCard.text);
      }
      expect(await card('totalCost').locator('.kpi-value').textContent()).toBe(formatMoney(expected.kpis.totalCost));
      // The previous period: the same number of days right before `from`.
      expect(expected.previousPeriod).not.toBeNull();
      expect(await card('totalCost').locator('.kpi-change').textContent()).toContain(
        periodChange(expected.kpis.totalCost, expected.previousPeriod!.kpis.totalCost).text,
      );
      // The charts render (ECharts' SVG) for the same filter.
      await page.getByTestId('chart-trend').locator('svg').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('chart-regions').getAttribute('aria-label')).toBe(`Cost by region: ${region} ${formatMoney(expected.costByRegion[0]!.cost)}`);

      // The URL is the view: a new tab opened on it (a tab of its own, so it asks for the
      // token first, as for a colleague the link was sent to) shows the same figures.
      const shared = await admin.newPage();
      const link = new URL(page.url());
      await openWithToken(shared, link.pathname + link.search, ADMIN);
      await expect.poll(() => shared.locator('[data-kpi="conversations"]').getAttribute('data-value'), { timeout: 20_000 }).toBe(
        String(expected.kpis.conversations),
      );
      // (inside the closed "Regions" disclosure, so not in the accessibility tree)
      expect(await shared.locator(`input[name="region"][value="${region}"]`).isChecked()).toBe(true);
      await shared.close();
      await screenshots(page, 'dashboard');
    }, 120_000);

    it('lists jobs live, with cancel and retry for admins; a viewer sees no upload, cancel or budget controls', async () => {
      await page.getByRole('link', { name: 'Jobs' }).click();
      const { jobs } = await requestData({ url: t.url, token: ADMIN }, JobsQuery, { first: 5 });
      const first = jobs.edges[0]!.node;
      await page.locator(`tr[data-job="${first.id}"][data-status="${first.status}"]`).waitFor();
      await page.getByRole('columnheader', { name: 'Actions' }).waitFor();

      // With no worker, an upload made elsewhere (the API directly) stays QUEUED: it appears
      // on the open page from jobUpdated, with a Cancel button.
      await worker!.kill9();
      worker = undefined;
      const uploaded = await upload({ url: t.url, token: ADMIN }, UploadCsvMutation, {
        users: { name: 'users.csv', data: await openAsBlob(path.join(dir, 'march', 'users.csv')) },
      });
      const jobId = uploaded.data!.uploadCsv.id;
      const row = page.locator(`tr[data-job="${jobId}"]`);
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('QUEUED');
      await row.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('CANCELLED');
      await row.getByRole('button', { name: 'Retry' }).waitFor();
      await screenshots(page, 'jobs');

      // A viewer sees the same jobs, without the buttons the admin has on them.
      const viewerContext = await openContext();
      const viewer = await viewerContext.newPage();
      await openWithToken(viewer, '/jobs', VIEWER);
      await expect.poll(() => viewer.getByTestId('role').textContent()).toBe('Viewer');
      await viewer.locator(`tr[data-job="${jobId}"][data-status="CANCELLED"]`).waitFor();
      expect(await viewer.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: /^(Cancel|Retry)$/ }).count()).toBe(0);
      expect(await viewer.getByRole('link', { name: 'Upload' }).count()).toBe(0);
      await viewer.goto(`${base}/upload`);
      await viewer.getByText('Uploading data needs an admin token.').waitFor();
      expect(await viewer.getByTestId('dropzone').count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Upload' }).count()).toBe(0);
      await screenshots(viewer, 'viewer-upload');
      await viewer.goto(`${base}/budgets`);
      await viewer.getByTestId('budgets-table').waitFor();
      expect(await viewer.getByRole('button', { name: /New budget|Edit|Delete/ }).count()).toBe(0);
      await screenshots(viewer, 'viewer-budgets');
      await viewerContext.close();

      // Retry queues it again; a new worker runs it, and the row follows live to the end.
      await row.getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('QUEUED');
      worker = startWorker(t.db);
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 90_000 }).toMatch(/^COMPLETED/);
    }, 180_000);

    it('shows an alert toast when an upload crosses a budget', async () => {
      const token = { url: t.url, token: ADMIN };
      // May 2024 has no spend yet; the upload moves it past every threshold of a $1 budget.
      await requestData(token, SetBudgetMutation, { input: { scope: { kind: 'ALL' }, monthlyLimit: 1, thresholds: [50, 100] } });
      await page.getByRole('link', { name: 'Budgets' }).click();
      await page.getByTestId('budgets-table').locator('th[scope="row"]', { hasText: 'All spend' }).waitFor();
      // An admin creates a budget from the form, and edits it.
      const march = (await requestData(token, DashboardFiltersQuery)).dashboard;
      await page.getByRole('button', { name: 'New budget' }).click();
      await page.getByLabel('Scope').selectOption('REGION');
      await page.getByLabel('Region', { exact: true }).fill(march.regions[0]!);
      await page.getByLabel('Monthly limit (USD)').fill('2500');
      await page.getByLabel('Alert at (% of the limit)').fill('75, 90 %');
      await page.getByRole('button', { name: 'Save budget' }).click();
      const regionRow = page.getByTestId('budgets-table').locator('tr', { hasText: `Region ${march.regions[0]}` });
      await expect.poll(() => regionRow.locator('td').first().textContent(), { timeout: 20_000 }).toBe('$2,500.00');
      expect(await regionRow.locator('td[data-label="Alerts at"]').textContent()).toBe('75 %, 90 %');
      await regionRow.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Monthly limit (USD)').fill('3000');
      await page.getByRole('button', { name: 'Save budget' }).click();
      await expect.poll(() => regionRow.locator('td').first().textContent(), { timeout: 20_000 }).toBe('$3,000.00');

      await page.getByRole('link', { name: 'Upload' }).click();
      await dropFiles(page, await sampleFiles(path.join(dir, 'may')));
      await expect.poll(() => page.getByTestId('picked-transactions').textContent()).toMatch(/^transactions\.csv/);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      const toasts = page.getByTestId('budget-toast');
      await expect.poll(() => toasts.count(), { timeout: 90_000 }).toBe(2);
      const alerts = (await requestData(token, BudgetAlertsQuery, { first: 10 })).budgetAlerts.edges.map((edge) => edge.node);
      expect(alerts.map((alert) => [alert.month, alert.threshold]).sort()).toEqual([
        ['2024-05', 100],
        ['2024-05', 50],
      ]);
      const texts = await toasts.allTextContents();
      for (const alert of alerts) {
        expect(texts.some((text) => text.includes('All spend') && text.includes(`${alert.month}: ${formatMoney(alert.spent)} spent`))).toBe(true);
      }
      // The budget table refreshes on the alert: May's spend, over the limit.
      await page.getByRole('link', { name: 'Budgets' }).click();
      await expect.poll(() => page.getByTestId('budgets-table').locator('caption').textContent(), { timeout: 20_000 }).toBe('Spend in 2024-05');
      await page.getByTestId('alerts-list').getByText('2024-05').first().waitFor();
      await screenshots(page, 'budgets');
      // Dismissing works from the keyboard.
      await toasts.first().getByRole('button', { name: 'Dismiss alert' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => toasts.count()).toBe(1);
      expect(offsite).toEqual([]);
    }, 150_000);
  },
);
