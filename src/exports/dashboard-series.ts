// The dashboard series as CSV (SPEC §8 "Exports"): each series is the GraphQL field of the
// same name, computed by the same DashboardView, with the GraphQL type's fields as columns
// in the type's order. Numbers are the same float8 values GraphQL returns, written as
// JavaScript prints them (the text of the JSON number GraphQL sends); null is an empty cell.
import type { CompanyCost, DashboardView, ModelCost, RegionCost, TrendPoint } from '../dashboard/dashboard.js';
import type { DashboardFilter, Granularity } from '../dashboard/filter.js';
import type { CsvCell } from './csv.js';

/** Series arguments beyond the filter; each series reads only its own. */
export interface SeriesOptions {
  granularity: Granularity;
  limit: number;
}
export type SeriesParameter = keyof SeriesOptions;

interface Series<Row> {
  /** The GraphQL field this series equals. */
  field: string;
  /** The GraphQL type's fields, in its order. */
  header: readonly (keyof Row & string)[];
  parameters: readonly SeriesParameter[];
  rows(view: DashboardView, options: SeriesOptions): Promise<Row[]>;
}

export interface DashboardSeries {
  field: string;
  header: readonly string[];
  parameters: readonly SeriesParameter[];
  records(view: DashboardView, options: SeriesOptions): Promise<CsvCell[][]>;
}

function series<Row extends object>(definition: Series<Row>): DashboardSeries {
  return {
    ...definition,
    records: async (view, options) =>
      (await definition.rows(view, options)).map((row) => definition.header.map((column) => row[column] as CsvCell)),
  };
}

export const DASHBOARD_SERIES = {
  'spend-trend': series<TrendPoint>({
    field: 'spendTrend',
    header: ['bucketStart', 'cost', 'totalTokens', 'conversations', 'activeUsers'],
    parameters: ['granularity'],
    rows: (view, { granularity }) => view.spendTrend(granularity),
  }),
  'cost-by-model': series<ModelCost>({
    field: 'costByModel',
    header: ['model', 'cost', 'promptTokens', 'completionTokens', 'conversations', 'efficiency'],
    parameters: [],
    rows: (view) => view.costByModel(),
  }),
  'cost-by-region': series<RegionCost>({
    field: 'costByRegion',
    header: ['region', 'cost', 'conversations', 'activeUsers'],
    parameters: [],
    rows: (view) => view.costByRegion(),
  }),
  'top-companies': series<CompanyCost>({
    field: 'topCompanies',
    header: ['company', 'cost', 'conversations', 'activeUsers', 'highestUsedModel'],
    parameters: ['limit'],
    rows: (view, { limit }) => view.topCompanies(limit),
  }),
} as const satisfies Record<string, DashboardSeries>;

export type SeriesName = keyof typeof DASHBOARD_SERIES;

export const isSeriesName = (name: string): name is SeriesName => Object.hasOwn(DASHBOARD_SERIES, name);

/** The query parameter for each filter list (repeated: `?region=EU&region=US`). */
export const FILTER_PARAMETERS = { regions: 'region', companies: 'company', models: 'model' } as const;

/** e.g. `cost-by-model_2026-01-01_2026-01-31.csv`, `spend-trend-week_all_2026-01-31.csv`. */
export function dashboardSeriesFileName(name: SeriesName, filter: DashboardFilter, options: SeriesOptions): string {
  const suffix = DASHBOARD_SERIES[name].parameters.map((parameter) => `-${String(options[parameter]).toLowerCase()}`).join('');
  return `${name}${suffix}_${filter.from ?? 'all'}_${filter.to ?? 'all'}.csv`;
}
