// The budget alert as it travels on Redis from the worker to every API process: the
// channel (namespaced like the progress channels) and the wire shape, checked on arrival.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { channelPrefix } from '../progress/events.js';
import { BUDGET_SCOPE_KINDS, type BudgetAlert } from './model.js';

/** Every alert of a deployment; `prefix` is channelPrefix(REDIS_PREFIX, db). */
export const budgetAlertsChannel = (prefix: string) => `${prefix}:budget-alerts`;

const budgetSchema = z.object({
  id: z.uuid(),
  scope: z.object({ kind: z.enum(BUDGET_SCOPE_KINDS), value: z.string().nullable() }),
  monthlyLimit: z.number().positive(),
  thresholds: z.array(z.number().positive()),
});

const budgetAlertEventSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/),
  budget: budgetSchema,
  month: z.string().regex(/^\d{4}-\d{2}$/),
  threshold: z.number().positive(),
  spent: z.number().nonnegative(),
  percentUsed: z.number().nonnegative(),
  jobId: z.uuid(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type BudgetAlertEvent = z.infer<typeof budgetAlertEventSchema>;

const toAlertEvent = (alert: BudgetAlert): BudgetAlertEvent => ({ ...alert, createdAt: alert.createdAt.toISOString() });

/** A message from the channel, or null (dropped) when it is not a valid alert. */
export function parseAlertEvent(detail: unknown): BudgetAlert | null {
  const result = budgetAlertEventSchema.safeParse(detail);
  return result.success ? { ...result.data, createdAt: new Date(result.data.createdAt) } : null;
}

/** Publishes alerts in order on one connection; rejects when Redis refused any of them. */
export async function publishAlerts(redis: Redis, prefix: string, alerts: readonly BudgetAlert[]): Promise<void> {
  if (!alerts.length) return;
  const channel = budgetAlertsChannel(channelPrefix(prefix, redis.options.db));
  const pipeline = redis.pipeline();
  for (const alert of alerts) pipeline.publish(channel, JSON.stringify(toAlertEvent(alert)));
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}
