// The dashboard's filter, kept in the URL's query string so a view can be shared:
// ?from=2026-01-01&to=2026-01-31&region=EU&region=US&company=…&model=…&granularity=WEEK.
// The same parameter names as the CSV export routes. Unknown or malformed values are
// dropped (a hand-edited URL opens the closest valid view rather than an error).
import type { DashboardFilter, Granularity } from '../../../src/client/generated/graphql.js';

export const GRANULARITIES = ['DAY', 'WEEK', 'MONTH'] as const satisfies readonly Granularity[];

export interface FilterState {
  from: string | null;
  to: string | null;
  regions: string[];
  companies: string[];
  models: string[];
  granularity: Granularity;
}

export const EMPTY_FILTER: FilterState = { from: null, to: null, regions: [], companies: [], models: [], granularity: 'DAY' };

const LIST_PARAMS = { regions: 'region', companies: 'company', models: 'model' } as const;

/** A real calendar date YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const unique = (values: string[]) => [...new Set(values.filter((value) => value !== ''))];

export function filterFromSearch(search: string): FilterState {
  const params = new URLSearchParams(search);
  const date = (name: string) => {
    const value = params.get(name);
    return value !== null && isIsoDate(value) ? value : null;
  };
  let from = date('from');
  let to = date('to');
  // A reversed range is read as meant (the API would refuse it).
  if (from && to && from > to) [from, to] = [to, from];
  const granularity = params.get('granularity');
  return {
    from,
    to,
    regions: unique(params.getAll(LIST_PARAMS.regions)),
    companies: unique(params.getAll(LIST_PARAMS.companies)),
    models: unique(params.getAll(LIST_PARAMS.models)),
    granularity: GRANULARITIES.find((value) => value === granularity) ?? 'DAY',
  };
}

/** The query string for a filter ("" for the default view), in a stable order. */
export function searchFromFilter(filter: FilterState): string {
  const params = new URLSearchParams();
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  for (const key of ['regions', 'companies', 'models'] as const) {
    for (const value of unique(filter[key])) params.append(LIST_PARAMS[key], value);
  }
  if (filter.granularity !== 'DAY') params.set('granularity', filter.granularity);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The GraphQL DashboardFilter: only what is set (absent lists mean "all"). */
export function toGraphQLFilter(filter: FilterState): DashboardFilter {
  const result: DashboardFilter = {};
  if (filter.from) result.from = filter.from;
  if (filter.to) result.to = filter.to;
  if (filter.regions.length) result.regions = [...filter.regions];
  if (filter.companies.length) result.companies = [...filter.companies];
  if (filter.models.length) result.models = [...filter.models];
  return result;
}

/** Adds or removes one value of a list filter. */
export function toggleValue(filter: FilterState, key: 'regions' | 'companies' | 'models', value: string): FilterState {
  const list = filter[key];
  return { ...filter, [key]: list.includes(value) ? list.filter((item) => item !== value) : [...list, value] };
}
