// Dashboard edge cases: empty database, filters matching nothing, single day, ranges
// outside the data, a model with one conversation, ties (on exact NUMERIC sums),
// token totals beyond 2^31, validation errors, freshness/caching, and proof that the
// resolvers never read `transactions` and that each field runs only its own queries.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIRST_DAY,
  RARE_MODEL,
  generateDataSet,
  loadDataSet,
  loadTransactions,
  type TransactionRow,
  type UserRow,
} from '../helpers/dashboard-data.js';
import { EMPTY_KPIS, FULL_DASHBOARD, expectSameDashboard, graphql } from '../helpers/dashboard-graphql.js';
import { referenceDashboard } from '../helpers/dashboard-reference.js';
import { buildTestApp, type BuiltTestApp } from '../helpers/test-app.js';

type Json = Record<string, unknown>;

async function dashboard(app: BuiltTestApp, variables: Json = {}, query = FULL_DASHBOARD): Promise<Json> {
  const response = await graphql<{ dashboard: Json }>(app.app, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.dashboard as Json;
}

/**
 * Records the text of every statement any pg client of this process sends (pool.query and
 * checked-out clients alike), while the API answers.
 */
/** Every statement sent (a request's batch sends several in one text, joined by ';\n') and the round trips. */
function captureSql(): { statements: string[]; roundTrips: string[]; stop(): void } {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const statements: string[] = [];
  const roundTrips: string[] = [];
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : String((first as { text?: unknown }).text);
    roundTrips.push(text);
    statements.push(...text.split(';\n'));
    return original.apply(this, args);
  };
  return {
    statements,
    roundTrips,
    stop: () => {
      prototype.query = original;
    },
  };
}


describe('dashboard on an empty database', () => {
  let app: BuiltTestApp;
  beforeAll(async () => {
    app = await buildTestApp('dashboard_empty');
  });
  afterAll(() => app?.close());

  it('answers zeros, nulls and empty lists', async () => {
    const result = await dashboard(app, { granularity: 'MONTH' });
    expect(result).toEqual({
      kpis: { ...EMPTY_KPIS, activeSubscriberUtilization: null },
      spendTrend: [],
      costByModel: [],
      costByRegion: [],
      topCompanies: [],
      subscribers: [],
      dateRange: null,
      regions: [],
      companies: [],
      models: [],
      meta: { asOf: null, lastJobId: null },
      previousPeriod: null,
      spendAnomalies: [],
    });
  });
});

