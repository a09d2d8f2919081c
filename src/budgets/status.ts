// budgets(month): each budget's spend, forecast and exhaustion date for a month (SPEC §8),
// in one statement over the aggregate tables. Everything is decided on exact NUMERIC
// values and converted to float once: the projection spent_to_A + rate × remaining days,
// with rate = (spend over the 7 days ending at A) / 7, is computed as
// spent + spend7 × remaining / 7, and the projected exhaustion date — the first d > A with
// spent + rate × (d − A) ≥ limit — as A + ⌈7 × (limit − spent) / spend7⌉ days, an exact
// integer division, when that date is still in the month.
import type { Queryable } from '../dashboard/queries.js';
import { validateMonth } from './input.js';
import { addDays, budgetColumns, budgetOf, firstDay, lastDay, monthOf, daysBetween, type BudgetRow, type BudgetStatus } from './model.js';
import { scopeDailySpend } from './spend.js';

// $1 first date read, $2 last date of the month, $3 first date of the month, $4 A,
// $5 days of the month after A (0 unless the month holds A), $6 the month holds A.
// Scale 40 before each division: the result is exact to 40 decimals before the float cast.
const STATUS_SQL = `
WITH days AS (${scopeDailySpend('budgets', '$1::date', '$2::date')}),
cumulated AS (
  SELECT budget_id, date, cost,
         sum(cost) FILTER (WHERE date >= $3::date) OVER (PARTITION BY budget_id ORDER BY date) AS in_month
    FROM days
),
sums AS (
  SELECT b.id,
         coalesce(sum(c.cost) FILTER (WHERE c.date >= $3::date), 0) AS spent,
         coalesce(sum(c.cost) FILTER (WHERE c.date > $4::date - 7), 0) AS spend7,
         min(c.date) FILTER (WHERE c.date >= $3::date AND c.in_month >= b.monthly_limit) AS reached_on
    FROM budgets b LEFT JOIN cumulated c ON c.budget_id = b.id
   GROUP BY b.id
)
SELECT ${budgetColumns('b')},
       s.spent::float8 AS spent,
       (round(s.spent, 40) * 100 / b.monthly_limit)::float8 AS percent_used,
       p.projected::float8 AS projected_spend,
       (p.projected * 100 / b.monthly_limit)::float8 AS projected_percent,
       coalesce(s.reached_on, CASE WHEN e.days_to_limit <= $5::int THEN $4::date + e.days_to_limit::int END)::text AS exhaustion_date
  FROM budgets b
  JOIN sums s ON s.id = b.id
  CROSS JOIN LATERAL (SELECT s.spent + round(s.spend7, 40) * $5::int / 7 AS projected) p
  CROSS JOIN LATERAL (
    SELECT CASE WHEN $6::boolean AND s.reached_on IS NULL AND s.spend7 > 0 THEN
             div(7 * (b.monthly_limit - s.spent), s.spend7)
             + CASE WHEN mod(7 * (b.monthly_limit - s.spent), s.spend7) > 0 THEN 1 ELSE 0 END
           END AS days_to_limit
  ) e
 ORDER BY b.scope_kind, b.scope_value COLLATE "C"`;

const FIRST_DATE = '0001-01-01';
const FIRST_WINDOW_AS_OF = '0001-01-07';

interface StatusRow extends BudgetRow {
  spent: number;
  percent_used: number;
  projected_spend: number;
  projected_percent: number;
  exhaustion_date: string | null;
}

// What a result depends on, read in one round trip with A: the aggregates' version (bumped
// by every refresh), the budgets (a delete changes the count, a create or replace the
// latest updated_at) and A itself.
const VERSIONS_SQL = `
SELECT (SELECT max(date)::text FROM daily_metrics) AS as_of,
       (SELECT version::text FROM data_version WHERE id = 1) AS data_version,
       (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM budgets) AS budgets_version`;

/**
 * Results by (versions, A, month), least recently used first: a few months × the latest
 * versions (older versions age out). One per API process, created by createServices.
 */
export class BudgetStatusCache {
  private readonly entries = new Map<string, Promise<BudgetStatus[]>>();

  constructor(readonly maxEntries = 32) {}

  /** The cached promise for `key`, or computes, stores and returns it (failures are not kept). */
  getOrCompute(key: string, compute: () => Promise<BudgetStatus[]>): Promise<BudgetStatus[]> {
    let result = this.entries.get(key);
    if (result) {
      this.entries.delete(key); // re-inserted below: Map order is the LRU order
    } else {
      const computed = compute();
      computed.catch(() => this.entries.get(key) === computed && this.entries.delete(key));
      result = computed;
    }
    this.entries.set(key, result);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return result;
  }
}

/**
 * Every budget's status for `month` (`YYYY-MM`; default: the month of the as-of date A),
 * ordered by scope (ALL, regions, companies; values in code-point order). Empty when
 * there is no data (no A). A result is reused until the aggregates or the budgets change
 * (the dashboard's first screen asks for it on every page load).
 */
export async function budgetStatuses(db: Queryable, cache: BudgetStatusCache, month: string | null): Promise<BudgetStatus[]> {
  const asked = month === null ? null : validateMonth(month);
  const versions = (await db.query<{ as_of: string | null; data_version: string | null; budgets_version: string }>(VERSIONS_SQL)).rows[0];
  const asOf = versions?.as_of ?? null;
  if (asOf === null) return [];
  const m = asked ?? monthOf(asOf);
  const key = `${versions?.data_version ?? '-'}|${versions?.budgets_version}|${asOf}|${m}`;
  return cache.getOrCompute(key, () => computeStatuses(db, m, asOf));
}

async function computeStatuses(db: Queryable, m: string, asOf: string): Promise<BudgetStatus[]> {
  const start = firstDay(m);
  const end = lastDay(m);
  const holdsAsOf = start <= asOf && asOf <= end;
  // The 7-day window ending at A may reach into the previous month (not before year 1).
  const windowStart = asOf < FIRST_WINDOW_AS_OF ? FIRST_DATE : addDays(asOf, -6);
  const readFrom = holdsAsOf && windowStart < start ? windowStart : start;
  const remaining = holdsAsOf ? daysBetween(asOf, end) : 0;
  const { rows } = await db.query<StatusRow>(STATUS_SQL, [readFrom, end, start, asOf, remaining, holdsAsOf]);
  return rows.map((row) => ({
    budget: budgetOf(row),
    month: m,
    spent: row.spent,
    percentUsed: row.percent_used,
    projectedSpend: row.projected_spend,
    projectedPercent: row.projected_percent,
    exhaustionDate: row.exhaustion_date,
  }));
}
