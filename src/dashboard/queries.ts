// The dashboard's SQL, read only from the aggregate and helper tables (never from
// transactions). Money and token sums are summed as NUMERIC and converted to float8 once,
// in the final SELECT. Exact distinct conversations per group = Σ solo_conversations of
// the matching cells + count(DISTINCT) over the few conversations spanning cells; exact
// distinct users = count(DISTINCT user_seq) over user_cells.
import type pg from 'pg';
import type { DashboardFilter, Granularity } from './filter.js';
import {
  Params,
  bucketExpression,
  dimensionsUsed,
  filterPredicate,
  sumsTable,
  userPredicate,
  type Dimension,
} from './sql.js';

export type Queryable = Pick<pg.Pool, 'query'>;

/** A GROUP BY key: output column name and the expression over a daily table. */
interface GroupKey {
  name: string;
  expr: string;
  dimension?: Dimension;
}

const KEY_MODEL: GroupKey = { name: 'model', expr: 'model', dimension: 'model' };
const KEY_REGION: GroupKey = { name: 'region', expr: 'region', dimension: 'region' };
const KEY_COMPANY: GroupKey = { name: 'company', expr: 'company', dimension: 'company' };
const bucketKey = (granularity: Granularity): GroupKey => ({ name: 'bucket', expr: bucketExpression(granularity) });

/** The pieces of one grouped statement, sharing one set of parameters. */
class GroupedQuery {
  readonly params = new Params();
  readonly predicate: string;
  private readonly select: string;
  private readonly groupBy: string;
  readonly names: string[];

  constructor(
    readonly filter: DashboardFilter,
    readonly keys: GroupKey[],
  ) {
    this.predicate = filterPredicate(filter, this.params);
    this.select = keys.map((key) => `${key.expr} AS ${key.name}, `).join('');
    this.groupBy = keys.length ? `GROUP BY ${keys.map((_, index) => index + 1).join(', ')}` : '';
    this.names = keys.map((key) => key.name);
  }

  /** cost, prompt_tokens, completion_tokens (NUMERIC) [+ active_days] from the smallest table. */
  sums(options: { activeDays?: boolean } = {}): string {
    const table = sumsTable(dimensionsUsed(this.filter, this.keys.flatMap((key) => key.dimension ?? [])));
    const days = options.activeDays ? ', count(DISTINCT date)::int AS active_days' : '';
    return `SELECT ${this.select}sum(cost) AS cost, sum(prompt_tokens) AS prompt_tokens,
                   sum(completion_tokens) AS completion_tokens${days}
              FROM ${table} WHERE ${this.predicate} ${this.groupBy}`;
  }

  /** Exact distinct conversations per group. */
  conversations(): string {
    const outerSelect = this.names.map((name) => `${name}, `).join('');
    const outerGroup = this.names.length ? `GROUP BY ${this.names.join(', ')}` : '';
    return `SELECT ${outerSelect}coalesce(sum(n), 0)::int AS conversations FROM (
              SELECT ${this.select}sum(solo_conversations) AS n
                FROM daily_cell_metrics WHERE ${this.predicate} ${this.groupBy}
              UNION ALL
              SELECT ${this.select}count(DISTINCT conversation_id) AS n
                FROM conversation_cells WHERE spans_cells AND ${this.predicate} ${this.groupBy}
            ) parts ${outerGroup}`;
  }

  /** Exact distinct users per group (only active subscribers when asked). */
  users(options: { activeSubscribersOnly?: boolean } = {}): string {
    const onlyActive = options.activeSubscribersOnly
      ? 'AND user_seq IN (SELECT seq FROM users WHERE is_active_sub)'
      : '';
    return `SELECT ${this.select}count(DISTINCT user_seq)::int AS active_users
              FROM user_cells WHERE ${this.predicate} ${onlyActive} ${this.groupBy}`;
  }

  /** Joins CTEs on the group keys (one row each when there are no keys). */
  join(ctes: Record<string, string>, columns: string, orderBy = ''): string {
    const names = Object.keys(ctes);
    const [first, ...rest] = names;
    const joins = rest
      .map((name) => (this.names.length ? `LEFT JOIN ${name} USING (${this.names.join(', ')})` : `CROSS JOIN ${name}`))
      .join(' ');
    const withs = names.map((name) => `${name} AS (${ctes[name]})`).join(',\n');
    return `WITH ${withs}\nSELECT ${columns} FROM ${first} ${joins} ${orderBy}`;
  }

