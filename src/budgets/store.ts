// Every write of budgets, budget_alerts and budget_spend_marks, and the reads that page
// through alerts. Alert evaluation (worker) and budget changes (API) serialise on one
// transaction-level advisory lock, so an evaluation sees a budget whole or not at all,
// and a budget's first spend marks are taken either before or after an evaluation.
//
// How "percentUsed before the job" is known after the job's aggregates committed: each
// budget keeps, per month, the spend its alerts were last evaluated at (budget_spend_marks;
// taken from the aggregates when the budget is created, then moved by every evaluation).
// An evaluation raises the thresholds t with mark < t ≤ spend now and moves the marks,
// in one transaction: a run that dies before it leaves the marks where they were, so its
// re-run raises exactly the same alerts; the unique key (budget, month, threshold) and
// ON CONFLICT DO NOTHING make an alert at most once ever, whatever the order of jobs.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { notFound } from '../errors.js';
import { ADVISORY_LOCKS, inPooledTransaction } from '../infra/pg-pool.js';
import { isUuid } from '../jobs/job-id.js';
import type { Queryable } from '../dashboard/queries.js';
import type { ValidBudgetInput } from './input.js';
import { ALERT_COLUMNS, alertOf, budgetColumns, budgetOf, type AlertRow, type Budget, type BudgetAlert, type BudgetRow } from './model.js';
import { scopeDailySpend } from './spend.js';

/** pg_advisory_xact_lock key of budget changes and alert evaluations. */
export const BUDGETS_LOCK = ADVISORY_LOCKS.budgets;

/** A transaction that holds the budgets lock from its start. */
function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inPooledTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [BUDGETS_LOCK]);
    return run(client);
  });
}

// ------------------------------------------------------------------ budgets

const UPSERT_BUDGET_SQL = `
INSERT INTO budgets (id, scope_kind, scope_value, monthly_limit, thresholds)
VALUES ($1, $2::"BudgetScopeKind", $3, $4::numeric, $5::numeric[])
ON CONFLICT (scope_kind, scope_value) DO UPDATE
   SET monthly_limit = excluded.monthly_limit, thresholds = excluded.thresholds, updated_at = now()
RETURNING ${budgetColumns('budgets')}, (xmax = 0) AS created`;

// A new budget's marks: its scope's spend in every month with data, so the spend already
// there raises no alert by itself (SPEC §8); months without data start at 0.
const FIRST_MARKS_SQL = `
INSERT INTO budget_spend_marks (budget_id, month, spent)
SELECT budget_id, date_trunc('month', date)::date, sum(cost)
  FROM (${scopeDailySpend('(SELECT * FROM budgets WHERE id = $1)', `'-infinity'::date`, `'infinity'::date`)}) d
 GROUP BY 1, 2`;

/** Creates the budget of the input's scope, or replaces its limit and thresholds (same id, alerts kept). */
export async function setBudget(pool: pg.Pool, input: ValidBudgetInput): Promise<Budget> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<BudgetRow & { created: boolean }>(UPSERT_BUDGET_SQL, [
      randomUUID(),
      input.scope.kind,
      input.scope.value ?? '',
      input.monthlyLimit,
      input.thresholds,
    ]);
    const row = rows[0]!;
    if (row.created) await client.query(FIRST_MARKS_SQL, [row.id]);
    return budgetOf(row);
  });
}

/** Deletes a budget with its alerts and marks; NOT_FOUND when there is none. Returns the id. */
export async function deleteBudget(pool: pg.Pool, id: string): Promise<string> {
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  if (!isUuid(id)) throw notFound('budget', shown);
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>('DELETE FROM budgets WHERE id = $1 RETURNING id::text AS id', [id]);
    if (!rows[0]) throw notFound('budget', shown);
    return rows[0].id;
  });
}

// ------------------------------------------------------------------ alerts

