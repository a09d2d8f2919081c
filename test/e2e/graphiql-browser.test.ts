// GraphiQL as a person meets it: Debian's Chromium, driven by playwright-core, against a
// real development server with auth on, and no network beyond 127.0.0.1. The page must
// render from our own install (no CDN), take a token in its headers pane, and run a
// query and a subscription (during a real upload, ingested by a real worker) with it.
import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestData, upload } from '../../src/client/http.js';
import { DemoKpisQuery } from '../../src/client/operations/demo.js';
import { UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { CHROMIUM, chromiumMissing, launchChromium, offlineContext } from '../helpers/browser.js';
import { ROOT, startWorker, until, type Proc } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ARTIFACTS = path.join(ROOT, 'test/artifacts');

const ADMIN = 'adm-5e1d7c3a9b0f2e84';
const VIEWER = 'vwr-8c2a4e6f1d3b5a70';

let t: TestApp;
let browser: Browser;
let page: Page;
let dir: string;
let worker: Proc | undefined;

describe.skipIf(chromiumMissing)(
  chromiumMissing ? `GraphiQL in Chromium (SKIPPED: ${CHROMIUM} is not installed; apt-get install -y chromium)` : 'GraphiQL in Chromium',
  () => {
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'bi-graphiql-'));
      await generateSample({ users: 200, transactions: 20_000, days: 10, seed: 11, dirty: 0, out: dir });
      t = await startTestApp('graphiql_browser', { NODE_ENV: 'development', AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` });
      browser = await launchChromium();
      const context = await offlineContext(browser, { viewport: { width: 1600, height: 1400 } });
      page = await context.newPage();
    });

    /** A Monaco editor's text as shown (its rendered lines, in screen order). */
    function editorText(editor: Locator): Promise<string> {
      return editor.locator('.view-lines').evaluate((lines) =>
        [...lines.querySelectorAll<HTMLElement>('.view-line')]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
          .join('\n'),
      );
    }

    const responseText = () => editorText(page.locator('.graphiql-response'));

    /** Types into the variables or headers pane as a person pastes: replaces its whole text. */
    async function fillEditorTool(tool: 'variables' | 'headers', text: string): Promise<void> {
      await page.locator(`.graphiql-editor-tools button[data-name="${tool}"]`).click();
      const editor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(text);
      expect(await editorText(editor)).toBe(text);
    }

    /** ▶, then the operation's name in the menu GraphiQL opens for a document of several. */
    async function runOperation(name: string): Promise<void> {
      await page.locator('.graphiql-execute-button').click();
      await page.getByRole('menuitem', { name, exact: true }).click();
    }

    afterAll(async () => {
      await browser?.close();
      if (worker) await worker.kill9();
      await t?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('renders offline from our own install, opening with our example operations', async () => {
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(t.url);
      await page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: 30_000 });
      const query = await editorText(page.locator('.graphiql-query-editor'));
      expect(query).toContain('query RecentJobs');
      expect(query).toContain('query Dashboard');
      expect(query).toContain('subscription JobProgress($jobId: ID!)');
      // Nothing was asked of another host (a CDN asset would be aborted, and listed here).
      expect(failed).toEqual([]);
    });

    it("takes a token in its headers pane, and shows a jobProgress subscription's events during an upload", async () => {
      // Without a token: the server's 401 is what GraphiQL shows.
      await runOperation('RecentJobs');
      await until(responseText, (value) => value.includes('UNAUTHENTICATED'), 'UNAUTHENTICATED in the response pane', 20_000);

      // The test's own HTTP client uploads; no worker runs yet, so the job waits QUEUED.
      const response = await upload({ url: t.url, token: ADMIN }, UploadCsvMutation, {
        users: { name: 'users.csv', data: await openAsBlob(path.join(dir, 'users.csv')) },
        transactions: { name: 'transactions.csv', data: await openAsBlob(path.join(dir, 'transactions.csv')) },
      });
      expect(response.errors).toBeUndefined();
      const jobId = response.data!.uploadCsv.id;

      // What a person does: paste the token as a header once, the job id as a variable.
      await fillEditorTool('headers', JSON.stringify({ Authorization: `Bearer ${VIEWER}` }));
      await fillEditorTool('variables', JSON.stringify({ jobId }));
      // The schema, refused at page load without a token, now loads: docs and completion.
      await page.getByRole('button', { name: /Re-fetch GraphQL schema/ }).click();
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await page.locator('.graphiql-doc-explorer').getByText('JobProgress', { exact: true }).first().waitFor({ timeout: 20_000 });
      const eventStreams: Request[] = [];
      page.on('request', (request) => {
        if (request.headers()['accept']?.includes('text/event-stream')) eventStreams.push(request);
      });
      await runOperation('JobProgress');
      // The subscription's first event: the job as it is now.
      await until(responseText, (value) => value.includes('"QUEUED"'), 'the QUEUED event in the response pane', 20_000);
      // Carried over SSE on /graphql, with the headers pane's token.
      expect(eventStreams.map((request) => [new URL(request.url()).pathname, request.headers()['authorization']])).toEqual([
        ['/graphql', `Bearer ${VIEWER}`],
      ]);

      // A real worker picks the job up; its events reach the open subscription.
      worker = startWorker(t.db);
      const seen: string[] = [];
      const final = await until(
        async () => {
          const text = await responseText();
          const status = /"status": "(\w+)"/.exec(text)?.[1];
          if (status && seen.at(-1) !== status) seen.push(status);
          return text;
        },
        (text) => text.includes('"COMPLETED"'),
        'the COMPLETED event in the response pane',
        60_000,
        50,
        () => worker?.output() ?? '',
      );
      expect(JSON.parse(final)).toMatchObject({
        data: { jobProgress: { status: 'COMPLETED', processedRows: 20_200, totalRows: 20_200, percent: 100 } },
      });
      expect(seen[0]).toBe('QUEUED');
      console.info(`statuses seen in the response pane: ${seen.join(' → ')}`);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql-subscription.png') });
    });

    it('shows the ingested data for a dashboard query, with the same token', async () => {
      const expected = await requestData({ url: t.url, token: ADMIN }, DemoKpisQuery);
      await runOperation('Dashboard');
      const text = await until(responseText, (value) => value.includes('"kpis"'), 'the dashboard in the response pane', 20_000);
      // The pane renders only the lines in view (long responses are cut): read the KPIs,
      // which come first, field by field.
      const shown = (field: string) => new RegExp(`"${field}": ("[^"]*"|[\\d.]+)`).exec(text)?.[1];
      expect(text).not.toContain('"errors"');
      expect(shown('totalCost')).toBe(JSON.stringify(expected.dashboard.kpis.totalCost));
      expect(shown('conversations')).toBe(JSON.stringify(expected.dashboard.kpis.conversations));
      expect(expected.dashboard.kpis.conversations).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'graphiql-dashboard.png') });
    });
  },
);
