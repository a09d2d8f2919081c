// Budgets (SPEC §8): setBudget / deleteBudget (admin, as every mutation), budgets(month)
// with forecasts, the budgetAlerts connection (newest first) and the budgetAlerts
// subscription, fed by the worker over Redis so any API process delivers it.
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { validateBudgetInput } from '../../budgets/input.js';
import { BUDGET_SCOPE_KINDS, type Budget, type BudgetAlert, type BudgetScope, type BudgetStatus } from '../../budgets/model.js';
import { budgetStatuses } from '../../budgets/status.js';
import { alertPage, deleteBudget, setBudget } from '../../budgets/store.js';
import { builder } from '../builder.js';
import { bigintCursor, bigintOfCursor, checkCursors } from '../cursors.js';

/** Page sizes of budgetAlerts (`first`/`last` above maxSize are clamped); the cost limit reads them too. */
export const BUDGET_ALERTS_PAGE = { defaultSize: 20, maxSize: 100 } as const;

const BudgetScopeKindEnum = builder.enumType('BudgetScopeKind', {
  description: 'ALL: every transaction; REGION / COMPANY: the transactions of one region or company (its snapshot at ingest).',
  values: BUDGET_SCOPE_KINDS,
});

const BudgetScopeInput = builder.inputType('BudgetScopeInput', {
  fields: (t) => ({
    kind: t.field({ type: BudgetScopeKindEnum, required: true }),
    value: t.string({ description: 'The region or company (as in the data); required unless kind is ALL, null for ALL.' }),
  }),
});

const SetBudgetInput = builder.inputType('SetBudgetInput', {
  fields: (t) => ({
    scope: t.field({ type: BudgetScopeInput, required: true }),
    monthlyLimit: t.float({ required: true, description: 'USD per calendar month (UTC), > 0.' }),
    thresholds: t.floatList({ description: 'Percents of the limit that raise an alert, each > 0; default [50, 80, 100].' }),
  }),
});

const BudgetScopeRef = builder.objectRef<BudgetScope>('BudgetScope').implement({
  fields: (t) => ({
    kind: t.field({ type: BudgetScopeKindEnum, resolve: (scope) => scope.kind }),
    value: t.exposeString('value', { nullable: true }),
  }),
});

const BudgetRef = builder.objectRef<Budget>('Budget').implement({
  description: 'A monthly spend limit for one scope (at most one budget per scope).',
  fields: (t) => ({
    id: t.exposeID('id'),
    scope: t.field({ type: BudgetScopeRef, resolve: (budget) => budget.scope }),
    monthlyLimit: t.exposeFloat('monthlyLimit'),
    thresholds: t.exposeFloatList('thresholds', { description: 'Ascending, distinct.' }),
  }),
});

const BudgetStatusRef = builder.objectRef<BudgetStatus>('BudgetStatus').implement({
  description:
    'A budget in one month. A is the as-of date (the last date with data). projectedSpend: spent when the month ends before A, ' +
    '0 when it starts after A, else spent + rate × (days left in the month after A), rate = spend of the 7 days ending at A / 7.',
  fields: (t) => ({
    budget: t.field({ type: BudgetRef, resolve: (status) => status.budget }),
    month: t.exposeString('month', { description: 'YYYY-MM (UTC).' }),
    spent: t.exposeFloat('spent'),
    percentUsed: t.exposeFloat('percentUsed', { description: 'spent / monthlyLimit × 100.' }),
    projectedSpend: t.exposeFloat('projectedSpend'),
    projectedPercent: t.exposeFloat('projectedPercent'),
    exhaustionDate: t.field({
      type: 'Date',
      nullable: true,
      description:
        'The first date of the month on which cumulative spend reached the limit; else, in the month of A, the first date after A ' +
        'on which the projection reaches it; else null.',
      resolve: (status) => status.exhaustionDate,
    }),
  }),
});

const BudgetAlertRef = builder.objectRef<BudgetAlert>('BudgetAlert').implement({
  description: 'A threshold of a budget crossed in a month by a job: raised at most once per budget, month and threshold.',
  fields: (t) => ({
    id: t.exposeID('id'),
    budget: t.field({ type: BudgetRef, resolve: (alert) => alert.budget }),
    month: t.exposeString('month', { description: 'YYYY-MM (UTC).' }),
    threshold: t.exposeFloat('threshold'),
    spent: t.exposeFloat('spent', { description: "The month's spend when the alert was raised." }),
    percentUsed: t.exposeFloat('percentUsed'),
    jobId: t.exposeID('jobId', { description: 'The job whose upload moved the spend past the threshold.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.mutationFields((t) => ({
  setBudget: t.field({
    type: BudgetRef,
    description: "Creates the scope's budget, or replaces its limit and thresholds (same id, earlier alerts kept).",
    args: { input: t.arg({ type: SetBudgetInput, required: true }) },
    resolve: (_root, { input }, ctx) => setBudget(ctx.db.pool, validateBudgetInput(input)),
  }),
  deleteBudget: t.field({
    type: 'ID',
    description: 'Deletes a budget and its alerts; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteBudget(ctx.db.pool, String(args.id).toLowerCase()),
  }),
}));

builder.queryFields((t) => ({
  budgets: t.field({
    type: [BudgetStatusRef],
    description: 'Every budget in `month` (YYYY-MM; default: the month of the last date with data). Empty when there is no data.',
    args: { month: t.arg.string() },
    resolve: (_root, args, ctx) => budgetStatuses(ctx.db.pool, ctx.caches.budgetStatuses, args.month ?? null),
  }),
  budgetAlerts: t.connection(
    {
      type: BudgetAlertRef,
      description: 'Budget alerts, newest first.',
      resolve: (_root, args, ctx) => {
        checkCursors(args, 'bigint');
        return resolveCursorConnection<Promise<BudgetAlert[]>>(
          { args, toCursor: (alert: BudgetAlert) => bigintCursor(alert.id), ...BUDGET_ALERTS_PAGE },
          ({ after, before, limit, inverted }) =>
            alertPage(ctx.db.pool, {
              olderThan: after === undefined ? undefined : bigintOfCursor(after, 'after'),
              newerThan: before === undefined ? undefined : bigintOfCursor(before, 'before'),
              limit,
              oldestFirst: inverted,
            }),
        );
      },
    },
    { name: 'BudgetAlertConnection' },
    { name: 'BudgetAlertEdge' },
  ),
}));

builder.subscriptionField('budgetAlerts', (t) =>
  t.field({
    type: BudgetAlertRef,
    description: 'Every budget alert as it is raised, on whichever API process the client is connected to; before the job reports COMPLETED.',
    subscribe: (_root, _args, ctx) => ctx.pubsub.stream(ctx.pubsub.topics.budgetAlerts()),
    resolve: (alert) => alert,
  }),
);
