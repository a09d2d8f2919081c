// SPEC §8 comparisons over the dashboard filter: the previous period (the same filter
// shifted to the N days before `from`) and spend anomalies (median/MAD over the 28 days
// before each date). Pure functions: the spend series comes from ./queries.ts.
import { badInput } from '../errors.js';
import type { DashboardFilter } from './filter.js';

const DAY_MS = 86_400_000;

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** The first date a Date can hold (PostgreSQL has no year 0). */
const FIRST_DATE = '0001-01-01';

/**
 * The filter shifted to the N = to − from + 1 days immediately before `from`; null unless
 * both dates are set. BAD_USER_INPUT when that period would start before 0001-01-01.
 */
export function previousPeriodFilter(filter: DashboardFilter): (DashboardFilter & { from: string; to: string }) | null {
  if (filter.from === null || filter.to === null) return null;
  const days = daysBetween(filter.from, filter.to) + 1;
  if (daysBetween(FIRST_DATE, filter.from) < days) {
    throw badInput(`filter.from (${filter.from}): the ${days} days before it start before ${FIRST_DATE}, so previousPeriod has no dates`, 'filter.from');
  }
  return { ...filter, from: addDays(filter.from, -days), to: addDays(filter.from, -1) };
}

export type AnomalyDirection = 'HIGH' | 'LOW';

export interface SpendAnomaly {
  date: string;
  cost: number;
  baseline: number;
  score: number;
  direction: AnomalyDirection;
}

/** A date's window: the 28 dates before it. */
const ANOMALY_WINDOW_DAYS = 28;
/** Dates whose window holds fewer dates (at the start of the data) are not judged. */
const ANOMALY_MIN_WINDOW = 7;
/** |score| ≥ 3.5 with score = (c − baseline) / (1.4826 × MAD), i.e. |c − baseline| × 10⁴ ≥ 51891 × MAD. */
const THRESHOLD_NUMERATOR = 51_891n;
const THRESHOLD_DENOMINATOR = 10_000n;
const MAD_SCALE = 1.4826;

/**
 * Spend amounts as exact integers: NUMERIC text scaled by 10^scale (the longest fraction
 * in the series), times 4 so that a median (mean of two middles) and a median of
 * deviations from it stay integers. The threshold test is then exact: no float rounding
 * moves a date across |score| = 3.5.
 */
class ExactAmounts {
  readonly scale: number;

  constructor(texts: readonly string[]) {
    this.scale = Math.max(0, ...texts.map((text) => (text.split('.')[1] ?? '').length));
  }

  units(text: string): bigint {
    const negative = text.startsWith('-');
    const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
    const value = BigInt(whole + fraction.padEnd(this.scale, '0')) * 4n;
    return negative ? -value : value;
  }

  /** The float nearest the exact amount (parsed from its decimal text, as PostgreSQL's float8 cast). */
  toNumber(units: bigint): number {
    // units / 4 has at most two more decimals than the data (…25, …5, …75).
    const hundredths = units * 25n;
    const negative = hundredths < 0n;
    const digits = (negative ? -hundredths : hundredths).toString().padStart(this.scale + 3, '0');
    const cut = digits.length - this.scale - 2;
    return Number(`${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`);
  }
}

function median(sorted: readonly bigint[]): bigint {
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle] as bigint;
  return ((sorted[middle - 1] as bigint) + (sorted[middle] as bigint)) / 2n;
}

const ascending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const abs = (value: bigint): bigint => (value < 0n ? -value : value);

/** The dates an anomaly question reads: spend from `seriesStart`, judged on [from, to]. */
export interface AnomalySpan {
  seriesStart: string;
  from: string;
  to: string;
}

const later = (a: string, b: string): string => (a > b ? a : b);

/**
 * The span for a filter over data from `dataStart` to `asOf`; null when no date can be an
 * anomaly. Before dataStart no window holds a date; from asOf + 28 on every window is
 * all zeros (MAD = 0), so later dates are never anomalies and are not read.
 */
export function anomalySpan(filter: Pick<DashboardFilter, 'from' | 'to'>, dataStart: string, asOf: string): AnomalySpan | null {
  const from = later(filter.from ?? dataStart, dataStart);
  // Compared in days: asOf + 28 may not be a four-digit year (past 9999-12-31) when `to` is.
  const to = filter.to === null ? asOf : daysBetween(asOf, filter.to) > ANOMALY_WINDOW_DAYS ? addDays(asOf, ANOMALY_WINDOW_DAYS) : filter.to;
  if (from > to) return null;
  return { seriesStart: later(dataStart, addDays(from, -ANOMALY_WINDOW_DAYS)), from, to };
}

/**
 * The anomalies among the dates of the span (SPEC §8). `spend` holds the filter's spend
 * per date (NUMERIC text) for the dates that have any; every other date counts as 0.
 * Ordered by date.
 */
export function detectSpendAnomalies(spend: ReadonlyMap<string, string>, span: AnomalySpan): SpendAnomaly[] {
  const amounts = new ExactAmounts([...spend.values()]);
  const series = Array.from({ length: daysBetween(span.seriesStart, span.to) + 1 }, (_, i) => {
    const text = spend.get(addDays(span.seriesStart, i));
    return text === undefined ? 0n : amounts.units(text);
  });
  const anomalies: SpendAnomaly[] = [];
  // The series starts at the data's first date or 28 days before `from`: a window never
  // reaches before it, and is cut short only at the start of the data.
  for (let i = daysBetween(span.seriesStart, span.from); i < series.length; i++) {
    const window = series.slice(Math.max(0, i - ANOMALY_WINDOW_DAYS), i);
    if (window.length < ANOMALY_MIN_WINDOW) continue;
    const baseline = median(window.sort(ascending));
    const mad = median(window.map((value) => abs(value - baseline)).sort(ascending));
    if (mad === 0n) continue;
    const cost = series[i] as bigint;
    const deviation = cost - baseline;
    if (abs(deviation) * THRESHOLD_DENOMINATOR < THRESHOLD_NUMERATOR * mad) continue;
    anomalies.push({
      date: addDays(span.seriesStart, i),
      cost: amounts.toNumber(cost),
      baseline: amounts.toNumber(baseline),
      score: Number(deviation) / (MAD_SCALE * Number(mad)),
      direction: deviation > 0n ? 'HIGH' : 'LOW',
    });
  }
  return anomalies;
}
