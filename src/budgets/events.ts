// The budget alert as it travels on Redis from the worker to every API process: its wire
// shape, checked on arrival (the channel is in src/infra/pubsub.ts).
import { z } from 'zod';
import type { PubSub } from '../infra/pubsub.js';
import { BUDGET_SCOPE_KINDS, type BudgetAlert } from './model.js';

const budgetSchema = z.object({
  id: z.uuid(),
  scope: z.object({ kind: z.enum(BUDGET_SCOPE_KINDS), value: z.string().nullable() }),
  monthlyLimit: z.number().positive(),
  thresholds: z.array(z.number().positive()),
});

/** On the wire createdAt is ISO 8601; listeners get the BudgetAlert with a Date. */
export const budgetAlertEventSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/),
  budget: budgetSchema,
  month: z.string().regex(/^\d{4}-\d{2}$/),
  threshold: z.number().positive(),
  spent: z.number().nonnegative(),
  percentUsed: z.number().nonnegative(),
  jobId: z.uuid(),
  createdAt: z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
}) satisfies z.ZodType<BudgetAlert, unknown>;

const toAlertEvent = (alert: BudgetAlert): z.input<typeof budgetAlertEventSchema> => ({ ...alert, createdAt: alert.createdAt.toISOString() });

/**
 * Publishes alerts in order on the publisher connection, each after Redis took the one
 * before; rejects when Redis refused one (the caller keeps it unpublished).
 */
export async function publishAlerts(pubsub: PubSub, alerts: readonly BudgetAlert[]): Promise<void> {
  const channel = pubsub.topics.budgetAlerts();
  for (const alert of alerts) await pubsub.publish(channel, toAlertEvent(alert));
}
