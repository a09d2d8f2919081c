// `npm run bench:console [-- --size 1000000 --runs 5 --reuse]`: the web console's bundle
// size, and the first load of its dashboard screen in Debian's Chromium against a real API
// on a database of `size` generated transactions (bench/dashboard-data.ts): navigation start
// → the KPI cards rendered, and → the charts drawn. Each run is a new browser context (no
// HTTP cache, no session), as a first visit is. The API runs with its dashboard result
// cache off, so every load computes the dashboard from the aggregate tables (the slowest
// case; with the cache a repeat of the same filter is cheaper). Auth off, so no token page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ensureWebBuild, WEB_DIST } from '../scripts/web-ensure.js';
import { databaseExists, existingData, freshData } from './dashboard-data.js';
import { benchArgs, benchDatabaseUrl, deleteRedisKeys, freePort, machine, percentile, spawnEntry, waitFor, writeResultsSection } from './lib.js';

const args = benchArgs();
const size = Number(args.size ?? 1_000_000);
const runs = Number(args.runs ?? 5);
const CHROMIUM = '/usr/bin/chromium';

interface Asset {
  file: string;
  raw: number;
  gzip: number;
}

function bundle(): Asset[] {
  const files = ['index.html', ...readdirSync(path.join(WEB_DIST, 'assets')).map((file) => `assets/${file}`)];
  return files.map((file) => {
    const bytes = readFileSync(path.join(WEB_DIST, file));
    return { file, raw: statSync(path.join(WEB_DIST, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  ensureWebBuild();
  const assets = bundle();
  const database = `bi_bench_console_${size}`;
  const url = benchDatabaseUrl(database);
  const data = 'reuse' in args && (await databaseExists(database)) ? await existingData(url) : await freshData(url, size);
  console.log(`${data.rows} rows in ${database}`);

  const port = await freePort();
  const prefix = `bench-console-${process.pid}`;
  const api = spawnEntry('src/main.ts', { DATABASE_URL: url, REDIS_PREFIX: prefix, PORT: String(port), DASHBOARD_CACHE_MAX_BYTES: '0' });
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const loads: Array<{ kpis: number; charts: number }> = [];
  try {
    await waitFor(async () => (await fetch(`${base}/ready`)).ok, 60_000, 'the API');
    for (let run = 0; run <= runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort('internetdisconnected'));
      const page = await context.newPage();
      // Times from navigation start (performance.now()'s origin), taken inside the page
      // when the cards and the first chart's SVG appear.
      await page.addInitScript(() => {
        const marks: Record<string, number> = {};
        (window as unknown as { consoleMarks: typeof marks }).consoleMarks = marks;
        new MutationObserver(() => {
          if (!marks.kpis && document.querySelector('[data-kpi="totalCost"]')) marks.kpis = performance.now();
          if (!marks.charts && document.querySelector('[data-testid="chart-trend"] svg path')) marks.charts = performance.now();
        }).observe(document, { subtree: true, childList: true });
      });
      await page.goto(`${base}/dashboard`);
      await page.waitForFunction(() => (window as unknown as { consoleMarks: Record<string, number> }).consoleMarks.charts, undefined, { timeout: 60_000 });
      const marks = await page.evaluate(() => (window as unknown as { consoleMarks: { kpis: number; charts: number } }).consoleMarks);
      await context.close();
      // Run 0 warms the API process (JIT, connections) and the OS page cache; not counted.
      if (run > 0) loads.push(marks);
      console.log(`run ${run}: KPI cards at ${marks.kpis.toFixed(0)} ms, charts at ${marks.charts.toFixed(0)} ms${run === 0 ? ' (warm-up)' : ''}`);
    }
  } finally {
    await browser.close();
    api.kill('SIGTERM');
    await deleteRedisKeys(prefix);
  }

  const sorted = (key: 'kpis' | 'charts') => loads.map((load) => load[key]).sort((a, b) => a - b);
  const row = (key: 'kpis' | 'charts') => `${percentile(sorted(key), 50).toFixed(0)} ms | ${Math.max(...sorted(key)).toFixed(0)} ms`;
  const total = assets.reduce((sum, asset) => ({ raw: sum.raw + asset.raw, gzip: sum.gzip + asset.gzip }), { raw: 0, gzip: 0 });
  const [load1] = os.loadavg();
  const body = `
Command: \`npm run bench:console -- --size ${size} --runs ${runs}${'reuse' in args ? ' --reuse' : ''}\`. Machine: ${machine()}, Chromium
(Debian) headless via playwright-core; load average (1 min) at the end: ${load1!.toFixed(1)}.

**Bundle** (web/dist, \`npm run build:web\`; gzip at level 9):

| file | raw | gzip |
|---|---:|---:|
${assets.map((asset) => `| ${asset.file.replace(/-[\w-]{8}\./, '-[hash].')} | ${kb(asset.raw)} | ${kb(asset.gzip)} |`).join('\n')}
| **total** | **${kb(total.raw)}** | **${kb(total.gzip)}** |

The charts chunk (ECharts: \`echarts/core\` with the line, bar and scatter charts, grid, tooltip,
legend and the SVG renderer only) loads after the KPI cards render, so the cards wait only for
the main chunk (React, urql + graphcache, graphql-ws, the screens).

**First load of the dashboard** at ${data.rows.toLocaleString('en-US')} rows (all data, no filter; a new browser context per run,
so nothing cached; the API's dashboard cache off, so each load computes the dashboard; ${runs} runs after one warm-up):

| from navigation start to | median | max |
|---|---:|---:|
| KPI cards rendered | ${row('kpis')} |
| charts drawn | ${row('charts')} |
`;
  await writeResultsSection('Web console', body);
  console.log(body);
}

await main();
