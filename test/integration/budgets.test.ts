// SPEC §8 budgets through GraphQL: budgets(month) against an independent computation
// written here as plain SQL over `transactions` plus the formulas walked literally in
// exact rational arithmetic (several months; as-of date early in a month with the 7-day
// window reaching into the previous one, mid-month and at month end; days without data;
// limits already exceeded, reached by the projection, never reached), then setBudget /
// deleteBudget, the errors that name their field, and the alert connection's pages.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, loadDataSet, loadTransactions, type TransactionRow, type UserRow } from '../helpers/dashboard-data.js';
import { graphql, type GraphQLResponse } from '../helpers/dashboard-graphql.js';
import { buildTestApp, type BuiltTestApp } from '../helpers/test-app.js';

// ------------------------------------------------------------------ data

const user = (seq: number, region: string, company: string | null): UserRow => ({
  id: `00000000-0000-4000-a000-${String(seq).padStart(12, '0')}`,
  seq,
  name: `u${seq}`,
  region,
  is_active_sub: true,
  company,
});
const USERS = [user(1, 'US', 'Acme'), user(2, 'EU', 'Globex'), user(3, 'JP', null), user(4, 'US', null)];

const FIRST = '2025-01-05';
/** Dates nobody spends on: scattered, and two inside the 7-day window ending on 2025-03-04. */
const NO_DATA = new Set(['2025-01-09', '2025-01-20', '2025-01-21', '2025-02-10', '2025-02-27', '2025-02-28', '2025-03-09', '2025-03-22']);

let rowNo = 0;
/** One transaction per user per date with data, up to `last`; costs with up to 5 decimals. */
function rows(from: string, last: string): TransactionRow[] {
  const out: TransactionRow[] = [];
  for (let date = from; date <= last; date = addDays(date, 1)) {
    if (NO_DATA.has(date)) continue;
    const day = Number(date.slice(8));
    USERS.forEach((owner, index) => {
      // JP spends on the first days of each month only from February on (a quiet start).
      if (owner.region === 'JP' && date >= '2025-02-01' && day > 10) return;
      rowNo++;
      out.push({
        row_id: `10000000-0000-4000-a000-${String(rowNo).padStart(12, '0')}`,
        user_id: owner.id,
        user_seq: owner.seq,
        model: 'gpt-4o',
        conversation_id: `20000000-0000-4000-a000-${String(rowNo).padStart(12, '0')}`,
        token_type: 'prompt',
        token_count: 1000,
        rate_per_1k: '0.01',
        cost: `${3 + ((day * 7 + index * 13) % 17)}.${String((day * 313 + index * 71) % 100_000).padStart(5, '0')}`,
        occurred_at: `${date}T08:00:00Z`,
        date,
        region: owner.region,
        company: owner.company ?? '',
        job_id: '',
      });
    });
  }
  return out;
}

// ------------------------------------------------------------------ the reference

interface Scope {
  kind: 'ALL' | 'REGION' | 'COMPANY';
  value: string | null;
}

interface BudgetInput {
  scope: Scope;
  monthlyLimit: number;
  thresholds?: number[];
}

/** n / d, d > 0. */
interface Rational {
  n: bigint;
  d: bigint;
}

function decimal(text: string): Rational {
  const [whole = '0', fraction = ''] = text.split('.');
  return { n: BigInt(whole + fraction), d: 10n ** BigInt(fraction.length) };
}
const add = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const times = (a: Rational, k: bigint): Rational => ({ n: a.n * k, d: a.d });
const over = (a: Rational, k: bigint): Rational => ({ n: a.n, d: a.d * k });
const ratio = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d, d: a.d * b.n });
const atLeast = (a: Rational, b: Rational) => a.n * b.d >= b.n * a.d;
/** Nearest-enough float: 17 significant digits of the exact quotient. */
function toNumber(a: Rational): number {
  if (a.n === 0n) return 0;
  const digits = 30n;
  const scaled = (a.n * 10n ** digits) / a.d;
  return Number(scaled) / 10 ** Number(digits);
}

const SCOPE_SQL = `($1::text = 'ALL' OR ($1 = 'REGION' AND region = $2) OR ($1 = 'COMPANY' AND company = $2))`;

const lastDayOf = (month: string) => {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
};

