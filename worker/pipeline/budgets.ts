// After the job's aggregates commit: its budget alerts (SPEC §8), raised from the
// aggregate tables and published before the job is reported finished.
//
// A crash anywhere in here is safe to re-run: the evaluation moves the budgets' spend
// marks in the same transaction as it inserts the alerts, so a re-run either finds the
// marks unmoved and raises the same alerts, or finds them moved and raises none; either
// way it then publishes the job's alerts still marked unpublished. An alert is marked
// published only after Redis took it, so a crash between the two sends it twice, never
// zero times (subscribers can drop a repeated id).
import type pg from 'pg';
import type { BudgetAlert } from '../../src/budgets/model.js';
import { evaluateBudgetAlerts, markPublished, unpublishedAlerts } from '../../src/budgets/store.js';
import type { Logger } from '../../src/infra/logger.js';

/** Sends alerts to the budgetAlerts subscribers (Redis); rejects when they did not go out. */
export type PublishAlerts = (alerts: readonly BudgetAlert[]) => Promise<void>;

/**
 * Raises the job's alerts and publishes every one of them not yet published. Without a
 * publisher (a pipeline run with no Redis) the alerts are stored and stay unpublished.
 */
export async function raiseBudgetAlerts(pool: pg.Pool, jobId: string, publish: PublishAlerts | undefined, log: Logger): Promise<void> {
  const raised = await evaluateBudgetAlerts(pool, jobId);
  if (raised) log.info({ raised }, 'budget alerts raised');
  if (!publish) return;
  const pending = await unpublishedAlerts(pool, jobId);
  if (!pending.length) return;
  await publish(pending);
  await markPublished(pool, pending.map((alert) => alert.id));
}