// $1 the job. Months the job touched; their spend per budget now (aggregates) against the
// marks; every threshold crossed upwards is one alert (unless it was raised before).
const EVALUATE_SQL = `
WITH months AS (
  SELECT DISTINCT date_trunc('month', date)::date AS month FROM job_affected_dates WHERE job_id = $1
),
spend AS (
  SELECT d.budget_id, date_trunc('month', d.date)::date AS month, sum(d.cost) AS spent
    FROM (${scopeDailySpend(
      'budgets',
      '(SELECT min(month) FROM months)',
      `(SELECT (max(month) + interval '1 month')::date - 1 FROM months)`,
    )}) d
   WHERE date_trunc('month', d.date)::date IN (SELECT month FROM months)
   GROUP BY 1, 2
),
evaluated AS (
  SELECT b.id AS budget_id, b.scope_kind, b.scope_value, b.monthly_limit, b.thresholds, m.month,
         coalesce(s.spent, 0) AS spent, coalesce(k.spent, 0) AS before
    FROM budgets b CROSS JOIN months m
    LEFT JOIN spend s ON s.budget_id = b.id AND s.month = m.month
    LEFT JOIN budget_spend_marks k ON k.budget_id = b.id AND k.month = m.month
),
marked AS (
  INSERT INTO budget_spend_marks (budget_id, month, spent)
  SELECT budget_id, month, spent FROM evaluated
  ON CONFLICT (budget_id, month) DO UPDATE SET spent = excluded.spent
)
INSERT INTO budget_alerts (budget_id, month, threshold, spent, percent_used, job_id)
SELECT e.budget_id, e.month, t.threshold, e.spent, round(e.spent, 40) * 100 / e.monthly_limit, $1
  FROM evaluated e CROSS JOIN LATERAL unnest(e.thresholds) AS t (threshold)
 WHERE e.before * 100 < t.threshold * e.monthly_limit AND t.threshold * e.monthly_limit <= e.spent * 100
 ORDER BY e.month, e.scope_kind, e.scope_value COLLATE "C", t.threshold
ON CONFLICT (budget_id, month, threshold) DO NOTHING
RETURNING id`;

/**
 * Raises the alerts of job `jobId` (SPEC §8): for every budget and every month of the
 * job's affected dates, each threshold crossed since the last evaluation. Run after the
 * job's aggregates committed. Returns how many alerts it inserted.
 */
export async function evaluateBudgetAlerts(pool: pg.Pool, jobId: string): Promise<number> {
  return inTransaction(pool, async (client) => (await client.query(EVALUATE_SQL, [jobId])).rowCount ?? 0);
}

/** The job's alerts not yet published (this run's, or a crashed run's), oldest first. */
export async function unpublishedAlerts(db: Queryable, jobId: string): Promise<BudgetAlert[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id
      WHERE a.job_id = $1 AND a.published_at IS NULL ORDER BY a.id`,
    [jobId],
  );
  return rows.map(alertOf);
}

export async function markPublished(db: Queryable, alertIds: readonly string[]): Promise<void> {
  if (alertIds.length) await db.query('UPDATE budget_alerts SET published_at = now() WHERE id = ANY($1::bigint[])', [alertIds]);
}

export interface AlertPageQuery {
  /** Alerts older than this id (a cursor's; decimal digits). */
  olderThan?: string;
  /** Alerts newer than this id. */
  newerThan?: string;
  limit: number;
  /** Oldest first (paging backwards with `last`). */
  oldestFirst: boolean;
}

/** A page of alerts, newest first unless asked otherwise. */
export async function alertPage(db: Queryable, page: AlertPageQuery): Promise<BudgetAlert[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id
      WHERE ($1::bigint IS NULL OR a.id < $1) AND ($2::bigint IS NULL OR a.id > $2)
      ORDER BY a.id ${page.oldestFirst ? 'ASC' : 'DESC'} LIMIT $3`,
    [page.olderThan ?? null, page.newerThan ?? null, page.limit],
  );
  return rows.map(alertOf);
}
