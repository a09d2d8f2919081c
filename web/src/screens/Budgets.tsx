// Budgets: the month's table (spent, projected, exhaustion date), the latest alerts, and for
// admins a form to create or edit a budget (one per scope: setting a scope again edits it).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { BudgetsQuery as BudgetsData } from '../../../src/client/generated/graphql.js';
import { BudgetAlertsQuery, BudgetsQuery, DeleteBudgetMutation, SetBudgetMutation } from '../../../src/client/operations/budgets.js';
import { DashboardFiltersQuery } from '../../../src/client/operations/dashboard.js';
import { doc } from '../client.js';
import { BUDGET_ALERT_EVENT } from '../components/Toasts.js';
import { budgetInput, EMPTY_BUDGET_FORM, scopeLabel, type BudgetForm } from '../lib/budgets.js';
import { formatInstant, formatMoney, formatPercent } from '../lib/format.js';
import { useSession } from '../session.js';

const Budgets_ = doc(BudgetsQuery);
const BudgetAlerts = doc(BudgetAlertsQuery);
const SetBudget = doc(SetBudgetMutation);
const DeleteBudget = doc(DeleteBudgetMutation);
const Filters = doc(DashboardFiltersQuery);

type Row = BudgetsData['budgets'][number];

export function Budgets() {
  const { isAdmin } = useSession();
  const [month, setMonth] = useState('');
  const [budgets, refetchBudgets] = useQuery({ query: Budgets_, variables: { month: month || null } });
  const [alerts, refetchAlerts] = useQuery({ query: BudgetAlerts, variables: { first: 10 } });
  // A new alert means new spend: read the table and the list again.
  useEffect(() => {
    const refresh = () => {
      refetchBudgets({ requestPolicy: 'network-only' });
      refetchAlerts({ requestPolicy: 'network-only' });
    };
    window.addEventListener(BUDGET_ALERT_EVENT, refresh);
    return () => window.removeEventListener(BUDGET_ALERT_EVENT, refresh);
  }, [refetchBudgets, refetchAlerts]);
  const [editing, setEditing] = useState<BudgetForm | null>(null);
  const [, deleteBudget] = useMutation(DeleteBudget);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const rows = budgets.data?.budgets ?? [];

  const remove = async (row: Row) => {
    if (!window.confirm(`Delete the budget for ${scopeLabel(row.budget.scope)}?`)) return;
    const result = await deleteBudget({ id: row.budget.id });
    setDeleteError(result.error ? (result.error.graphQLErrors[0]?.message ?? result.error.message) : null);
    refetchBudgets({ requestPolicy: 'network-only' });
  };

  return (
    <section aria-labelledby="budgets-title" className="stack">
      <div className="row spread">
        <h1 id="budgets-title">Budgets</h1>
        <div className="row">
          <label htmlFor="budget-month">Month</label>
          <input id="budget-month" type="month" value={month} onChange={(event) => setMonth(event.target.value)} />
          {isAdmin && !editing && (
            <button type="button" className="primary" onClick={() => setEditing(EMPTY_BUDGET_FORM)}>
              New budget
            </button>
          )}
        </div>
      </div>
      {isAdmin && editing && (
        <BudgetEditor
          initial={editing}
          onDone={() => {
            setEditing(null);
            refetchBudgets({ requestPolicy: 'network-only' });
          }}
        />
      )}
      {budgets.error && (
        <p className="error" role="alert">
          {budgets.error.graphQLErrors[0]?.message ?? budgets.error.message}
        </p>
      )}
      {deleteError && (
        <p className="error" role="alert">
          {deleteError}
        </p>
      )}
      <div className="table-wrap">
        <table data-testid="budgets-table" className="cards-on-narrow">
          <caption>{rows[0] ? `Spend in ${rows[0].month}` : 'Budgets'}</caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col" className="num">Monthly limit</th>
              <th scope="col" className="num">Spent</th>
              <th scope="col" className="num">Used</th>
              <th scope="col" className="num">Projected</th>
              <th scope="col" className="num">Projected use</th>
              <th scope="col">Exhausted on</th>
              <th scope="col">Alerts at</th>
              {isAdmin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.budget.id} data-budget={row.budget.id}>
                <th scope="row">{scopeLabel(row.budget.scope)}</th>
                <td className="num" data-label="Monthly limit">{formatMoney(row.budget.monthlyLimit)}</td>
                <td className="num" data-label="Spent">{formatMoney(row.spent)}</td>
                <td className="num" data-label="Used">
                  <span className={row.percentUsed >= 100 ? 'over' : undefined}>{formatPercent(row.percentUsed)}</span>
                </td>
                <td className="num" data-label="Projected">{formatMoney(row.projectedSpend)}</td>
                <td className="num" data-label="Projected use">{formatPercent(row.projectedPercent)}</td>
                <td data-label="Exhausted on">{row.exhaustionDate ?? '—'}</td>
                <td data-label="Alerts at">{row.budget.thresholds.map((value) => `${value} %`).join(', ')}</td>
                {isAdmin && (
                  <td className="actions" data-label="Actions">
                    <button
                      type="button"
                      onClick={() =>
                        setEditing({
                          kind: row.budget.scope.kind,
                          value: row.budget.scope.value ?? '',
                          monthlyLimit: String(row.budget.monthlyLimit),
                          thresholds: row.budget.thresholds.join(', '),
                        })
                      }
                    >
                      Edit
                    </button>
                    <button type="button" onClick={() => void remove(row)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
            {!rows.length && !budgets.fetching && (
              <tr>
                <td colSpan={isAdmin ? 9 : 8}>No budgets (or no data) for this month.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <section aria-labelledby="alerts-title" className="card">
        <h2 id="alerts-title">Latest alerts</h2>
        <ul className="alerts" data-testid="alerts-list">
          {alerts.data?.budgetAlerts.edges.map(({ node }) => (
            <li key={node.id}>
              {formatInstant(node.createdAt)} · {scopeLabel(node.budget.scope)} passed {formatPercent(node.threshold, 0)} in {node.month}:{' '}
              {formatMoney(node.spent)} ({formatPercent(node.percentUsed)})
            </li>
          ))}
          {alerts.data && !alerts.data.budgetAlerts.edges.length && <li>No alerts yet.</li>}
        </ul>
      </section>
    </section>
  );
}

function BudgetEditor({ initial, onDone }: { initial: BudgetForm; onDone(): void }) {
  const [form, setForm] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setBudget] = useMutation(SetBudget);
  const [choices] = useQuery({ query: Filters });
  const values = useMemo(
    () => (form.kind === 'REGION' ? choices.data?.dashboard.regions : form.kind === 'COMPANY' ? choices.data?.dashboard.companies : []) ?? [],
    [form.kind, choices.data],
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = budgetInput(form);
    if ('error' in checked) return setProblem(checked.error);
    const result = await setBudget({ input: checked.input });
    if (result.error) return setProblem(result.error.graphQLErrors[0]?.message ?? result.error.message);
    onDone();
  };
  const set = (patch: Partial<BudgetForm>) => setForm((current) => ({ ...current, ...patch }));
  return (
    <form className="card budget-form" aria-label="Budget" onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor="budget-kind">Scope</label>
        <select id="budget-kind" value={form.kind} onChange={(event) => set({ kind: event.target.value as BudgetForm['kind'], value: '' })}>
          <option value="ALL">All spend</option>
          <option value="REGION">Region</option>
          <option value="COMPANY">Company</option>
        </select>
      </div>
      {form.kind !== 'ALL' && (
        <div className="field">
          <label htmlFor="budget-value">{form.kind === 'REGION' ? 'Region' : 'Company'}</label>
          <input id="budget-value" list="budget-values" value={form.value} onChange={(event) => set({ value: event.target.value })} />
          <datalist id="budget-values">
            {values.map((value) => (
              <option key={value} value={value} />
            ))}
          </datalist>
        </div>
      )}
      <div className="field">
        <label htmlFor="budget-limit">Monthly limit (USD)</label>
        <input id="budget-limit" inputMode="decimal" value={form.monthlyLimit} onChange={(event) => set({ monthlyLimit: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="budget-thresholds">Alert at (% of the limit)</label>
        <input id="budget-thresholds" value={form.thresholds} onChange={(event) => set({ thresholds: event.target.value })} aria-describedby="thresholds-help" />
        <small id="thresholds-help">Comma-separated, e.g. 50, 80, 100</small>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={saving.fetching}>
          Save budget
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
