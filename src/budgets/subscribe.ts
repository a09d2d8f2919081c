// API side of the budgetAlerts subscription: every alert the workers publish, from the
// moment Redis confirms the subscription (the same per-process event target as progress).
import { followChannel, type ProgressSubscribeDeps } from '../progress/subscribe.js';
import { budgetAlertsChannel, parseAlertEvent } from './events.js';
import type { BudgetAlert } from './model.js';

export function publishedAlerts(
  deps: Pick<ProgressSubscribeDeps, 'prefix' | 'redis' | 'redisSubscriber'>,
): Promise<AsyncIterableIterator<BudgetAlert>> {
  return followChannel(deps, budgetAlertsChannel, parseAlertEvent);
}