describe('dashboard edge cases over generated data', () => {
  let app: BuiltTestApp;
  let lastJobId = '';

  beforeAll(async () => {
    app = await buildTestApp('dashboard_edge');
    await loadDataSet(app.db.pool, generateDataSet(3, { users: 40, conversations: 200 }));
    const { rows } = await app.db.pool.query<{ id: string }>('SELECT last_job_id::text AS id FROM data_version');
    lastJobId = rows[0]?.id ?? '';
  });
  afterAll(() => app?.close());

  it('reports freshness', async () => {
    const result = await dashboard(app, {}, '{ dashboard { meta { asOf lastJobId } } }');
    expect(result.meta).toMatchObject({ lastJobId });
    expect(Date.parse((result.meta as { asOf: string }).asOf)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('matches nothing for unknown values, keeping subscribers of the matching users', async () => {
    for (const filter of [{ regions: ['XX'] }, { companies: ['No Such Co'] }, { models: ['no-model'] }]) {
      const result = await dashboard(app, { filter });
      expect(result.kpis).toMatchObject(EMPTY_KPIS);
      expect(result.spendTrend).toEqual([]);
      expect(result.costByModel).toEqual([]);
      expect(result.costByRegion).toEqual([]);
      expect(result.topCompanies).toEqual([]);
      expectSameDashboard(result, await referenceDashboard(app.db.pool, filter, 'DAY', 10));
    }
    // Models do not narrow users: every active subscriber is counted, none engaged.
    const byModel = await dashboard(app, { filter: { models: ['no-model'] } });
    const subscribers = byModel.subscribers as { active: number; engaged: number }[];
    expect(subscribers.length).toBeGreaterThan(0);
    expect(subscribers.every((row) => row.engaged === 0)).toBe(true);
    expect((byModel.kpis as Json).activeSubscriberUtilization).toBe(0);
  });

  it('answers a single day and ranges outside the data', async () => {
    const single = { from: '2025-02-03', to: '2025-02-03' };
    for (const granularity of ['DAY', 'WEEK', 'MONTH'] as const) {
      const result = await dashboard(app, { filter: single, granularity });
      expect((result.kpis as Json).activeDays).toBe(1);
      expect(result.spendTrend as unknown[]).toHaveLength(1);
      expectSameDashboard(result, await referenceDashboard(app.db.pool, single, granularity, 10));
    }
    for (const outside of [{ to: '2020-01-01' }, { from: '2030-01-01' }, { from: '2024-01-01', to: '2024-12-31' }]) {
      const result = await dashboard(app, { filter: outside });
      expect(result.kpis).toMatchObject(EMPTY_KPIS);
      expect(result.dateRange).toEqual({ min: FIRST_DAY, max: expect.any(String) });
    }
  });

  it('finds a model used by exactly one conversation', async () => {
    const result = await dashboard(app, { filter: { models: [RARE_MODEL] } });
    expect(result.kpis).toMatchObject({
      conversations: 1,
      highestUsedModel: RARE_MODEL,
      leastUsedModel: RARE_MODEL,
      costliestModel: RARE_MODEL,
    });
    expect((result.costByModel as Json[]).map((row) => [row.model, row.conversations])).toEqual([[RARE_MODEL, 1]]);
    // Unfiltered, it is the least used model (every other model has more conversations).
    const all = await dashboard(app, {}, '{ dashboard { kpis { leastUsedModel } } }');
    expect(all.kpis).toEqual({ leastUsedModel: RARE_MODEL });
  });

  it('serves new data after a refresh (no stale cache) and repeats from cache otherwise', async () => {
    const query = '{ dashboard { kpis { totalCost conversations } meta { lastJobId } } }';
    const before = await dashboard(app, {}, query);
    const capture = captureSql();
    try {
      expect(await dashboard(app, {}, query)).toEqual(before);
      // The repeat costs one statement: the data version.
      expect(capture.statements).toHaveLength(1);
    } finally {
      capture.stop();
    }
    const { rows } = await app.db.pool.query<TransactionRow>('SELECT * FROM transactions LIMIT 1');
    const template = rows[0] as TransactionRow;
    const jobId = await loadTransactions(app.db.pool, [
      {
        ...template,
        row_id: '00000000-0000-4000-a000-000000000001',
        conversation_id: '00000000-0000-4000-a000-0000000000c1',
        date: '2025-02-05',
        occurred_at: '2025-02-05T12:00:00Z',
        cost: '2.5',
        token_count: 10,
      },
    ]);
    const after = await dashboard(app, {}, query);
    expect(after.meta).toEqual({ lastJobId: jobId });
    expect((after.kpis as Json).conversations).toBe(((before.kpis as Json).conversations as number) + 1);
    expect(((after.kpis as Json).totalCost as number) - ((before.kpis as Json).totalCost as number)).toBeCloseTo(2.5, 9);
  });

  it('never reads the transactions table', async () => {
    // A new data version: nothing cached.
    await app.db.pool.query('UPDATE data_version SET version = version + 1');
    const capture = captureSql();
    try {
      const filters = [undefined, { from: '2025-02-01', to: '2025-02-10' }, { regions: ['EU', 'US'] }, { companies: ['Acme'], models: ['gpt-4o'] }];
      for (const filter of filters) {
        for (const granularity of ['DAY', 'WEEK', 'MONTH']) await dashboard(app, { filter, granularity, limit: 5 });
      }
    } finally {
      capture.stop();
    }
    expect(capture.statements.length).toBeGreaterThan(10);
    expect(capture.statements.some((sql) => /FROM distinct_sets/.test(sql))).toBe(true);
    for (const sql of capture.statements) expect(sql).not.toMatch(/\btransactions\b/i);
  });

  it('runs only the queries of the fields asked for', async () => {
    const count = async (query: string, filter: Json) => {
      const capture = captureSql();
      try {
        await dashboard(app, { filter }, query.replace('{ dashboard {', 'query($filter: DashboardFilter) { dashboard(filter: $filter) {'));
      } finally {
        capture.stop();
      }
      return capture;
    };
    // A new data version, nothing cached: regions needs only its own statement.
    await app.db.pool.query('UPDATE data_version SET version = version + 1');
    const regions = (await count('{ dashboard { regions } }', { from: '2025-01-01' })).statements;
    expect(regions, regions.join('\n----\n')).toHaveLength(2); // version, filter values
    // Fresh filters each time so the cache does not answer. Version + the field's own statements.
    const kpis = await count('{ dashboard { kpis { totalCost highestUsedModel } } }', { from: '2025-01-02' });
    // version, sums, per-model sums and conversations, conversations, subscribers
    expect(kpis.statements, kpis.statements.join('\n----\n')).toHaveLength(6);
    expect(kpis.statements.join('\n')).not.toMatch(/company_metrics/); // nothing of topCompanies
    // Issued together, the field's five statements share two round trips (src/dashboard/statement-batch.ts).
    expect(kpis.roundTrips).toHaveLength(3);
    const both = (await count('{ dashboard { kpis { totalCost } costByModel { model } } }', { from: '2025-01-03' })).statements;
    expect(both, both.join('\n----\n')).toHaveLength(6); // per-model figures shared by kpis and costByModel
    const top = (await count('{ dashboard { topCompanies(limit: 2) { company highestUsedModel } } }', { from: '2025-01-04' })).statements;
    // version, sums, conversations and users per company, conversations per (company, model)
    expect(top, top.join('\n----\n')).toHaveLength(5);
  });
});

describe('dashboard ties and large token totals', () => {
  let app: BuiltTestApp;
  const user = (seq: number, region: string, company: string | null, active: boolean): UserRow => ({
    id: `00000000-0000-4000-a000-${String(seq).padStart(12, '0')}`,
    seq,
    name: `u${seq}`,
    region,
    is_active_sub: active,
    company,
  });
  const users = [user(1, 'US', 'Acme', true), user(2, 'EU', 'Globex', true), user(3, 'JP', null, false)];
  let row = 0;
  const tx = (owner: UserRow, model: string, conversation: number, cost: string, tokens: number, date = '2025-03-03'): TransactionRow => ({
    row_id: `10000000-0000-4000-a000-${String(++row).padStart(12, '0')}`,
    user_id: owner.id,
    user_seq: owner.seq,
    model,
    conversation_id: `20000000-0000-4000-a000-${String(conversation).padStart(12, '0')}`,
    token_type: 'prompt',
    token_count: tokens,
    rate_per_1k: '0.01',
    cost,
    occurred_at: `${date}T10:00:00Z`,
    date,
    region: owner.region,
    company: owner.company ?? '',
    job_id: '',
  });

  beforeAll(async () => {
    app = await buildTestApp('dashboard_ties');
    const [acme, globex, none] = users as [UserRow, UserRow, UserRow];
    await loadDataSet(app.db.pool, {
      users,
      batches: [
        [
          // beta: 0.1 + 0.2 (NUMERIC 0.3; float would say 0.30000000000000004); alpha: 0.3.
          tx(acme, 'beta', 1, '0.1', 3_000_000_000),
          tx(acme, 'beta', 1, '0.2', 1),
          tx(globex, 'alpha', 2, '0.3', 1),
          tx(none, 'gamma', 3, '0.05', 1, '2025-03-04'),
        ],
      ],
    });
  });
  afterAll(() => app?.close());

  it('breaks ties by name on exact sums', async () => {
    const result = await dashboard(app, { limit: 10 });
    expect(result.kpis).toMatchObject({
      highestUsedModel: 'alpha',
      leastUsedModel: 'alpha',
      costliestModel: 'alpha',
      conversations: 3,
      activeDays: 2,
    });
    expect((result.costByModel as Json[]).map((r) => r.model)).toEqual(['alpha', 'beta', 'gamma']);
    expect((result.costByRegion as Json[]).map((r) => r.region)).toEqual(['EU', 'US', 'JP']);
    expect(result.topCompanies).toEqual([
      { company: 'Acme', cost: 0.3, conversations: 1, activeUsers: 1, highestUsedModel: 'beta' },
      { company: 'Globex', cost: 0.3, conversations: 1, activeUsers: 1, highestUsedModel: 'alpha' },
    ]);
    expect(result.subscribers).toEqual([
      { region: 'EU', active: 1, inactive: 0, engaged: 1 },
      { region: 'JP', active: 0, inactive: 1, engaged: 0 },
      { region: 'US', active: 1, inactive: 0, engaged: 1 },
    ]);
    expectSameDashboard(result, await referenceDashboard(app.db.pool, {}, 'DAY', 10));
  });

  it('exposes token totals beyond 2^31 exactly', async () => {
    const result = await dashboard(app, {}, '{ dashboard { kpis { promptTokens totalTokens modelEfficiency } } }');
    expect(result.kpis).toEqual({ promptTokens: 3_000_000_003, totalTokens: 3_000_000_003, modelEfficiency: 0 });
  });

  it('limits topCompanies', async () => {
    const result = await dashboard(app, {}, '{ dashboard { topCompanies(limit: 1) { company } } }');
    expect(result.topCompanies).toEqual([{ company: 'Acme' }]);
  });

  it('rejects bad arguments with BAD_USER_INPUT naming the argument', async () => {
    const cases: [string, Json, string][] = [
      ['query($f: DashboardFilter) { dashboard(filter: $f) { kpis { totalCost } } }', { f: { from: '2025-03-05', to: '2025-03-01' } }, 'filter.from'],
      ['{ dashboard { topCompanies(limit: 0) { company } } }', {}, 'limit'],
      ['{ dashboard { topCompanies(limit: 101) { company } } }', {}, 'limit'],
      ['query($f: DashboardFilter) { dashboard(filter: $f) { regions } }', { f: { regions: Array.from({ length: 101 }, (_, i) => `r${i}`) } }, 'filter.regions'],
      ['query($f: DashboardFilter) { dashboard(filter: $f) { regions } }', { f: { companies: Array.from({ length: 101 }, (_, i) => `c${i}`) } }, 'filter.companies'],
      ['query($f: DashboardFilter) { dashboard(filter: $f) { regions } }', { f: { models: Array.from({ length: 101 }, (_, i) => `m${i}`) } }, 'filter.models'],
    ];
    for (const [query, variables, argument] of cases) {
      const response = await graphql(app.app, query, variables);
      expect(response.errors?.[0]?.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(response.errors?.[0]?.message).toContain(argument);
    }
    // 100 values are fine; empty lists mean all.
    const ok = await graphql<{ dashboard: Json }>(
      app.app,
      'query($f: DashboardFilter) { dashboard(filter: $f) { kpis { conversations } } }',
      { f: { regions: [], companies: [], models: Array.from({ length: 100 }, (_, i) => (i === 0 ? 'alpha' : `m${i}`)) } },
    );
    expect(ok.data?.dashboard).toEqual({ kpis: { conversations: 1 } });
    const all = await graphql<{ dashboard: Json }>(app.app, 'query($f: DashboardFilter) { dashboard(filter: $f) { kpis { conversations } } }', {
      f: { regions: [], companies: [], models: [] },
    });
    expect(all.data?.dashboard).toEqual({ kpis: { conversations: 3 } });
  });

  it('rejects an unknown granularity and an impossible date', async () => {
    const granularity = await graphql(app.app, '{ dashboard { spendTrend(granularity: YEAR) { cost } } }');
    expect(granularity.errors?.[0]?.message).toMatch(/YEAR/);
    expect(granularity.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    const date = await graphql(app.app, 'query($f: DashboardFilter) { dashboard(filter: $f) { regions } }', {
      f: { from: '2025-02-30' },
    });
    expect(date.errors?.[0]?.message).toMatch(/2025-02-30/);
  });
});