/** SPEC §8 for one budget and month, straight from transactions. */
async function referenceStatus(pool: pg.Pool, budget: BudgetInput, month: string) {
  const { rows: range } = await pool.query<{ a: string }>('SELECT max(date)::text AS a FROM transactions');
  const asOf = range[0]!.a;
  const start = `${month}-01`;
  const end = lastDayOf(month);
  const limit = decimal(String(budget.monthlyLimit));
  const scope = [budget.scope.kind, budget.scope.value ?? ''];
  const { rows: days } = await pool.query<{ date: string; cost: string }>(
    `SELECT date::text AS date, sum(cost)::text AS cost FROM transactions
      WHERE ${SCOPE_SQL} AND date BETWEEN $3::date AND $4::date GROUP BY date ORDER BY date`,
    [...scope, start, end],
  );
  const { rows: window } = await pool.query<{ cost: string | null }>(
    `SELECT sum(cost)::text AS cost FROM transactions WHERE ${SCOPE_SQL} AND date BETWEEN $3::date - 6 AND $3::date`,
    [...scope, asOf],
  );
  let spent: Rational = { n: 0n, d: 1n };
  let reached: string | null = null;
  for (const day of days) {
    spent = add(spent, decimal(day.cost));
    if (reached === null && atLeast(spent, limit)) reached = day.date;
  }
  const rate = over(decimal(window[0]!.cost ?? '0'), 7n);
  const holdsAsOf = start <= asOf && asOf <= end;
  const projected = end < asOf ? spent : start > asOf ? { n: 0n, d: 1n } : add(spent, times(rate, BigInt(dayNumber(end) - dayNumber(asOf))));
  let exhaustionDate = reached;
  if (exhaustionDate === null && holdsAsOf) {
    // The first d > A in the month with spent_to_A + rate × (d − A) ≥ limit, walked day by day.
    for (let d = addDays(asOf, 1); d <= end; d = addDays(d, 1)) {
      if (atLeast(add(spent, times(rate, BigInt(dayNumber(d) - dayNumber(asOf)))), limit)) {
        exhaustionDate = d;
        break;
      }
    }
  }
  const hundred = { n: 100n, d: 1n };
  return {
    asOf,
    status: {
      month,
      spent: Number((await pool.query<{ f: number }>('SELECT $1::numeric::float8 AS f', [decimalText(spent)])).rows[0]!.f),
      percentUsed: toNumber(times(ratio(spent, limit), 100n)),
      projectedSpend: toNumber(projected),
      projectedPercent: toNumber(ratio(times(projected, hundred.n), limit)),
      exhaustionDate,
    },
  };
}

const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

/** Exact decimal text of a rational whose denominator is a power of ten. */
function decimalText(a: Rational): string {
  const scale = a.d.toString().length - 1;
  const digits = a.n.toString().padStart(scale + 1, '0');
  return scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
}

// ------------------------------------------------------------------ GraphQL

const STATUS_FIELDS = `budget { id scope { kind value } monthlyLimit thresholds } month spent percentUsed projectedSpend projectedPercent exhaustionDate`;

interface StatusResult {
  budget: { id: string; scope: Scope; monthlyLimit: number; thresholds: number[] };
  month: string;
  spent: number;
  percentUsed: number;
  projectedSpend: number;
  projectedPercent: number;
  exhaustionDate: string | null;
}

let app: BuiltTestApp;

async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await graphql<T>(app.app, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data as T;
}

async function statuses(month?: string): Promise<StatusResult[]> {
  return (await ok<{ budgets: StatusResult[] }>(`query ($month: String) { budgets(month: $month) { ${STATUS_FIELDS} } }`, { month })).budgets;
}

const SET_BUDGET = `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { id scope { kind value } monthlyLimit thresholds } }`;

const close = (actual: number, expected: number, what: string) =>
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));

const BUDGETS: BudgetInput[] = [
  { scope: { kind: 'ALL', value: null }, monthlyLimit: 1000 },
  { scope: { kind: 'REGION', value: 'US' }, monthlyLimit: 450.5 },
  { scope: { kind: 'REGION', value: 'EU' }, monthlyLimit: 100_000 },
  { scope: { kind: 'REGION', value: 'JP' }, monthlyLimit: 40 },
  { scope: { kind: 'COMPANY', value: 'Acme' }, monthlyLimit: 300.25 },
  { scope: { kind: 'COMPANY', value: 'Nobody Inc' }, monthlyLimit: 10 },
];

