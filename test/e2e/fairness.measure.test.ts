// Not part of the suite's assertions on timing: a measurement, run on demand with
//   MEASURE_FAIRNESS=1 npx vitest run test/e2e/fairness.measure.test.ts
// (MEASURE_FAIRNESS_LIMITS=1000,4 by default: the per-client limits to compare; 1000 = off.)
// Client B's latency (sequential small dashboard queries) while client A keeps 16
// alias-heavy dashboard queries in flight, with the per-client limit off and on. Every
// query uses filters not seen before, so the dashboard cache does not answer them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANIES, DAYS, FIRST_DAY, addDays, generateDataSet, loadDataSet } from '../helpers/dashboard-data.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const A = 'fair-a-0d1c', B = 'fair-b-77e2';
const B_REQUESTS = 60;
let db: TestDatabase;

/** Distinct filters: every date range of the data set × every company. */
function* filters() {
  for (let round = 0; ; round++)
    for (let from = 0; from < DAYS; from++)
      for (let to = from; to < DAYS; to++)
        yield { from: addDays(FIRST_DAY, from), to: addDays(FIRST_DAY, to), companies: [COMPANIES[round % COMPANIES.length]!] };
}

const aliasHeavy = (fresh: Generator<Record<string, unknown>>) => {
  const aliases = Array.from({ length: 15 }, (_, i) => `d${i}: dashboard(filter: $f${i}) {
    kpis { totalCost conversations activeDays avgTokensPerConversation highestUsedModel }
    spendTrend(granularity: WEEK) { bucketStart cost totalTokens conversations activeUsers }
    costByModel { model cost conversations efficiency } costByRegion { region cost activeUsers } }`);
  const variables = Object.fromEntries(aliases.map((_, i) => [`f${i}`, fresh.next().value]));
  const signature = aliases.map((_, i) => `$f${i}: DashboardFilter`).join(', ');
  return { query: `query (${signature}) { ${aliases.join(' ')} }`, variables };
};

async function post(url: string, token: string, body: unknown) {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = (await response.json()) as { errors?: unknown[] };
  return { ms: performance.now() - started, status: response.status, errors: json.errors };
}

const percentile = (values: number[], p: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

async function measure(app: TestApp, fresh: Generator<Record<string, unknown>>, loaded: boolean) {
  let stop = false;
  const aStats = { done: 0, refused: 0 };
  const burst = async () => {
    while (!stop) {
      const result = await post(app.url, A, aliasHeavy(fresh));
      if (result.status === 429) aStats.refused++;
      else expect(result.errors).toBeUndefined();
      aStats.done++;
    }
  };
  const workers = loaded ? Array.from({ length: 16 }, burst) : [];
  if (loaded) await new Promise((resolve) => setTimeout(resolve, 500));
  const latencies: number[] = [];
  for (let i = 0; i < B_REQUESTS; i++) {
    const result = await post(app.url, B, { query: 'query ($f: DashboardFilter) { dashboard(filter: $f) { kpis { totalCost conversations } } }', variables: { f: fresh.next().value } });
    expect(result.errors).toBeUndefined();
    latencies.push(result.ms);
  }
  stop = true;
  await Promise.all(workers);
  return { median: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), aDone: aStats.done, aRefused: aStats.refused };
}

describe.runIf(process.env.MEASURE_FAIRNESS)('fairness measurement', () => {
  beforeAll(async () => {
    db = await createTestDatabase('fairness_measure');
    await loadDataSet(db.pool, generateDataSet(7, { users: 3000, conversations: 40_000 }));
  }, 600_000);
  afterAll(() => db?.drop());

  for (const perClient of (process.env.MEASURE_FAIRNESS_LIMITS ?? '1000,4').split(',')) {
    const label = perClient === '1000' ? 'limit off' : `limit ${perClient}`;
    it(label, async () => {
      const app = await startTestApp('fairness_measure', { AUTH_TOKENS: `${A}:viewer,${B}:viewer`, MAX_CONCURRENT_OPERATIONS_PER_CLIENT: perClient }, db);
      try {
        const fresh = filters();
        const idle = await measure(app, fresh, false);
        const busy = await measure(app, fresh, true);
        console.info(`${label}: B alone median ${idle.median} ms p95 ${idle.p95} ms; B while A fires 16 in parallel: median ${busy.median} ms p95 ${busy.p95} ms (A completed ${busy.aDone}, refused ${busy.aRefused})`);
      } finally {
        await app.close();
      }
    }, 600_000);
  }
});