  run<T extends pg.QueryResultRow>(db: Queryable, text: string): Promise<T[]> {
    return db.query<T>(text, this.params.values).then((result) => result.rows);
  }
}

const MONEY_COLUMNS = `coalesce(cost, 0)::float8 AS cost, coalesce(prompt_tokens, 0)::float8 AS "promptTokens",
  coalesce(completion_tokens, 0)::float8 AS "completionTokens"`;

// ------------------------------------------------------------------ kpis

export interface Totals {
  cost: number;
  promptTokens: number;
  completionTokens: number;
  conversations: number;
  activeDays: number;
  /** Distinct users in M whose is_active_sub is true. */
  activeSubscribersInM: number;
  /** Users with is_active_sub matching the region (and company) filter. */
  activeSubscribers: number;
}

export async function totals(db: Queryable, filter: DashboardFilter): Promise<Totals> {
  const query = new GroupedQuery(filter, []);
  const denominator = `SELECT count(*)::int AS active_subscribers FROM users u
                        WHERE u.is_active_sub AND ${userPredicate(filter, query.params, 'u')}`;
  const text = query.join(
    {
      s: query.sums({ activeDays: true }),
      c: query.conversations(),
      u: query.users({ activeSubscribersOnly: true }),
      d: denominator,
    },
    `${MONEY_COLUMNS}, coalesce(active_days, 0) AS "activeDays", conversations,
     active_users AS "activeSubscribersInM", active_subscribers AS "activeSubscribers"`,
  );
  const [row] = await query.run<Totals>(db, text);
  if (!row) throw new Error('totals query returned no row');
  return row;
}

// ------------------------------------------------------------------ series

export interface ModelRow {
  model: string;
  cost: number;
  promptTokens: number;
  completionTokens: number;
  conversations: number;
}

/** Per model, ordered by cost desc then name. */
export function costByModel(db: Queryable, filter: DashboardFilter): Promise<ModelRow[]> {
  const query = new GroupedQuery(filter, [KEY_MODEL]);
  const text = query.join(
    { s: query.sums(), c: query.conversations() },
    `model, ${MONEY_COLUMNS}, coalesce(conversations, 0) AS conversations`,
    'ORDER BY s.cost DESC, model COLLATE "C"',
  );
  return query.run<ModelRow>(db, text);
}

export interface RegionRow {
  region: string;
  cost: number;
  conversations: number;
  activeUsers: number;
}

export function costByRegion(db: Queryable, filter: DashboardFilter): Promise<RegionRow[]> {
  const query = new GroupedQuery(filter, [KEY_REGION]);
  const text = query.join(
    { s: query.sums(), c: query.conversations(), u: query.users() },
    `region, coalesce(cost, 0)::float8 AS cost, coalesce(conversations, 0) AS conversations,
     coalesce(active_users, 0) AS "activeUsers"`,
    'ORDER BY s.cost DESC, region COLLATE "C"',
  );
  return query.run<RegionRow>(db, text);
}

export interface TrendRow {
  bucketStart: string;
  cost: number;
  totalTokens: number;
  conversations: number;
  activeUsers: number;
}

export function spendTrend(db: Queryable, filter: DashboardFilter, granularity: Granularity): Promise<TrendRow[]> {
  const query = new GroupedQuery(filter, [bucketKey(granularity)]);
  const text = query.join(
    { s: query.sums(), c: query.conversations(), u: query.users() },
    `bucket::text AS "bucketStart", coalesce(cost, 0)::float8 AS cost,
     (coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0))::float8 AS "totalTokens",
     coalesce(conversations, 0) AS conversations, coalesce(active_users, 0) AS "activeUsers"`,
    'ORDER BY bucket',
  );
  return query.run<TrendRow>(db, text);
}

export interface CompanyRow {
  company: string;
  cost: number;
  conversations: number;
  activeUsers: number;
  highestUsedModel: string | null;
}