/** What the cases below must have met (checked at the end: the data really exercises them). */
const seen = { pastExhaustion: 0, projectedExhaustion: 0, nullInCurrentMonth: 0, windowIntoPreviousMonth: 0 };

async function expectStatuses(month: string | undefined): Promise<void> {
  const actual = await statuses(month);
  expect(actual.map((s) => s.budget.scope)).toEqual([
    // ALL, then regions, then companies, values in code-point order.
    { kind: 'ALL', value: null },
    { kind: 'REGION', value: 'EU' },
    { kind: 'REGION', value: 'JP' },
    { kind: 'REGION', value: 'US' },
    { kind: 'COMPANY', value: 'Acme' },
    { kind: 'COMPANY', value: 'Nobody Inc' },
  ]);
  for (const status of actual) {
    const budget = BUDGETS.find((b) => b.scope.kind === status.budget.scope.kind && b.scope.value === status.budget.scope.value)!;
    const { asOf, status: expected } = await referenceStatus(app.db.pool, budget, month ?? status.month);
    const what = `${budget.scope.kind} ${budget.scope.value ?? ''} ${status.month} (as of ${asOf})`;
    if (month === undefined) expect(status.month, what).toBe(asOf.slice(0, 7));
    expect(status.month, what).toBe(expected.month);
    expect(status.budget.monthlyLimit).toBe(budget.monthlyLimit);
    expect(status.spent, `${what} spent`).toBe(expected.spent);
    close(status.percentUsed, expected.percentUsed, `${what} percentUsed`);
    close(status.projectedSpend, expected.projectedSpend, `${what} projectedSpend`);
    close(status.projectedPercent, expected.projectedPercent, `${what} projectedPercent`);
    expect(status.exhaustionDate, `${what} exhaustionDate`).toBe(expected.exhaustionDate);
    const current = status.month === asOf.slice(0, 7);
    if (status.exhaustionDate !== null && status.exhaustionDate <= asOf) seen.pastExhaustion++;
    if (status.exhaustionDate !== null && status.exhaustionDate > asOf) seen.projectedExhaustion++;
    if (current && status.exhaustionDate === null) seen.nullInCurrentMonth++;
    if (current && addDays(asOf, -6).slice(0, 7) !== status.month && status.spent > 0) seen.windowIntoPreviousMonth++;
  }
}

beforeAll(async () => {
  app = await buildTestApp('budgets');
});
afterAll(() => app?.close());

describe('budgets(month) against plain SQL over transactions', () => {
  it('is empty while there is no data, even with budgets', async () => {
    for (const budget of BUDGETS) await ok(SET_BUDGET, { input: budget });
    expect(await statuses()).toEqual([]);
    expect(await statuses('2025-01')).toEqual([]);
  });

  it('as of 2025-03-04: the 7-day window reaches into February (two days of it without data)', async () => {
    await loadDataSet(app.db.pool, { users: USERS, batches: [rows(FIRST, '2025-03-04')] });
    for (const month of [undefined, '2024-12', '2025-01', '2025-02', '2025-03', '2025-04']) await expectStatuses(month);
  });

  it('as of 2025-03-15 (mid-month)', async () => {
    await loadTransactions(app.db.pool, rows('2025-03-05', '2025-03-15'));
    for (const month of [undefined, '2025-02', '2025-03', '2025-05']) await expectStatuses(month);
  });

  it('as of 2025-03-31 (month end: no day left, so the projection is the spend)', async () => {
    await loadTransactions(app.db.pool, rows('2025-03-16', '2025-03-31'));
    for (const month of [undefined, '2025-01', '2025-03']) await expectStatuses(month);
    const march = await statuses('2025-03');
    for (const status of march) expect(status.projectedSpend).toBe(status.spent);
  });

  it('met every case: exhausted before A, exhausted by the projection, never (null), window into the previous month', () => {
    expect(seen.pastExhaustion).toBeGreaterThan(0);
    expect(seen.projectedExhaustion).toBeGreaterThan(0);
    expect(seen.nullInCurrentMonth).toBeGreaterThan(0);
    expect(seen.windowIntoPreviousMonth).toBeGreaterThan(0);
  });

  it('reads no transactions: the figures come from the aggregate tables', async () => {
    const before = await statuses('2025-03');
    // A new data version: the result is computed again, not taken from the API's cache.
    await app.db.pool.query('UPDATE data_version SET version = version + 1');
    await app.db.pool.query('ALTER TABLE transactions RENAME TO transactions_hidden');
    try {
      expect(await statuses('2025-03')).toEqual(before);
    } finally {
      await app.db.pool.query('ALTER TABLE transactions_hidden RENAME TO transactions');
    }
  });
});

