// SPEC §8 previousPeriod and spendAnomalies over planted series: spikes and dips, spikes
// inside the first 7 days (windows too short to judge), a flat series (MAD = 0: even a
// spike is no anomaly), scores exactly at the 3.5 threshold on NUMERIC sums, and filters
// by region, company and model, each compared with plain SQL over transactions plus an
// independent median/MAD (test/helpers/insights-reference.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, loadDataSet, type TransactionRow, type UserRow } from '../helpers/dashboard-data.js';
import { EMPTY_KPIS, expectSameDashboard, graphql } from '../helpers/dashboard-graphql.js';
import { referenceDashboard, type FilterInput } from '../helpers/dashboard-reference.js';
import { referenceSpendAnomalies } from '../helpers/insights-reference.js';
import { buildTestApp, type BuiltTestApp } from '../helpers/test-app.js';

type Json = Record<string, unknown>;

const START = '2025-01-01';
const DAYS = 70;
const day = (n: number) => addDays(START, n);

const user = (seq: number, region: string, company: string | null, active: boolean): UserRow => ({
  id: `00000000-0000-4000-a000-${String(seq).padStart(12, '0')}`,
  seq,
  name: `u${seq}`,
  region,
  is_active_sub: active,
  company,
});
const US_ACME = user(1, 'US', 'Acme', true);
const EU_GLOBEX = user(2, 'EU', 'Globex', true);
const JP_NONE = user(3, 'JP', null, false);

let rowNo = 0;
const tx = (owner: UserRow, model: string, n: number, cost: string): TransactionRow => ({
  row_id: `10000000-0000-4000-a000-${String(++rowNo).padStart(12, '0')}`,
  user_id: owner.id,
  user_seq: owner.seq,
  model,
  conversation_id: `20000000-0000-4000-a000-${String(rowNo).padStart(12, '0')}`,
  token_type: rowNo % 2 ? 'prompt' : 'completion',
  token_count: 100 + (rowNo % 37),
  rate_per_1k: '0.01',
  cost,
  occurred_at: `${day(n)}T12:00:00Z`,
  date: day(n),
  region: owner.region,
  company: owner.company ?? '',
  job_id: '',
});

// 'steady' (US/Acme): 10.0–11.2 a day; spikes on days 3 (window of 3 dates: not judged),
// 7 (window of exactly 7) and 40; nothing at all on day 50 (a dip to 0).
const STEADY_SPIKES = new Map([
  [3, '90'],
  [7, '95.5'],
  [40, '120.25'],
]);
// 'cycle' (EU/Globex): the 7-day pattern 99 99 100 100 100 101 101 (any 28 days: median 100,
// MAD 1), except 105.1891 on day 35 (score exactly 3.5), 105.1890 on day 42 (just under)
// and 94.8109 on day 49 (exactly −3.5). In float, (105.1891 − 100) / 1.4826 is 3.4999…
const CYCLE = ['99', '99', '100', '100', '100', '101', '101'];
const CYCLE_PLANTS = new Map([
  [35, '105.1891'],
  [42, '105.1890'],
  [49, '94.8109'],
]);
// 'flat' (JP, no company): 5.00 every day, one spike of 50 on day 45 (MAD = 0 throughout).

function plantedRows(): TransactionRow[] {
  const rows: TransactionRow[] = [];
  for (let n = 0; n < DAYS; n++) {
    if (n !== 50) rows.push(tx(US_ACME, 'steady', n, STEADY_SPIKES.get(n) ?? (10 + ((n * 7) % 13) / 10).toFixed(1)));
    if (n >= 1) rows.push(tx(EU_GLOBEX, 'cycle', n, CYCLE_PLANTS.get(n) ?? (CYCLE[n % 7] as string)));
    rows.push(tx(JP_NONE, 'flat', n, n === 45 ? '50.00' : '5.00'));
  }
  return rows;
}

const QUERY = /* GraphQL */ `
  query Insights($filter: DashboardFilter) {
    dashboard(filter: $filter) {
      kpis { totalCost conversations activeDays avgSpendPerDay avgTokensPerDay avgTokensPerConversation
             highestUsedModel leastUsedModel costliestModel modelEfficiency activeSubscriberUtilization }
      previousPeriod { from to kpis { totalCost promptTokens completionTokens totalTokens conversations activeDays
        avgSpendPerDay avgTokensPerDay avgTokensPerConversation highestUsedModel leastUsedModel costliestModel
        modelEfficiency activeSubscriberUtilization } }
      spendAnomalies { date cost baseline score direction }
    }
  }
`;

async function insights(app: BuiltTestApp, filter?: FilterInput): Promise<Json> {
  const response = await graphql<{ dashboard: Json }>(app.app, QUERY, { filter });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.dashboard as Json;
}

const anomalies = (result: Json) => result.spendAnomalies as { date: string; direction: string; score: number; cost: number; baseline: number }[];

