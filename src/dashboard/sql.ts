// SQL building blocks for dashboard queries: filter predicates over the aggregate tables
// (every one is keyed by date and some of region, company, model), group keys, and the
// choice of the smallest table that can answer a question.
import type { DashboardFilter, Granularity } from './filter.js';

export type Dimension = 'region' | 'company' | 'model';

/** Positional parameters ($1, $2, …) collected while a statement is written. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * The WHERE conditions (joined by AND, or 'true') selecting the cells the filter
 * matches. `alias` prefixes columns. Companies never match '' (the "no company" key):
 * an asked-for company is a name.
 */
export function filterPredicate(filter: DashboardFilter, params: Params, alias = ''): string {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  const conditions: string[] = [];
  if (filter.from !== null) conditions.push(`${col('date')} >= ${params.add(filter.from, 'date')}`);
  if (filter.to !== null) conditions.push(`${col('date')} <= ${params.add(filter.to, 'date')}`);
  if (filter.regions) conditions.push(`${col('region')} = ANY(${params.add(filter.regions, 'text[]')})`);
  if (filter.companies) {
    conditions.push(`${col('company')} = ANY(${params.add(filter.companies, 'text[]')})`, `${col('company')} <> ''`);
  }
  if (filter.models) conditions.push(`${col('model')} = ANY(${params.add(filter.models, 'text[]')})`);
  return conditions.length ? conditions.join(' AND ') : 'true';
}

/** Which dimensions a question reads: those the filter narrows plus those it groups by. */
export function dimensionsUsed(filter: DashboardFilter, groupBy: readonly Dimension[]): Set<Dimension> {
  const used = new Set<Dimension>(groupBy);
  if (filter.companies) used.add('company');
  if (filter.models) used.add('model');
  return used;
}

/**
 * The smallest daily table holding the money and token sums at the grain needed:
 * daily_metrics (date, region) ≪ daily_company_metrics / daily_model_metrics ≪ daily_cell_metrics.
 */
export function sumsTable(used: Set<Dimension>): string {
  const company = used.has('company');
  const model = used.has('model');
  if (company && model) return 'daily_cell_metrics';
  if (company) return 'daily_company_metrics';
  if (model) return 'daily_model_metrics';
  return 'daily_metrics';
}

/** First day of the bucket holding `date` (ISO weeks start on Monday). */
export function bucketExpression(granularity: Granularity, column = 'date'): string {
  switch (granularity) {
    case 'DAY':
      return column;
    case 'WEEK':
      return `date_trunc('week', ${column}::timestamp)::date`;
    case 'MONTH':
      return `date_trunc('month', ${column}::timestamp)::date`;
  }
}
