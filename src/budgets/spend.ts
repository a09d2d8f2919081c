// A budget scope's spend per date, from the aggregate tables only (never `transactions`):
// ALL and REGION from daily_metrics (date, region), COMPANY from daily_company_metrics
// (date, region, company). Both hold exact NUMERIC sums, and both are small (one row per
// date and region, or date, region and company), so a month of 50 budgets is a few
// thousand rows whatever the number of transactions.

/**
 * SQL of rows (budget_id, date, cost) for the budgets `budgets` (a relation with id,
 * scope_kind, scope_value) and the dates from `from` to `to` (SQL date expressions),
 * one row per budget and date with data. Every (budget, date) appears once: a budget is
 * either a company's or not.
 */
export function scopeDailySpend(budgets: string, from: string, to: string): string {
  return `
    SELECT b.id AS budget_id, d.date, sum(d.cost) AS cost
      FROM ${budgets} b
      JOIN daily_metrics d ON b.scope_kind = 'ALL' OR (b.scope_kind = 'REGION' AND d.region = b.scope_value)
     WHERE d.date BETWEEN ${from} AND ${to}
     GROUP BY b.id, d.date
    UNION ALL
    SELECT b.id, d.date, sum(d.cost)
      FROM ${budgets} b
      JOIN daily_company_metrics d ON b.scope_kind = 'COMPANY' AND d.company = b.scope_value
     WHERE d.date BETWEEN ${from} AND ${to}
     GROUP BY b.id, d.date`;
}
