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
import { launchChromium, offlineContext } from '../test/helpers/browser.js';
import { ensureWebBuild, WEB_DIST } from '../scripts/web-ensure.js';
import { databaseExists, existingData, freshData } from './dashboard-data.js';
import { benchArgs, benchDatabaseUrl, deleteRedisKeys, freePort, machine, percentile, spawnEntry, waitFor, writeResultsSection } from './lib.js';

const args = benchArgs();
const size = Number(args.size ?? 1_000_000);
const runs = Number(args.runs ?? 5);

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
  const loadBefore = os.loadavg()[0]!;
  const api = spawnEntry('src/main.ts', { DATABASE_URL: url, REDIS_PREFIX: prefix, PORT: String(port), DASHBOARD_CACHE_MAX_BYTES: '0' });
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  const loads: Array<Record<'kpis' | 'charts' | 'script' | 'started' | 'firstQuery' | 'lastAnswer', number>> = [];
  try {
    await waitFor(async () => (await fetch(`${base}/ready`)).ok, 60_000, 'the API');
    for (let run = 0; run <= runs; run++) {
      const context = await offlineContext(browser, { viewport: { width: 1280, height: 900 } });
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
      const marks = await page.evaluate(() => {
        const { kpis, charts } = (window as unknown as { consoleMarks: { kpis: number; charts: number } }).consoleMarks;
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const script = resources.find((entry) => /\/assets\/index-[\w-]+\.js$/.test(entry.name));
        const queries = resources.filter((entry) => entry.name.includes('/graphql') && entry.startTime < kpis);
        return {
          kpis,
          charts,
          // Where the time to the cards goes: the page and its main chunk arrive, the app
          // starts and sends its first queries, their answers come back.
          script: script?.responseEnd ?? NaN,
          started: performance.getEntriesByName('console-start')[0]?.startTime ?? NaN,
          firstQuery: Math.min(...queries.map((entry) => entry.startTime)),
          lastAnswer: Math.max(...queries.map((entry) => entry.responseEnd)),
        };
      });
      await context.close();
      // Run 0 warms the API process (JIT, connections) and the OS page cache; not counted.
      if (run > 0) loads.push(marks);
      console.log(
        `run ${run}: main chunk at ${marks.script.toFixed(0)} ms, evaluated at ${marks.started.toFixed(0)} ms, first query sent at ${marks.firstQuery.toFixed(0)} ms, ` +
          `answers by ${marks.lastAnswer.toFixed(0)} ms, KPI cards at ${marks.kpis.toFixed(0)} ms, charts at ${marks.charts.toFixed(0)} ms${run === 0 ? ' (warm-up)' : ''}`,
      );
    }
  } finally {
    await browser.close();
    api.kill('SIGTERM');
    await deleteRedisKeys(prefix);
  }

  type Mark = keyof (typeof loads)[number];
  const sorted = (key: Mark) => loads.map((load) => load[key]).sort((a, b) => a - b);
  const row = (key: Mark) => `${percentile(sorted(key), 50).toFixed(0)} ms | ${Math.max(...sorted(key)).toFixed(0)} ms`;
  const total = assets.reduce((sum, asset) => ({ raw: sum.raw + asset.raw, gzip: sum.gzip + asset.gzip }), { raw: 0, gzip: 0 });
  const [load1] = os.loadavg();
  const body = `
Command: \`npm run bench:console -- --size ${size} --runs ${runs}${'reuse' in args ? ' --reuse' : ''}\`. Machine: ${machine()}, Chromium
(Debian) headless via playwright-core; load average (1 min, 2 cores shared with other work): ${loadBefore.toFixed(1)} at the start, ${load1!.toFixed(1)} at the end.

**Bundle** (web/dist, \`npm run build:web\`; gzip at level 9):

| file | raw | gzip |
|---|---:|---:|
${assets.map((asset) => `| ${asset.file.replace(/-[\w-]{8}\./, '-[hash].')} | ${kb(asset.raw)} | ${kb(asset.gzip)} |`).join('\n')}
| **total** | **${kb(total.raw)}** | **${kb(total.gzip)}** |

Why ECharts: one well-kept library (Apache) draws every chart the dashboard needs (lines
with marked points for the unusual days, horizontal and stacked bars, tooltips, legends,
resizing) with its own layout of axes and labels, so the console has no chart code of its
own; it is modular (\`echarts/core\` + \`echarts.use([...])\`, only what is used is bundled)
and renders to SVG. uPlot is far smaller (~50 KiB) but draws time series only (the bars would
be ours to write); Observable Plot needs d3 (~200 KiB+) and rebuilds the SVG on every change.
The cost is the charts chunk (\`echarts/core\` with the line, bar and scatter charts, grid,
tooltip, legend and the SVG renderer only), which loads after the KPI cards render: the cards
wait only for the main chunk (React, urql + graphcache, graphql-ws, the screens).

**First load of the dashboard** at ${data.rows.toLocaleString('en-US')} rows (all data, no filter; a new browser context per run,
so nothing cached; the API's dashboard cache off, so each load computes the dashboard; ${runs} runs after one warm-up):

| from navigation start to | median | max |
|---|---:|---:|
| the main chunk downloaded | ${row('script')} |
| the main chunk evaluated (React starts) | ${row('started')} |
| the first GraphQL query sent | ${row('firstQuery')} |
| the queries before the cards answered | ${row('lastAnswer')} |
| **KPI cards rendered** | **${row('kpis')}** |
| charts drawn | ${row('charts')} |

Goal (KPI cards ≤ 1 s): ${percentile(sorted('kpis'), 50) <= 1000 ? 'met' : 'not met'} in this run. The API's part is the gap between
sending the queries and their answers (the cards' query and the role and filter-bar queries beside it; the
charts' query is sent once the cards have theirs); the rest is the browser loading and starting the app,
which a loaded machine slows most.
`;
  await writeResultsSection('Web console', body);
  console.log(body);
}

await main();