/** Per company (users without a company left out), cost desc then name, first `limit`. */
export async function topCompanies(db: Queryable, filter: DashboardFilter, limit: number): Promise<CompanyRow[]> {
  const query = new GroupedQuery(filter, [KEY_COMPANY]);
  const text = query.join(
    { s: query.sums(), c: query.conversations(), u: query.users() },
    `company, coalesce(cost, 0)::float8 AS cost, coalesce(conversations, 0) AS conversations,
     coalesce(active_users, 0) AS "activeUsers"`,
    `WHERE company <> '' ORDER BY s.cost DESC, company COLLATE "C" LIMIT ${limit}`,
  );
  // Most-used model per company: conversations per (company, model), in the same filter.
  const perModel = new GroupedQuery(filter, [KEY_COMPANY, KEY_MODEL]);
  const modelText = `SELECT DISTINCT ON (company) company, model FROM (${perModel.conversations()}) m
                      WHERE company <> '' AND conversations > 0
                      ORDER BY company, conversations DESC, model COLLATE "C"`;
  const [companies, models] = await Promise.all([
    query.run<Omit<CompanyRow, 'highestUsedModel'>>(db, text),
    perModel.run<{ company: string; model: string }>(db, modelText),
  ]);
  const topModel = new Map(models.map((row) => [row.company, row.model]));
  return companies.map((row) => ({ ...row, highestUsedModel: topModel.get(row.company) ?? null }));
}

export interface SubscriberRow {
  region: string;
  active: number;
  inactive: number;
  engaged: number;
}

/** Per region over the users matching the region/company filter; engaged = active with a matching transaction. */
export function subscribers(db: Queryable, filter: DashboardFilter): Promise<SubscriberRow[]> {
  const params = new Params();
  const predicate = filterPredicate(filter, params);
  const users = userPredicate(filter, params, 'u');
  const text = `WITH engaged AS (SELECT DISTINCT user_seq FROM user_cells WHERE ${predicate})
    SELECT u.region, count(*) FILTER (WHERE u.is_active_sub)::int AS active,
           count(*) FILTER (WHERE NOT u.is_active_sub)::int AS inactive,
           count(*) FILTER (WHERE u.is_active_sub AND e.user_seq IS NOT NULL)::int AS engaged
      FROM users u LEFT JOIN engaged e ON e.user_seq = u.seq
     WHERE ${users}
     GROUP BY u.region ORDER BY u.region COLLATE "C"`;
  return db.query<SubscriberRow>(text, params.values).then((result) => result.rows);
}

// ------------------------------------------------------------------ filter values, freshness

export interface DateRange {
  min: string;
  max: string;
}

export async function dateRange(db: Queryable): Promise<DateRange | null> {
  const { rows } = await db.query<{ min: string | null; max: string | null }>(
    'SELECT min(date)::text AS min, max(date)::text AS max FROM daily_metrics',
  );
  const row = rows[0];
  return row?.min && row.max ? { min: row.min, max: row.max } : null;
}

const FILTER_VALUES_SQL = {
  regions: 'SELECT region AS value FROM daily_metrics GROUP BY 1 ORDER BY region COLLATE "C"',
  companies: `SELECT company AS value FROM daily_company_metrics WHERE company <> '' GROUP BY 1 ORDER BY company COLLATE "C"`,
  models: 'SELECT model AS value FROM daily_model_metrics GROUP BY 1 ORDER BY model COLLATE "C"',
} as const;

export async function filterValues(db: Queryable, kind: keyof typeof FILTER_VALUES_SQL): Promise<string[]> {
  const { rows } = await db.query<{ value: string }>(FILTER_VALUES_SQL[kind]);
  return rows.map((row) => row.value);
}

export interface DataVersion {
  version: string;
  asOf: Date | null;
  lastJobId: string | null;
}

export async function dataVersion(db: Queryable): Promise<DataVersion> {
  const { rows } = await db.query<{ version: string; as_of: Date; last_job_id: string | null }>(
    'SELECT version::text AS version, as_of, last_job_id::text AS last_job_id FROM data_version WHERE id = 1',
  );
  const row = rows[0];
  return row ? { version: row.version, asOf: row.as_of, lastJobId: row.last_job_id } : { version: '0', asOf: null, lastJobId: null };
}
