// Bad input at the API's arguments, against a real server: every value a client can send
// (filter lists, dates, cursors, job ids, sizes) is refused with BAD_USER_INPUT (or the
// documented NOT_FOUND/null for an id that cannot exist), never INTERNAL_SERVER_ERROR, and
// huge dashboard filters cannot grow the result cache beyond its byte cap.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_DASHBOARD } from '../helpers/dashboard-graphql.js';
import { Rng } from '../helpers/random.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CACHE_MAX_BYTES = 64 * 1024;

let t: TestApp;
const jobId = randomUUID();

beforeAll(async () => {
  t = await startTestApp('input-bounds', { DASHBOARD_CACHE_MAX_BYTES: String(CACHE_MAX_BYTES) });
  await t.db.pool.query(`INSERT INTO ingest_jobs (id, status, created_at, updated_at) VALUES ($1, 'FAILED', now(), now())`, [jobId]);
  await t.db.pool.query(
    `INSERT INTO rejected_rows (job_id, file, line, reason, raw) SELECT $1, 'USERS', n, 'bad', 'raw' FROM generate_series(1, 3) n`,
    [jobId],
  );
});
afterAll(() => t?.close());

interface Body {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; argument?: string } }>;
}

async function post(query: string, variables?: Record<string, unknown>): Promise<Body> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Body;
}

const codes = (body: Body) => (body.errors ?? []).map((error) => error.extensions?.code);

function expectBadInput(body: Body, argument?: string): void {
  expect(codes(body), JSON.stringify(body.errors)).toContain('BAD_USER_INPUT');
  expect(codes(body)).not.toContain('INTERNAL_SERVER_ERROR');
  if (argument) expect(body.errors?.map((e) => e.extensions?.argument)).toContain(argument);
}

const KPIS = 'query ($filter: DashboardFilter) { dashboard(filter: $filter) { kpis { totalCost } } }';

describe('dashboard filter values', () => {
  it('refuses a value longer than the data can hold, naming it', async () => {
    const regions = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(10_000, 'r'));
    expectBadInput(await post(KPIS, { filter: { regions } }), 'filter.regions[0]');
    expectBadInput(await post(KPIS, { filter: { companies: ['ok', 'c'.repeat(257)] } }), 'filter.companies[1]');
    expectBadInput(await post(KPIS, { filter: { models: ['m'.repeat(129)] } }), 'filter.models[0]');
  });

  it('refuses a NUL or another control character in a value', async () => {
    expectBadInput(await post(KPIS, { filter: { regions: ['a', 'b', 'c', 'x\u0000y'] } }), 'filter.regions[3]');
    expectBadInput(await post('{ dashboard(filter: { models: ["a\\u001b[2J"] }) { kpis { totalCost } } }'), 'filter.models[0]');
  });

  it('keeps the result cache under its byte cap while huge filters keep coming', async () => {
    const cache = t.services.caches.dashboard;
    expect(cache.maxBytes).toBe(CACHE_MAX_BYTES);
    const longest = (i: number, width: number) => Array.from({ length: 100 }, (_, j) => `${i}-${j}-`.padEnd(width, 'v'));
    const requests = 60;
    for (let i = 0; i < requests; i++) {
      const filter = { regions: longest(i, 128), companies: longest(i, 256), models: longest(i, 128) };
      const body = await post(FULL_DASHBOARD, { filter });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(cache.bytes).toBeLessThanOrEqual(CACHE_MAX_BYTES);
    }
    // Each request caches several questions; far fewer than all of them fit.
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(requests * 5);
  });
});

describe('Date arguments', () => {
  it('refuses dates PostgreSQL cannot hold (year 0000) and impossible dates, as variables and literals', async () => {
    for (const from of ['0000-01-01', '0000-12-31', '2023-02-30', '2024-13-01', '10000-01-01', '+12345-01-01', '2024-1-1']) {
      expectBadInput(await post(KPIS, { filter: { from } }));
      expectBadInput(await post(`{ dashboard(filter: { to: ${JSON.stringify(from)} }) { kpis { totalCost } } }`));
    }
    expectBadInput(await post('{ dashboard(filter: { from: 20240101 }) { kpis { totalCost } } }'));
    const message = (await post(KPIS, { filter: { from: '0000-01-01' } })).errors?.[0]?.message;
    expect(message).toMatch(/0001-01-01 to 9999-12-31/);
  });

  it('answers over the whole range it accepts', async () => {
    const body = await post(
      'query ($filter: DashboardFilter) { dashboard(filter: $filter) { kpis { totalCost } spendTrend(granularity: WEEK) { bucketStart } } }',
      { filter: { from: '0001-01-01', to: '9999-12-31' } },
    );
    expect(body.errors).toBeUndefined();
  });
});

