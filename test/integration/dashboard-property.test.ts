// Property test: for generated data sets (several seeds, each loaded in two jobs through
// the real refreshAggregates) and many random filters, every field of `dashboard`, run
// through the app's GraphQL endpoint, equals plain SQL over transactions and users
// (previousPeriod and spendAnomalies included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPANIES,
  DAYS,
  FIRST_DAY,
  MODELS,
  RARE_MODEL,
  REGIONS,
  addDays,
  generateDataSet,
  loadDataSet,
  random,
  type Random,
} from '../helpers/dashboard-data.js';
import { FULL_DASHBOARD, expectSameDashboard, graphql } from '../helpers/dashboard-graphql.js';
import { referenceDashboard, type FilterInput, type Granularity } from '../helpers/dashboard-reference.js';
import { buildTestApp, type BuiltTestApp } from '../helpers/test-app.js';

const SEEDS = [1, 7, 42];
const FILTERS_PER_SEED = 40;
const GRANULARITIES: Granularity[] = ['DAY', 'WEEK', 'MONTH'];

function subset(rnd: Random, values: readonly string[], unknown: string): string[] | undefined {
  if (rnd.chance(0.45)) return undefined;
  if (rnd.chance(0.1)) return [];
  const picked = values.filter(() => rnd.chance(0.4));
  if (rnd.chance(0.15)) picked.push(unknown);
  return picked;
}

function randomFilter(rnd: Random): FilterInput | undefined {
  if (rnd.chance(0.08)) return undefined;
  const filter: FilterInput = {};
  // Dates from a little before to a little after the data, sometimes one day only.
  const day = () => addDays(FIRST_DAY, rnd.int(-5, DAYS + 5));
  if (rnd.chance(0.6)) filter.from = day();
  if (rnd.chance(0.6)) filter.to = rnd.chance(0.15) && filter.from ? filter.from : day();
  if (filter.from && filter.to && filter.from > filter.to) [filter.from, filter.to] = [filter.to, filter.from];
  filter.regions = subset(rnd, REGIONS, 'XX');
  filter.companies = subset(rnd, COMPANIES, 'No Such Co');
  filter.models = subset(rnd, [...MODELS, RARE_MODEL], 'no-model');
  return filter;
}

describe.each(SEEDS)('dashboard equals plain SQL over transactions (seed %i)', (seed) => {
  let app: BuiltTestApp;

  beforeAll(async () => {
    app = await buildTestApp(`dashboard_prop_${seed}`);
    await loadDataSet(app.db.pool, generateDataSet(seed, { users: 50, conversations: 300 }));
  });
  afterAll(() => app?.close());

  it('holds conversations that span days and models (the data exercises exact distinct counts)', async () => {
    const { rows } = await app.db.pool.query<{ spanning: number }>(
      `SELECT count(*)::int AS spanning FROM (SELECT conversation_id FROM transactions
         GROUP BY 1 HAVING count(DISTINCT (date, model)) > 1) s`,
    );
    expect(rows[0]?.spanning).toBeGreaterThan(20);
  });

  it(`matches for ${FILTERS_PER_SEED} random filters`, async () => {
    const rnd = random(seed * 1000 + 17);
    let nonEmpty = 0;
    let anomalies = 0;
    let previousNonEmpty = 0;
    for (let i = 0; i < FILTERS_PER_SEED; i++) {
      const filter = randomFilter(rnd);
      const granularity = rnd.pick(GRANULARITIES);
      const limit = rnd.pick([1, 3, 10, 100]);
      const response = await graphql<{ dashboard: Record<string, unknown> }>(app.app, FULL_DASHBOARD, {
        filter,
        granularity,
        limit,
      });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      const expected = await referenceDashboard(app.db.pool, filter ?? {}, granularity, limit);
      expectSameDashboard(response.data?.dashboard, expected, `dashboard(${JSON.stringify(filter)}, ${granularity})`);
      if ((expected.kpis as { conversations: number }).conversations > 0) nonEmpty++;
      anomalies += (expected.spendAnomalies as unknown[]).length;
      if ((expected.previousPeriod as { kpis: { conversations: number } } | null)?.kpis.conversations) previousNonEmpty++;
    }
    // The random filters must mostly select something, or the comparison proves little.
    expect(nonEmpty).toBeGreaterThan(FILTERS_PER_SEED / 2);
    expect(anomalies).toBeGreaterThan(0);
    expect(previousNonEmpty).toBeGreaterThan(0);
  });
});
