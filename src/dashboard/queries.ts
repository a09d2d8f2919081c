// The dashboard's SQL, read only from the aggregate tables (never from transactions):
// money and token sums (NUMERIC, converted to float8 once, in the final SELECT), filter
// values and freshness. Distinct counts come from ./distinct-sets.ts.
import type { DashboardFilter, Granularity } from './filter.js';
import { Params, bucketExpression, dimensionsUsed, filterPredicate, sumsTable, type Dimension } from './sql.js';
import type { StatementRunner } from './statement-batch.js';

/** A pool, a client or a request's statement batch. */
export type Queryable = StatementRunner;

export type SumsGrouping = 'none' | 'model' | 'region' | 'company' | { bucket: Granularity };

export interface SumsRow {
  /** The group's name ('' for 'none'; the bucket's first day, YYYY-MM-DD, for buckets). */
  key: string;
  cost: number;
  promptTokens: number;
  completionTokens: number;
  /** Distinct dates, for 'none' only (0 for the other groupings). */
  activeDays: number;
}

/**
 * Money and token sums over the matching cells, per group, from the smallest daily table
 * with the dimensions needed; summed as NUMERIC and converted to float8 once. Groups are
 * ordered by cost desc then name ("C" collation), buckets by date. 'none' always
 * returns one row. Users without a company are left out of the 'company' grouping.
 */
export async function sums(db: Queryable, filter: DashboardFilter, grouping: SumsGrouping): Promise<SumsRow[]> {
  const params = new Params();
  const dimension: Dimension | null = typeof grouping === 'string' && grouping !== 'none' ? grouping : null;
  const table = sumsTable(dimensionsUsed(filter, dimension ? [dimension] : []));
  const conditions = [filterPredicate(filter, params)];
  if (grouping === 'company') conditions.push(`company <> ''`);
  const key = typeof grouping === 'object' ? `${bucketExpression(grouping.bucket)}::text` : dimension ?? `''`;
  const groupBy = grouping === 'none' ? '' : 'GROUP BY 1';
  const orderBy =
    grouping === 'none' ? '' : typeof grouping === 'object' ? 'ORDER BY 1' : `ORDER BY sum(cost) DESC, ${dimension} COLLATE "C"`;
  const text = `SELECT ${key} AS key, coalesce(sum(cost), 0)::float8 AS cost,
                       coalesce(sum(prompt_tokens), 0)::float8 AS "promptTokens",
                       coalesce(sum(completion_tokens), 0)::float8 AS "completionTokens",
                       ${grouping === 'none' ? 'count(DISTINCT date)::int' : '0'} AS "activeDays"
                  FROM ${table} WHERE ${conditions.join(' AND ')} ${groupBy} ${orderBy}`;
  return (await db.query<SumsRow>(text, params.values)).rows;
}

/**
 * Spend per date (exact NUMERIC text) over the matching cells, for the dates that have
 * any, from the smallest daily table the filter's lists need.
 */
export async function dailySpend(db: Queryable, filter: DashboardFilter): Promise<Map<string, string>> {
  const params = new Params();
  const table = sumsTable(dimensionsUsed(filter, []));
  const { rows } = await db.query<{ date: string; cost: string }>(
    `SELECT date::text AS date, sum(cost)::text AS cost FROM ${table}
      WHERE ${filterPredicate(filter, params)} GROUP BY date`,
    params.values,
  );
  return new Map(rows.map((row) => [row.date, row.cost]));
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

