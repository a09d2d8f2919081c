// SPEC §8 spend anomalies computed independently: spend per date by plain SQL over
// transactions, then the median/MAD rule in exact rational arithmetic, walking every
// date of [from, to] literally (no shortcut past the last data date).
import type pg from 'pg';
import type { FilterInput } from './dashboard-reference.js';

/** n / d, d > 0. */
interface Rational {
  n: bigint;
  d: bigint;
}

const ZERO: Rational = { n: 0n, d: 1n };

function parseDecimal(text: string): Rational {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const n = BigInt(whole + fraction);
  return { n: negative ? -n : n, d: 10n ** BigInt(fraction.length) };
}

const compare = (a: Rational, b: Rational): number => {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
};
const minus = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d - b.n * a.d, d: a.d * b.d });
const absolute = (a: Rational): Rational => ({ n: a.n < 0n ? -a.n : a.n, d: a.d });
const toNumber = (a: Rational): number => Number(a.n) / Number(a.d);

function medianOf(values: readonly Rational[]): Rational {
  const sorted = [...values].sort(compare);
  const half = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[half] as Rational;
  const a = sorted[half - 1] as Rational;
  const b = sorted[half] as Rational;
  return { n: a.n * b.d + b.n * a.d, d: 2n * a.d * b.d };
}

const DAY_MS = 86_400_000;
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export interface ReferenceAnomaly {
  date: string;
  cost: number;
  baseline: number;
  score: number;
  direction: 'HIGH' | 'LOW';
}

export async function referenceSpendAnomalies(pool: pg.Pool, filter: FilterInput): Promise<ReferenceAnomaly[]> {
  const list = (values: string[] | null | undefined) => (values && values.length ? values : null);
  const [range] = (
    await pool.query<{ min: string | null; max: string | null }>('SELECT min(date)::text AS min, max(date)::text AS max FROM transactions')
  ).rows;
  if (!range?.min || !range.max) return [];
  const { rows } = await pool.query<{ date: string; cost: string }>(
    `SELECT date::text AS date, sum(cost)::text AS cost FROM transactions t
      WHERE ($1::text[] IS NULL OR t.region = ANY($1::text[]))
        AND ($2::text[] IS NULL OR nullif(t.company, '') = ANY($2::text[]))
        AND ($3::text[] IS NULL OR t.model = ANY($3::text[]))
      GROUP BY date`,
    [list(filter.regions), list(filter.companies), list(filter.models)],
  );
  const spend = new Map(rows.map((row) => [row.date, parseDecimal(row.cost)]));
  const c = (date: string) => spend.get(date) ?? ZERO;
  const threshold: Rational = { n: 35n * 14826n, d: 10n * 10000n }; // 3.5 × 1.4826
  const anomalies: ReferenceAnomaly[] = [];
  for (let d = filter.from ?? range.min; d <= (filter.to ?? range.max); d = shift(d, 1)) {
    const window: Rational[] = [];
    for (let w = shift(d, -28); w <= shift(d, -1); w = shift(w, 1)) if (w >= range.min) window.push(c(w));
    if (window.length < 7) continue;
    const baseline = medianOf(window);
    const mad = medianOf(window.map((value) => absolute(minus(value, baseline))));
    if (mad.n === 0n) continue;
    const deviation = minus(c(d), baseline);
    // |deviation| ≥ 3.5 × 1.4826 × MAD, compared exactly.
    const limit = { n: threshold.n * mad.n, d: threshold.d * mad.d };
    if (compare(absolute(deviation), limit) < 0) continue;
    anomalies.push({
      date: d,
      cost: toNumber(c(d)),
      baseline: toNumber(baseline),
      score: toNumber(deviation) / (1.4826 * toNumber(mad)),
      direction: deviation.n > 0n ? 'HIGH' : 'LOW',
    });
  }
  return anomalies;
}

/** The filter shifted to the N = to − from + 1 days before from, or null (SPEC §8). */
export function referencePreviousFilter(filter: FilterInput): (FilterInput & { from: string; to: string }) | null {
  if (!filter.from || !filter.to) return null;
  const days = (Date.parse(filter.to) - Date.parse(filter.from)) / DAY_MS + 1;
  return { ...filter, from: shift(filter.from, -days), to: shift(filter.from, -1) };
}
