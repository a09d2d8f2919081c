// Dashboard series as CSV over real HTTP: byte-exact output with formula-safe cells, the
// values of the GraphQL fields for random filters, the GraphQL link fields, and the
// errors (401, 400 naming the parameter, 404).
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formulaSafe } from '../../src/exports/csv.js';
import { DASHBOARD_SERIES, type SeriesName } from '../../src/exports/dashboard-series.js';
import { schema } from '../../src/graphql/schema.js';
import {
  COMPANIES,
  DAYS,
  FIRST_DAY,
  MODELS,
  REGIONS,
  addDays,
  generateDataSet,
  loadDataSet,
  random,
  type DataSet,
  type Random,
  type TransactionRow,
  type UserRow,
} from '../helpers/dashboard-data.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const VIEWER = 'series-viewer-5d1e';
const SERIES = Object.keys(DASHBOARD_SERIES) as SeriesName[];

interface Filter {
  from?: string;
  to?: string;
  regions?: string[];
  companies?: string[];
  models?: string[];
}

const get = (url: string, token: string | null = VIEWER) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function graphql<T>(app: TestApp, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = (await response.json()) as { data: T; errors?: unknown };
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

/** The export URL written by hand from the documented parameters (not by the server's code). */
function seriesUrl(app: TestApp, series: string, filter: Filter, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  if (filter.from) query.append('from', filter.from);
  if (filter.to) query.append('to', filter.to);
  for (const value of filter.regions ?? []) query.append('region', value);
  for (const value of filter.companies ?? []) query.append('company', value);
  for (const value of filter.models ?? []) query.append('model', value);
  for (const [key, value] of Object.entries(extra)) query.append(key, value);
  return `${app.url.replace('/graphql', '')}/exports/dashboard/${series}.csv?${query}`;
}

const seriesArguments = (series: SeriesName, granularity: string, limit: number): Record<string, string> =>
  series === 'spend-trend' ? { granularity } : series === 'top-companies' ? { limit: String(limit) } : {};

/** The GraphQL field's rows as the CSV must hold them: numbers as JSON shows them, null empty. */
const asCells = (header: readonly string[], rows: Array<Record<string, unknown>>) =>
  rows.map((row) =>
    header.map((column) => {
      const value = row[column];
      return value === null ? '' : typeof value === 'number' ? String(value) : formulaSafe(String(value));
    }),
  );

// ------------------------------------------------------------------ a small, hand-checked case

function user(seq: number, company: string, region = 'EU'): UserRow {
  return { id: randomUUID(), seq, name: `user ${seq}`, region, is_active_sub: true, company };
}

function transaction(
  owner: UserRow,
  date: string,
  model: string,
  tokenType: 'prompt' | 'completion',
  tokens: number,
  rate: string,
): TransactionRow {
  return {
    row_id: randomUUID(),
    user_id: owner.id,
    user_seq: owner.seq,
    model,
    conversation_id: randomUUID(),
    token_type: tokenType,
    token_count: tokens,
    rate_per_1k: rate,
    cost: String((tokens * Number(rate)) / 1000),
    occurred_at: `${date}T10:00:00.000Z`,
    date,
    region: owner.region,
    company: owner.company ?? '',
    job_id: '',
  };
}

function smallDataSet(): DataSet {
  const users = [
    user(1, '=cmd'),
    user(2, '@x'),
    user(3, '+1', 'US'),
    user(4, '-x'),
    user(5, 'Acme, "Inc"'),
    user(6, '-5'),
  ];
  const [u1, u2, u3, u4, u5, u6] = users as [UserRow, UserRow, UserRow, UserRow, UserRow, UserRow];
  return {
    users,
    batches: [
      [
        transaction(u1, '2026-01-05', 'gpt-4o', 'prompt', 1000, '6.5'),
        transaction(u2, '2026-01-05', 'gpt-4o', 'prompt', 500, '10.5'),
        transaction(u3, '2026-01-13', '-model', 'completion', 200, '20'),
        transaction(u4, '2026-01-13', 'gpt-4o', 'completion', 250, '12.5'),
        transaction(u5, '2026-01-13', 'gpt-4o', 'prompt', 100, '20'),
        transaction(u6, '2026-01-13', 'gpt-4o', 'prompt', 100, '15'),
      ],
    ],
  };
}

describe('dashboard series CSV, a hand-checked case', () => {
  let app: TestApp;
  const url = (series: string, query = '') => `${app.url.replace('/graphql', '')}/exports/dashboard/${series}.csv${query}`;

  beforeAll(async () => {
    app = await startTestApp('series_small', { AUTH_TOKENS: `${VIEWER}:viewer` });
    await loadDataSet(app.db.pool, smallDataSet());
  });
  afterAll(() => app?.close());

  it('top-companies: byte-exact, formula-like names neutralised, numeric-looking names left alone', async () => {
    const response = await get(url('top-companies'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="top-companies-10_all_all.csv"');
    expect(await response.text()).toBe(
      'company,cost,conversations,activeUsers,highestUsedModel\r\n' +
        "'=cmd,6.5,1,1,gpt-4o\r\n" +
        "'@x,5.25,1,1,gpt-4o\r\n" +
        "+1,4,1,1,'-model\r\n" +
        "'-x,3.125,1,1,gpt-4o\r\n" +
        '"Acme, ""Inc""",2,1,1,gpt-4o\r\n' +
        '-5,1.5,1,1,gpt-4o\r\n',
    );
  });

  it('top-companies honours limit', async () => {
    const response = await get(url('top-companies', '?limit=2'));
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="top-companies-2_all_all.csv"');
    expect(await response.text()).toBe(
      "company,cost,conversations,activeUsers,highestUsedModel\r\n'=cmd,6.5,1,1,gpt-4o\r\n'@x,5.25,1,1,gpt-4o\r\n",
    );
  });

  it('cost-by-model: a null efficiency is an empty cell', async () => {
    const response = await get(url('cost-by-model', '?from=2026-01-01&to=2026-01-31'));
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="cost-by-model_2026-01-01_2026-01-31.csv"');
    expect(await response.text()).toBe(
      'model,cost,promptTokens,completionTokens,conversations,efficiency\r\n' +
        'gpt-4o,18.375,1700,250,5,0.14705882352941177\r\n' +
        "'-model,4,0,200,1,\r\n",
    );
  });

  it('cost-by-region and spend-trend by week', async () => {
    expect(await (await get(url('cost-by-region'))).text()).toBe(
      'region,cost,conversations,activeUsers\r\nEU,18.375,5,5\r\nUS,4,1,1\r\n',
    );
    const trend = await get(url('spend-trend', '?granularity=WEEK&to=2026-01-31'));
    expect(trend.headers.get('content-disposition')).toBe('attachment; filename="spend-trend-week_all_2026-01-31.csv"');
    expect(await trend.text()).toBe(
      'bucketStart,cost,totalTokens,conversations,activeUsers\r\n' +
        '2026-01-05,11.75,1500,2,2\r\n' +
        '2026-01-12,10.625,650,4,4\r\n',
    );
  });

  it('filters by the repeated parameters, as GraphQL does (a "+" in a value travels as %2B)', async () => {
    const response = await get(url('top-companies', '?company=%2B1&company=-x&model=-model'));
    expect(await response.text()).toBe("company,cost,conversations,activeUsers,highestUsedModel\r\n+1,4,1,1,'-model\r\n");
  });

  it('has the columns of the GraphQL type, in the order SPEC §5 lists them', () => {
    const dashboard = schema.getType('Dashboard');
    if (!isObjectType(dashboard)) throw new Error('no Dashboard type');
    for (const series of Object.values(DASHBOARD_SERIES)) {
      const type = getNamedType(dashboard.getFields()[series.field]!.type);
      if (!isObjectType(type)) throw new Error(`${series.field} is not a list of objects`);
      expect([...series.header].sort()).toEqual(Object.keys(type.getFields()).sort());
    }
    expect(DASHBOARD_SERIES['spend-trend'].header).toEqual(['bucketStart', 'cost', 'totalTokens', 'conversations', 'activeUsers']);
  });

  it('answers 401 without a valid token, before looking at the series or its parameters', async () => {
    for (const path of [url('cost-by-model'), url('nope'), url('top-companies', '?limit=0')]) {
      expect((await get(path, null)).status).toBe(401);
      expect((await get(path, 'wrong-token')).status).toBe(401);
    }
  });

  it.each([
    ['spend-trend', '?from=2026-02-30', 'from', /^from must be a real calendar date/],
    ['spend-trend', '?to=yesterday', 'to', /^to must be a real calendar date/],
    ['cost-by-model', '?from=2026-02-01&to=2026-01-01', 'from', /^from \(2026-02-01\) is after to \(2026-01-01\)$/],
    ['cost-by-region', '?region=EU&region=%00', 'region[1]', /^region\[1\] contains a control character$/],
    ['cost-by-model', `?model=${'m'.repeat(300)}`, 'model[0]', /^model\[0\] is longer than/],
    ['top-companies', '?limit=0', 'limit', /^limit must be between 1 and 100, got 0$/],
    ['top-companies', '?limit=101', 'limit', /^limit must be between 1 and 100/],
    ['top-companies', '?limit=ten', 'limit', /^limit must be an integer between 1 and 100, got "ten"$/],
    ['top-companies', '?limit=1&limit=2', 'limit', /^limit may be given only once$/],
    ['spend-trend', '?granularity=HOUR', 'granularity', /^granularity must be one of DAY, WEEK, MONTH, got HOUR$/],
    ['cost-by-model', '?granularity=WEEK', 'granularity', /^cost-by-model.csv takes no parameter "granularity"/],
    ['cost-by-region', '?regions=EU', 'regions', /takes no parameter "regions"; it takes from, to, region, company, model$/],
  ])('%s%s → 400 naming %s', async (series, query, parameter, message) => {
    const response = await get(url(series, query));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string; argument: string } };
    expect(body.error.code).toBe('BAD_USER_INPUT');
    expect(body.error.argument).toBe(parameter);
    expect(body.error.message).toMatch(message);
  });

  it('answers 404 for an unknown series', async () => {
    for (const path of [url('nope'), url('costByModel'), `${url('cost-by-model').slice(0, -4)}`, `${url('cost-by-model')}.txt`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('Dashboard.exportUrls encodes the validated filter and refuses what the series fields refuse', async () => {
    const { dashboard } = await graphql<{ dashboard: { exportUrls: Record<string, string> } }>(
      app,
      `query ($filter: DashboardFilter) { dashboard(filter: $filter) {
         exportUrls { spendTrend(granularity: MONTH) costByModel costByRegion topCompanies(limit: 5) } } }`,
      { filter: { from: '2026-01-01', to: '2026-01-31', regions: ['US', 'EU', 'US'], companies: ['+1', 'Acme, "Inc"'] } },
    );
    const filter = 'from=2026-01-01&to=2026-01-31&region=EU&region=US&company=%2B1&company=Acme%2C+%22Inc%22';
    expect(dashboard.exportUrls).toEqual({
      spendTrend: `/exports/dashboard/spend-trend.csv?${filter}&granularity=MONTH`,
      costByModel: `/exports/dashboard/cost-by-model.csv?${filter}`,
      costByRegion: `/exports/dashboard/cost-by-region.csv?${filter}`,
      topCompanies: `/exports/dashboard/top-companies.csv?${filter}&limit=5`,
    });
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
      body: JSON.stringify({ query: '{ dashboard { exportUrls { topCompanies(limit: 0) } } }' }),
    });
    const { errors } = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('links the rejected rows of a job from Job.rejectedRowsCsvUrl', async () => {
    const id = randomUUID();
    await app.db.pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED_WITH_ERRORS')`, [id]);
    await app.db.pool.query(
      `INSERT INTO rejected_rows (job_id, file, line, "column", reason, raw) VALUES ($1, 'USERS', 2, 'Region', 'is required', '=x')`,
      [id],
    );
    const { job } = await graphql<{ job: { rejectedRowsCsvUrl: string } }>(
      app,
      'query ($id: ID!) { job(id: $id) { rejectedRowsCsvUrl } }',
      { id },
    );
    expect(job.rejectedRowsCsvUrl).toBe(`/exports/jobs/${id}/rejected-rows.csv`);
    const response = await get(`${app.url.replace('/graphql', '')}${job.rejectedRowsCsvUrl}`);
    expect(await response.text()).toBe("file,line,column,reason,raw\r\nUSERS,2,Region,is required,'=x\r\n");
  });
});

// ------------------------------------------------------------------ random filters

function subset(rnd: Random, values: readonly string[], unknown: string): string[] | undefined {
  if (rnd.chance(0.45)) return undefined;
  const picked = values.filter(() => rnd.chance(0.4));
  if (rnd.chance(0.15)) picked.push(unknown);
  return picked;
}

function randomFilter(rnd: Random): Filter {
  const filter: Filter = {};
  const day = () => addDays(FIRST_DAY, rnd.int(-5, DAYS + 5));
  if (rnd.chance(0.6)) filter.from = day();
  if (rnd.chance(0.6)) filter.to = rnd.chance(0.15) && filter.from ? filter.from : day();
  if (filter.from && filter.to && filter.from > filter.to) [filter.from, filter.to] = [filter.to, filter.from];
  filter.regions = subset(rnd, REGIONS, 'X&Y');
  filter.companies = subset(rnd, COMPANIES, 'No+Such Co=');
  filter.models = subset(rnd, MODELS, 'no-model?');
  return filter;
}

const SEED = 23;
const FILTERS = 25;

describe(`dashboard series CSV equal the GraphQL fields for ${FILTERS} random filters (seed ${SEED})`, () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('series_random', { AUTH_TOKENS: `${VIEWER}:viewer` });
    await loadDataSet(app.db.pool, generateDataSet(SEED, { users: 50, conversations: 300 }));
  });
  afterAll(() => app?.close());

  it('every series, parsed back, equals its GraphQL field; exportUrls download the same bytes', async () => {
    const rnd = random(SEED);
    let rows = 0;
    for (let i = 0; i < FILTERS; i++) {
      const filter = randomFilter(rnd);
      const granularity = rnd.pick(['DAY', 'WEEK', 'MONTH']);
      const limit = rnd.pick([1, 3, 10, 100]);
      const fields = SERIES.map((name) => {
        const { field, header } = DASHBOARD_SERIES[name];
        const args = name === 'spend-trend' ? '(granularity: $granularity)' : name === 'top-companies' ? '(limit: $limit)' : '';
        return `${field}${args} { ${header.join(' ')} }`;
      });
      const { dashboard } = await graphql<{ dashboard: Record<string, unknown> & { exportUrls: Record<string, string> } }>(
        app,
        `query ($filter: DashboardFilter, $granularity: Granularity, $limit: Int) { dashboard(filter: $filter) {
           ${fields.join('\n')}
           exportUrls { spendTrend(granularity: $granularity) costByModel costByRegion topCompanies(limit: $limit) }
         } }`,
        { filter, granularity, limit },
      );
      for (const name of SERIES) {
        const { field, header } = DASHBOARD_SERIES[name];
        const context = `${name} ${JSON.stringify(filter)} ${granularity} ${limit}`;
        const response = await get(seriesUrl(app, name, filter, seriesArguments(name, granularity, limit)));
        expect(response.status, context).toBe(200);
        const text = await response.text();
        const [csvHeader, ...records] = parse(text) as string[][];
        expect(csvHeader, context).toEqual(header);
        expect(records, context).toEqual(asCells(header, dashboard[field] as Array<Record<string, unknown>>));
        rows += records.length;
        const linked = await get(`${app.url.replace('/graphql', '')}${dashboard.exportUrls[field]}`);
        expect(await linked.text(), `${context} via exportUrls.${field}`).toBe(text);
      }
    }
    // The filters are not all empty: most series had rows to compare.
    expect(rows).toBeGreaterThan(FILTERS * 10);
  }, 120_000);
});
