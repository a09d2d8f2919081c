// Budget alerts as they are raised (the budgetAlerts subscription), on every screen:
// a toast per alert, announced politely to screen readers, until dismissed.
import { useEffect, useState } from 'react';
import { useSubscription } from 'urql';
import type { BudgetAlertsLiveSubscription } from '../../../src/client/generated/graphql.js';
import { BudgetAlertsLiveSubscription as BudgetAlertsLiveDocument } from '../../../src/client/operations/budgets.js';
import { doc } from '../client.js';
import { formatMoney, formatPercent } from '../lib/format.js';
import { scopeLabel } from '../lib/budgets.js';

const BudgetAlertsLive = doc(BudgetAlertsLiveDocument);
type Alert = BudgetAlertsLiveSubscription['budgetAlerts'];

/** Fired on window when an alert arrives, so an open budget table refreshes. */
export const BUDGET_ALERT_EVENT = 'console:budget-alert';

export function Toasts() {
  // Every event goes through the reducer: a job raises its alerts back to back, and reading
  // only the latest `data` in an effect lost the first of two that arrived in one render.
  // A worker that died mid-publish may deliver an alert twice: keep one per id.
  const [{ data: received = [] }] = useSubscription<BudgetAlertsLiveSubscription, Alert[]>(
    { query: BudgetAlertsLive },
    (previous = [], event) => (previous.some((item) => item.id === event.budgetAlerts.id) ? previous : [...previous, event.budgetAlerts]),
  );
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    if (received.length > 0) window.dispatchEvent(new CustomEvent(BUDGET_ALERT_EVENT));
  }, [received.length]);
  const alerts = received.filter((alert) => !dismissed.has(alert.id));
  const dismiss = (id: string) => setDismissed((current) => new Set(current).add(id));
  return (
    <section className="toasts" aria-label="Budget alerts" aria-live="polite">
      {alerts.map((alert) => (
        <div key={alert.id} className="toast" role="status" data-testid="budget-toast">
          <div>
            <strong>Budget alert: {scopeLabel(alert.budget.scope)}</strong>
            <p>
              {alert.month}: {formatMoney(alert.spent)} spent, {formatPercent(alert.percentUsed)} of {formatMoney(alert.budget.monthlyLimit)} (threshold{' '}
              {formatPercent(alert.threshold, 0)}).
            </p>
          </div>
          <button type="button" className="icon" aria-label="Dismiss alert" onClick={() => dismiss(alert.id)}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
