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
import { AS_OF_SQL, scopeDailySpend } from './spend.js';

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

/**
 * Every budget's status for `month` (`YYYY-MM`; default: the month of the as-of date A),
 * ordered by scope (ALL, regions, companies; values in code-point order). Empty when
 * there is no data (no A).
 */
export async function budgetStatuses(db: Queryable, month: string | null): Promise<BudgetStatus[]> {
  const asOf = (await db.query<{ as_of: string | null }>(AS_OF_SQL)).rows[0]?.as_of ?? null;
  if (asOf === null) return [];
  const m = month === null ? monthOf(asOf) : validateMonth(month);
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