const JOBS = 'query ($c: String) { jobs(first: 2, after: $c) { edges { cursor } } }';
const JOBS_BEFORE = 'query ($c: String) { jobs(last: 2, before: $c) { edges { cursor } } }';
const REJECTED = (id: string) => `query ($c: String) { job(id: "${id}") { rejectedRows(first: 2, after: $c) { edges { cursor } } } }`;

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('cursors', () => {
  it('pages with the cursors the API issued', async () => {
    const first = await post(REJECTED(jobId), { c: null });
    const edges = (first.data?.job as { rejectedRows: { edges: Array<{ cursor: string }> } }).rejectedRows.edges;
    expect(edges).toHaveLength(2);
    const next = await post(REJECTED(jobId), { c: edges[1]!.cursor });
    expect(next.errors).toBeUndefined();
    expect((next.data?.job as { rejectedRows: { edges: unknown[] } }).rejectedRows.edges).toHaveLength(1);
    const jobs = await post(JOBS, { c: null });
    const cursor = (jobs.data?.jobs as { edges: Array<{ cursor: string }> }).edges[0]!.cursor;
    expect((await post(JOBS, { c: cursor })).errors).toBeUndefined();
  });

  it('refuses tampered cursors as BAD_USER_INPUT "invalid cursor"', async () => {
    const tampered = [
      'garbage',
      b64('garbage'),
      b64('GPC:S:abc'),
      b64('GPC:N:5'),
      b64('GPC:J:[1]'),
      b64('GPC:D:abc'),
      b64('GPC:O:{"not":null}'),
      b64(`GPC:S:${jobId}`.slice(0, -1)),
      b64('GPC:I:99999999999999999999'),
      b64('GPC:I:-1'),
      b64(`GPC:I:${jobId}`),
      'x'.repeat(100_000),
    ];
    for (const c of tampered) {
      for (const query of [JOBS, JOBS_BEFORE, REJECTED(jobId)]) {
        const body = await post(query, { c });
        expectBadInput(body);
        expect(body.errors?.[0]?.message).toBe('invalid cursor');
      }
    }
  });

  it('never answers INTERNAL_SERVER_ERROR to seeded random cursors', async () => {
    const rng = new Rng(20261202);
    const tags = ['', 'GPC:', 'GPC:S:', 'GPC:I:', 'GPC:N:', 'GPC:T:', 'GPC:J:', 'GPC:O:', 'GPC:D:', 'GPC:B:', 'GPC:M:', 'GPC:Z:'];
    const alphabet = ['a', 'f', '0', '9', '-', ':', '[', ']', '{', '}', '"', ',', '\u0000', 'é', '😀', ' ', '=', '+', '/', '1e400', 'null', jobId];
    const randomText = () => Array.from({ length: rng.int(0, 40) }, () => rng.pick(alphabet)).join('');
    for (let i = 0; i < 300; i++) {
      const text = rng.pick(tags) + randomText();
      const cursor = rng.chance(0.8) ? b64(text) : text;
      const body = await post(rng.pick([JOBS, JOBS_BEFORE, REJECTED(jobId)]), { c: cursor });
      expect(codes(body), `seed 20261202 case ${i}: ${JSON.stringify(cursor)}`).not.toContain('INTERNAL_SERVER_ERROR');
    }
  });
});

describe('other arguments', () => {
  it('answers bad job ids, sizes and enum values with a client error, never an internal one', async () => {
    // [document, variables, expected code (null: the documented `job: null` for an id that cannot exist)]
    const cases: Array<[string, Record<string, unknown> | undefined, string | null]> = [
      ['{ job(id: "not-a-uuid") { id } }', undefined, null],
      ['query ($id: ID!) { job(id: $id) { id } }', { id: 'x'.repeat(100_000) }, null],
      ['query ($id: ID!) { job(id: $id) { id } }', { id: `${jobId}\u0000` }, null],
      ['mutation ($id: ID!) { cancelJob(id: $id) { id } }', { id: 'y'.repeat(100_000) }, 'NOT_FOUND'],
      ['mutation ($id: ID!) { retryJob(id: $id) { id } }', { id: '\u0000' }, 'NOT_FOUND'],
      ['{ jobs(first: -1) { edges { cursor } } }', undefined, 'BAD_USER_INPUT'],
      ['query ($s: JobStatus) { jobs(first: 1, status: $s) { edges { cursor } } }', { s: "COMPLETED'; DROP TABLE ingest_jobs; --" }, 'BAD_USER_INPUT'],
      ['query ($n: Int) { jobs(first: $n) { edges { cursor } } }', { n: 2 ** 40 }, 'BAD_USER_INPUT'],
      [`{ job(id: "${jobId}") { rejectedRows(first: -5) { edges { cursor } } } }`, undefined, 'BAD_USER_INPUT'],
      ['{ dashboard { topCompanies(limit: 0) { company } } }', undefined, 'BAD_USER_INPUT'],
      ['{ dashboard { topCompanies(limit: 2147483647) { company } } }', undefined, 'BAD_USER_INPUT'],
      ['query ($g: Granularity) { dashboard { spendTrend(granularity: $g) { bucketStart } } }', { g: 'YEAR' }, 'BAD_USER_INPUT'],
      ['query ($f: DashboardFilter) { dashboard(filter: $f) { kpis { totalCost } } }', { f: { regions: [1, 2] } }, 'BAD_USER_INPUT'],
    ];
    for (const [query, variables, expected] of cases) {
      const body = await post(query, variables);
      const what = `${query} ${JSON.stringify(variables)?.slice(0, 80)}`;
      expect(codes(body), what).not.toContain('INTERNAL_SERVER_ERROR');
      // Nothing the client sent is echoed back whole.
      expect(JSON.stringify(body).length, what).toBeLessThan(2_000);
      if (expected === null) {
        expect(body.data, what).toEqual({ job: null });
      } else {
        expect(codes(body), what).toContain(expected);
      }
    }
  });

  it('finds a job by its id in any letter case', async () => {
    const body = await post(`{ job(id: "${jobId.toUpperCase()}") { id } }`);
    expect(body.data).toEqual({ job: { id: jobId } });
  });
});
