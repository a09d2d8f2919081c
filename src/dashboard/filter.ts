// The dashboard filter (SPEC §4): validated once per request, then carried by the
// Dashboard object to every field resolver.
import { createHash } from 'node:crypto';
import { badInput } from '../errors.js';
import { longerThan, MAX_CODE_LENGTH, MAX_COMPANY_LENGTH } from '../ingest/values.js';

const MAX_FILTER_VALUES = 100;
// A value longer than the data can hold matches nothing; refusing it keeps requests (and
// what they leave in the cache) small. Regions and models are codes (MAX_CODE_LENGTH);
// Company_Name is limited to 256 characters at ingest.
const MAX_FILTER_VALUE_LENGTH = { regions: MAX_CODE_LENGTH, companies: MAX_COMPANY_LENGTH, models: MAX_CODE_LENGTH } as const;
// No stored value holds a control character, and PostgreSQL cannot take a NUL in text.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
export const MAX_TOP_COMPANIES = 100;

export type Granularity = 'DAY' | 'WEEK' | 'MONTH';
export const GRANULARITIES: readonly Granularity[] = ['DAY', 'WEEK', 'MONTH'];

/** What the client sent (GraphQL input DashboardFilter). */
export interface DashboardFilterInput {
  from?: string | null;
  to?: string | null;
  regions?: readonly string[] | null;
  companies?: readonly string[] | null;
  models?: readonly string[] | null;
}

/**
 * A validated filter. A list is null when it does not narrow (absent or empty = all);
 * otherwise it holds the distinct values asked for, sorted (stable cache keys).
 */
export interface DashboardFilter {
  from: string | null;
  to: string | null;
  regions: string[] | null;
  companies: string[] | null;
  models: string[] | null;
}

type FilterList = keyof typeof MAX_FILTER_VALUE_LENGTH;

/** How errors name each filter part: GraphQL's `filter.regions`, the CSV export's `region`. */
export type FilterArgumentNames = Record<'from' | 'to' | FilterList, string>;
const GRAPHQL_FILTER_NAMES: FilterArgumentNames = {
  from: 'filter.from',
  to: 'filter.to',
  regions: 'filter.regions',
  companies: 'filter.companies',
  models: 'filter.models',
};

function normaliseList(values: readonly string[] | null | undefined, argument: string, list: FilterList): string[] | null {
  if (!values || values.length === 0) return null;
  if (values.length > MAX_FILTER_VALUES) {
    throw badInput(`${argument} accepts at most ${MAX_FILTER_VALUES} values, got ${values.length}`, argument);
  }
  const maxLength = MAX_FILTER_VALUE_LENGTH[list];
  values.forEach((value, index) => {
    // Counted as ingest counts them (code points), so every stored value can be asked for.
    if (longerThan(value, maxLength)) {
      throw badInput(`${argument}[${index}] is longer than ${maxLength} characters`, `${argument}[${index}]`);
    }
    if (CONTROL_RE.test(value)) {
      throw badInput(`${argument}[${index}] contains a control character`, `${argument}[${index}]`);
    }
  });
  return [...new Set(values)].sort();
}

/** Throws BAD_USER_INPUT naming the argument (`filter.from`, `filter.regions`, …). */
export function validateFilter(
  input: DashboardFilterInput | null | undefined,
  names: FilterArgumentNames = GRAPHQL_FILTER_NAMES,
): DashboardFilter {
  const from = input?.from ?? null;
  const to = input?.to ?? null;
  // Both are real YYYY-MM-DD dates (the Date scalar checked them): string order is date order.
  if (from !== null && to !== null && from > to) {
    throw badInput(`${names.from} (${from}) is after ${names.to} (${to})`, names.from);
  }
  return {
    from,
    to,
    regions: normaliseList(input?.regions, names.regions, 'regions'),
    companies: normaliseList(input?.companies, names.companies, 'companies'),
    models: normaliseList(input?.models, names.models, 'models'),
  };
}

export function validateTopCompaniesLimit(limit: number | null | undefined): number {
  const value = limit ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TOP_COMPANIES) {
    throw badInput(`limit must be between 1 and ${MAX_TOP_COMPANIES}, got ${value}`, 'limit');
  }
  return value;
}

export function validateGranularity(granularity: string | null | undefined): Granularity {
  const value = granularity ?? 'DAY';
  if (!(GRANULARITIES as readonly string[]).includes(value)) {
    throw badInput(`granularity must be one of ${GRANULARITIES.join(', ')}, got ${value}`, 'granularity');
  }
  return value as Granularity;
}

/** A stable, fixed-size digest of the filter, for cache keys (a filter can be ~50 KB). */
export function filterKey(filter: DashboardFilter): string {
  const text = JSON.stringify([filter.from, filter.to, filter.regions, filter.companies, filter.models]);
  return createHash('sha256').update(text).digest('base64url');
}