// ------------------------------------------------------------------ budget changes and errors

describe('setBudget and deleteBudget', () => {
  it('replaces the budget of a scope (same id) and defaults the thresholds to 50, 80, 100', async () => {
    const first = await ok<{ setBudget: { id: string; thresholds: number[] } }>(SET_BUDGET, {
      input: { scope: { kind: 'REGION', value: 'BR' }, monthlyLimit: 5 },
    });
    expect(first.setBudget.thresholds).toEqual([50, 80, 100]);
    const second = await ok<{ setBudget: { id: string; monthlyLimit: number; thresholds: number[] } }>(SET_BUDGET, {
      // Surrounding spaces are not part of a region (values are stored trimmed); thresholds come back sorted, once each.
      input: { scope: { kind: 'REGION', value: ' BR ' }, monthlyLimit: 7.25, thresholds: [90, 10, 90] },
    });
    expect(second.setBudget).toEqual({ id: first.setBudget.id, scope: { kind: 'REGION', value: 'BR' }, monthlyLimit: 7.25, thresholds: [10, 90] });
    // budgets() shows the replaced budget at once (its cached result depended on the budgets).
    expect((await statuses()).find((s) => s.budget.scope.value === 'BR')?.budget).toEqual(second.setBudget);
  });

  it('deletes a budget by id (any letter case); an unknown id is NOT_FOUND', async () => {
    const { setBudget } = await ok<{ setBudget: { id: string } }>(SET_BUDGET, { input: { scope: { kind: 'COMPANY', value: 'Gone' }, monthlyLimit: 1 } });
    const deleted = await ok<{ deleteBudget: string }>('mutation ($id: ID!) { deleteBudget(id: $id) }', { id: setBudget.id.toUpperCase() });
    expect(deleted.deleteBudget).toBe(setBudget.id);
    for (const id of [setBudget.id, 'not-a-uuid']) {
      const again = await graphql(app.app, 'mutation ($id: ID!) { deleteBudget(id: $id) }', { id });
      expect(again.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    }
    const scopes = (await statuses()).map((s) => s.budget.scope.value);
    expect(scopes).not.toContain('Gone');
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['limit 0', { scope: { kind: 'ALL' }, monthlyLimit: 0 }, 'input.monthlyLimit'],
    ['negative limit', { scope: { kind: 'ALL' }, monthlyLimit: -5 }, 'input.monthlyLimit'],
    ['threshold 0', { scope: { kind: 'ALL' }, monthlyLimit: 5, thresholds: [50, 0] }, 'input.thresholds[1]'],
    ['negative threshold', { scope: { kind: 'ALL' }, monthlyLimit: 5, thresholds: [-1] }, 'input.thresholds[0]'],
    ['empty scope value', { scope: { kind: 'REGION', value: '' }, monthlyLimit: 5 }, 'input.scope.value'],
    ['blank scope value', { scope: { kind: 'COMPANY', value: '   ' }, monthlyLimit: 5 }, 'input.scope.value'],
    ['missing scope value', { scope: { kind: 'COMPANY' }, monthlyLimit: 5 }, 'input.scope.value'],
    ['region over 128 characters', { scope: { kind: 'REGION', value: 'R'.repeat(129) }, monthlyLimit: 5 }, 'input.scope.value'],
    ['company over 256 characters', { scope: { kind: 'COMPANY', value: 'C'.repeat(257) }, monthlyLimit: 5 }, 'input.scope.value'],
    ['a value for ALL', { scope: { kind: 'ALL', value: 'US' }, monthlyLimit: 5 }, 'input.scope.value'],
    ['control character', { scope: { kind: 'REGION', value: 'U\u0000S' }, monthlyLimit: 5 }, 'input.scope.value'],
  ];
  for (const [what, input, field] of refusals) {
    it(`refuses ${what}: BAD_USER_INPUT naming ${field}`, async () => {
      const response = await graphql(app.app, SET_BUDGET, { input });
      expect(response.errors?.map((e) => [e.extensions?.code, e.extensions?.argument])).toEqual([['BAD_USER_INPUT', field]]);
      expect(response.errors?.[0]?.message).toContain(field);
    });
  }

  it('refuses an unknown scope kind: BAD_USER_INPUT naming input.scope.kind', async () => {
    const response = await graphql(app.app, SET_BUDGET, { input: { scope: { kind: 'TEAM', value: 'x' }, monthlyLimit: 5 } });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toMatch(/input\.scope\.kind|"kind"/);
  });

  it('allows a company name of 256 characters (the data allows them) and a region of 128', async () => {
    await ok(SET_BUDGET, { input: { scope: { kind: 'COMPANY', value: 'C'.repeat(256) }, monthlyLimit: 5 } });
    await ok(SET_BUDGET, { input: { scope: { kind: 'REGION', value: 'R'.repeat(128) }, monthlyLimit: 5 } });
  });

  it('refuses a bad month even when there is no data', async () => {
    const empty = await buildTestApp('budgets_empty');
    try {
      const response = await graphql(empty.app, 'query { budgets(month: "2025-13") { month } }');
      expect(response.errors?.map((e) => [e.extensions?.code, e.extensions?.argument])).toEqual([['BAD_USER_INPUT', 'month']]);
    } finally {
      await empty.close();
    }
  });

  for (const month of ['2025-13', '2025-1', '25-01', '2025-01-01', '0000-12', 'March']) {
    it(`refuses budgets(month: "${month}"): BAD_USER_INPUT naming month`, async () => {
      const response: GraphQLResponse = await graphql(app.app, 'query ($m: String) { budgets(month: $m) { month } }', { m: month });
      expect(response.errors?.map((e) => [e.extensions?.code, e.extensions?.argument])).toEqual([['BAD_USER_INPUT', 'month']]);
    });
  }
});

// ------------------------------------------------------------------ the alert connection

describe('budgetAlerts (connection)', () => {
  const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
    budgetAlerts(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id month threshold spent percentUsed jobId budget { scope { kind value } } } }
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }`;
  interface Page {
    budgetAlerts: {
      edges: { cursor: string; node: { id: string; threshold: number; month: string } }[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string };
    };
  }

  it('pages newest first with cursors, forwards and backwards', async () => {
    const { rows } = await app.db.pool.query<{ id: string }>('SELECT id::text FROM budgets WHERE scope_kind = $1', ['ALL']);
    // Alerts as the worker stores them (raising them is test/integration/budget-alerts.test.ts's subject).
    await app.db.pool.query(
      `INSERT INTO budget_alerts (budget_id, month, threshold, spent, percent_used, job_id)
       SELECT $1, date '2024-01-01' + make_interval(months => i), 50, 500, 50, gen_random_uuid() FROM generate_series(0, 4) i`,
      [rows[0]!.id],
    );
    const first = await ok<Page>(PAGE, { first: 2 });
    expect(first.budgetAlerts.edges.map((e) => e.node.month)).toEqual(['2024-05', '2024-04']);
    expect(first.budgetAlerts.pageInfo.hasNextPage).toBe(true);
    const second = await ok<Page>(PAGE, { first: 2, after: first.budgetAlerts.pageInfo.endCursor });
    expect(second.budgetAlerts.edges.map((e) => e.node.month)).toEqual(['2024-03', '2024-02']);
    const third = await ok<Page>(PAGE, { first: 2, after: second.budgetAlerts.pageInfo.endCursor });
    expect(third.budgetAlerts.edges.map((e) => e.node.month)).toEqual(['2024-01']);
    expect(third.budgetAlerts.pageInfo.hasNextPage).toBe(false);
    const back = await ok<Page>(PAGE, { last: 2, before: third.budgetAlerts.edges[0]!.cursor });
    expect(back.budgetAlerts.edges.map((e) => e.node.month)).toEqual(['2024-03', '2024-02']);
    expect(back.budgetAlerts.pageInfo.hasPreviousPage).toBe(true);
  });

  for (const cursor of ['nonsense', Buffer.from('GPC:S:00000000-0000-4000-a000-000000000001').toString('base64'), Buffer.from('GPC:I:-1').toString('base64')]) {
    it(`refuses a cursor it did not issue (${cursor.slice(0, 12)}…): BAD_USER_INPUT`, async () => {
      const response = await graphql(app.app, PAGE, { first: 2, after: cursor });
      expect(response.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'invalid cursor']]);
    });
  }
});
