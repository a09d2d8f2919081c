// The budget domain's values as the API serves them (SPEC §8). Money and percents are
// floats converted once from exact NUMERIC values; months are `YYYY-MM`, dates `YYYY-MM-DD`.
export const BUDGET_SCOPE_KINDS = ['ALL', 'REGION', 'COMPANY'] as const;
export type BudgetScopeKind = (typeof BUDGET_SCOPE_KINDS)[number];

export interface BudgetScope {
  kind: BudgetScopeKind;
  /** The region or company; null for ALL. */
  value: string | null;
}

export interface Budget {
  id: string;
  scope: BudgetScope;
  monthlyLimit: number;
  thresholds: number[];
}

export interface BudgetStatus {
  budget: Budget;
  month: string;
  spent: number;
  percentUsed: number;
  projectedSpend: number;
  projectedPercent: number;
  exhaustionDate: string | null;
}

export interface BudgetAlert {
  /** bigint id as decimal text (the connection's order). */
  id: string;
  budget: Budget;
  month: string;
  threshold: number;
  spent: number;
  percentUsed: number;
  jobId: string;
  createdAt: Date;
}

const DAY_MS = 86_400_000;

export const monthOf = (date: string): string => date.slice(0, 7);
export const firstDay = (month: string): string => `${month}-01`;

/** The last date of a `YYYY-MM` month. */
export function lastDay(month: string): string {
  const [year, monthNo] = month.split('-').map(Number) as [number, number];
  // Day 0 of the next month; setUTCFullYear keeps years below 100 (Date.UTC maps them to 19xx).
  const date = new Date(0);
  date.setUTCFullYear(year, monthNo, 0);
  return `${month}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

export const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

export const addDays = (date: string, days: number): string => {
  const moved = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
  return moved.toISOString().slice(0, 10);
};

// Rows as the store's SQL selects them (budgetColumns); floats converted by PostgreSQL.
export interface BudgetRow {
  id: string;
  scope_kind: BudgetScopeKind;
  scope_value: string;
  monthly_limit: number;
  thresholds: number[];
}

/** The budget columns of `budgets` aliased `alias`, in the shape BudgetRow reads. */
export const budgetColumns = (alias: string) =>
  `${alias}.id::text AS id, ${alias}.scope_kind::text AS scope_kind, ${alias}.scope_value,
   ${alias}.monthly_limit::float8 AS monthly_limit, ${alias}.thresholds::float8[] AS thresholds`;

export interface AlertRow extends BudgetRow {
  alert_id: string;
  month: string;
  threshold: number;
  spent: number;
  percent_used: number;
  job_id: string;
  created_at: Date;
}

/** An alert with its budget: budget_alerts `a` joined to budgets `b`, in the shape AlertRow reads. */
export const ALERT_COLUMNS = `a.id::text AS alert_id, ${budgetColumns('b')}, to_char(a.month, 'YYYY-MM') AS month,
   a.threshold::float8 AS threshold, a.spent::float8 AS spent, a.percent_used::float8 AS percent_used,
   a.job_id::text AS job_id, a.created_at`;

export const alertOf = (row: AlertRow): BudgetAlert => ({
  id: row.alert_id,
  budget: budgetOf(row),
  month: row.month,
  threshold: row.threshold,
  spent: row.spent,
  percentUsed: row.percent_used,
  jobId: row.job_id,
  createdAt: row.created_at,
});

export const budgetOf = (row: BudgetRow): Budget => ({
  id: row.id,
  scope: { kind: row.scope_kind, value: row.scope_kind === 'ALL' ? null : row.scope_value },
  monthlyLimit: row.monthly_limit,
  thresholds: row.thresholds,
});
