// Not part of the suite's assertions on timing: a measurement, run on demand with
//   MEASURE_INSIGHTS=1 npx vitest run test/integration/dashboard-insights.measure.test.ts
// Latency of the full dashboard over HTTP with and without previousPeriod and
// spendAnomalies, on the property-test data (seed 1: 50 users, 300 conversations, 45
// days), result cache off (every request runs its queries), requests one at a time,
// the two queries interleaved, each with the same filters (with both dates half the time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANIES, DAYS, FIRST_DAY, MODELS, REGIONS, addDays, generateDataSet, loadDataSet, random } from '../helpers/dashboard-data.js';
import { FULL_DASHBOARD } from '../helpers/dashboard-graphql.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const REQUESTS = Number(process.env.MEASURE_INSIGHTS_REQUESTS ?? 300);
const WITHOUT_INSIGHTS = FULL_DASHBOARD.replace(/previousPeriod \{[\s\S]*?\} \}\n/, '').replace(/spendAnomalies \{[^\n]*\n/, '');

function filters(count: number): Record<string, unknown>[] {
  const rnd = random(99);
  return Array.from({ length: count }, () => {
    const from = rnd.int(-5, DAYS - 1);
    const filter: Record<string, unknown> = { from: addDays(FIRST_DAY, from), to: addDays(FIRST_DAY, rnd.int(from, DAYS + 5)) };
    if (rnd.chance(0.5)) delete filter[rnd.chance(0.5) ? 'from' : 'to'];
    if (rnd.chance(0.3)) filter.regions = [rnd.pick(REGIONS)];
    if (rnd.chance(0.3)) filter.companies = [rnd.pick(COMPANIES)];
    if (rnd.chance(0.3)) filter.models = [rnd.pick(MODELS)];
    return filter;
  });
}

const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)}, p95 ${at(0.95).toFixed(2)}, p99 ${at(0.99).toFixed(2)}`;
};

describe.runIf(process.env.MEASURE_INSIGHTS)('dashboard latency with and without the insights fields', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('dashboard_insights_measure', { DASHBOARD_CACHE_MAX_BYTES: '0' });
    await loadDataSet(app.db.pool, generateDataSet(1, { users: 50, conversations: 300 }));
  });
  afterAll(() => app?.close());

  it(`measures ${REQUESTS} requests of each`, async () => {
    const post = async (query: string, filter: Record<string, unknown>) => {
      const started = performance.now();
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { filter, granularity: 'DAY', limit: 10 } }),
      });
      const body = (await response.json()) as { errors?: unknown };
      expect(body.errors).toBeUndefined();
      return performance.now() - started;
    };
    const list = filters(REQUESTS);
    for (const filter of list.slice(0, 30)) await post(FULL_DASHBOARD, filter); // warm-up
    const times = { without: [] as number[], with: [] as number[] };
    for (const [i, filter] of list.entries()) {
      // Alternate which goes first so neither always follows the other.
      const order = i % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const);
      for (const kind of order) times[kind].push(await post(kind === 'with' ? FULL_DASHBOARD : WITHOUT_INSIGHTS, filter));
    }
    console.log(`full dashboard without previousPeriod/spendAnomalies: ${summary(times.without)}`);
    console.log(`full dashboard with    previousPeriod/spendAnomalies: ${summary(times.with)}`);
  }, 600_000);
});