describe('spendAnomalies and previousPeriod over planted series', () => {
  let app: BuiltTestApp;

  beforeAll(async () => {
    app = await buildTestApp('dashboard_insights');
    await loadDataSet(app.db.pool, { users: [US_ACME, EU_GLOBEX, JP_NONE], batches: [plantedRows()] });
  });
  afterAll(() => app?.close());

  it('finds the planted spikes and the dip of a series, not a spike before 7 days of history', async () => {
    const result = anomalies(await insights(app, { models: ['steady'] }));
    const dates = result.map((a) => a.date);
    expect(dates).not.toContain(day(3));
    expect(result.find((a) => a.date === day(7))).toMatchObject({ direction: 'HIGH', cost: 95.5 });
    expect(result.find((a) => a.date === day(40))).toMatchObject({ direction: 'HIGH', cost: 120.25 });
    expect(result.find((a) => a.date === day(50))).toMatchObject({ direction: 'LOW', cost: 0 });
    expectSameDashboard(result, await referenceSpendAnomalies(app.db.pool, { models: ['steady'] }));
  });

  it('decides |score| = 3.5 exactly on NUMERIC sums', async () => {
    const result = anomalies(await insights(app, { companies: ['Globex'] }));
    expect(result.map((a) => [a.date, a.direction, a.baseline, a.cost])).toEqual([
      [day(35), 'HIGH', 100, 105.1891],
      [day(49), 'LOW', 100, 94.8109],
    ]);
    expect(result[0]?.score).toBeCloseTo(3.5, 9);
    expect(result[1]?.score).toBeCloseTo(-3.5, 9);
  });

  it('finds nothing in a flat series (MAD = 0), even around a spike', async () => {
    expect(anomalies(await insights(app, { models: ['flat'] }))).toEqual([]);
    expect(anomalies(await insights(app, { regions: ['JP'] }))).toEqual([]);
  });

  it('judges only dates in [from, to], with windows reaching back before from', async () => {
    const result = anomalies(await insights(app, { from: day(40), to: day(49), models: ['steady', 'cycle'] }));
    expectSameDashboard(result, await referenceSpendAnomalies(app.db.pool, { from: day(40), to: day(49), models: ['steady', 'cycle'] }));
    expect(result.every((a) => a.date >= day(40) && a.date <= day(49))).toBe(true);
    expect(result.length).toBeGreaterThan(0);
  });

  it('equals the reference for filters by region, company and model, and for dates past the data', async () => {
    const filters: FilterInput[] = [
      {},
      { regions: ['US'] },
      { regions: ['US', 'EU'] },
      { regions: ['EU', 'JP'] },
      { companies: ['Acme'] },
      { companies: ['Acme', 'Globex'] },
      { models: ['steady', 'flat'] },
      { regions: ['US'], models: ['steady'] },
      { companies: ['Globex'], models: ['cycle', 'steady'] },
      { regions: ['EU'], companies: ['Globex'], models: ['cycle'] },
      { from: addDays(START, -10), to: day(12) },
      { from: day(60), to: day(DAYS + 40) },
      { to: day(5) },
      { models: ['no-model'] },
    ];
    let found = 0;
    for (const filter of filters) {
      const result = anomalies(await insights(app, filter));
      expectSameDashboard(result, await referenceSpendAnomalies(app.db.pool, filter), `spendAnomalies(${JSON.stringify(filter)})`);
      found += result.length;
    }
    expect(found).toBeGreaterThan(10);
  });

  it('compares with the N days before from, for several filters', async () => {
    const cases: [FilterInput, string, string][] = [
      [{ from: day(30), to: day(39) }, day(20), day(29)],
      [{ from: day(30), to: day(30), regions: ['EU'] }, day(29), day(29)],
      [{ from: day(35), to: day(63), companies: ['Acme'], models: ['steady'] }, day(6), day(34)],
      [{ from: day(5), to: day(14), models: ['flat', 'cycle'] }, addDays(START, -5), day(4)],
    ];
    for (const [filter, from, to] of cases) {
      const result = await insights(app, filter);
      expect(result.previousPeriod).toMatchObject({ from, to });
      const expected = await referenceDashboard(app.db.pool, { ...filter, from, to }, 'DAY', 10, false);
      expectSameDashboard((result.previousPeriod as Json).kpis, expected.kpis, `previousPeriod(${JSON.stringify(filter)})`);
      expect(((result.previousPeriod as Json).kpis as Json).conversations).toBeGreaterThan(0);
    }
  });

  it('gives the kpis of an empty set for a period before any data (month and leap-day boundaries)', async () => {
    const result = await insights(app, { from: '2024-03-01', to: '2024-03-31' });
    expect(result.previousPeriod).toEqual({
      from: '2024-01-30',
      to: '2024-02-29',
      // Two active subscribers exist; none transacted in the period.
      kpis: { ...EMPTY_KPIS, activeSubscriberUtilization: 0 },
    });
    const none = await insights(app, { from: '2024-03-01', to: '2024-03-31', regions: ['JP'] });
    // JP's only user is not an active subscriber: the ratio's denominator is 0.
    expect(((none.previousPeriod as Json).kpis as Json).activeSubscriberUtilization).toBeNull();
  });

  it('answers the widest dates: previousPeriod refused by name (it would start before 0001-01-01), anomalies as for the data', async () => {
    const widest = { from: '0001-01-01', to: '9999-12-31' };
    const response = await graphql<{ dashboard: Json }>(app.app, QUERY, { filter: widest });
    expect(response.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.argument])).toEqual([
      ['dashboard.previousPeriod', 'BAD_USER_INPUT', 'filter.from'],
    ]);
    expect(response.data?.dashboard.previousPeriod).toBeNull();
    expectSameDashboard(response.data?.dashboard.spendAnomalies, await referenceSpendAnomalies(app.db.pool, { to: day(DAYS + 40) }));
    // The earliest from that still has a previous period: one day before it is 0001-01-01.
    const earliest = await insights(app, { from: '0001-01-02', to: '0001-01-02' });
    expect(earliest.previousPeriod).toMatchObject({ from: '0001-01-01', to: '0001-01-01', kpis: { conversations: 0 } });
  });

  it('is null unless the filter has both from and to', async () => {
    for (const filter of [undefined, {}, { from: day(10) }, { to: day(10) }, { regions: ['US'], to: day(20) }]) {
      expect((await insights(app, filter)).previousPeriod, JSON.stringify(filter)).toBeNull();
    }
  });
});
