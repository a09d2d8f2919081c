// Budget form rules and labels, checked in the browser before the API checks them again.
import type { BudgetScopeKind, SetBudgetInput } from '../../../src/client/generated/graphql.js';

export function scopeLabel(scope: { kind: BudgetScopeKind; value: string | null }): string {
  if (scope.kind === 'ALL') return 'All spend';
  return `${scope.kind === 'REGION' ? 'Region' : 'Company'} ${scope.value ?? ''}`;
}

export interface BudgetForm {
  kind: BudgetScopeKind;
  value: string;
  monthlyLimit: string;
  thresholds: string;
}

export const EMPTY_BUDGET_FORM: BudgetForm = { kind: 'ALL', value: '', monthlyLimit: '', thresholds: '50, 80, 100' };

/** The SetBudgetInput for a form, or the first problem in words. */
export function budgetInput(form: BudgetForm): { input: SetBudgetInput } | { error: string } {
  const limit = Number(form.monthlyLimit.replace(/[,$\s]/g, ''));
  if (!form.monthlyLimit.trim() || !Number.isFinite(limit) || limit <= 0) return { error: 'The monthly limit must be a number above 0.' };
  // "50 %", "50%" and "50" are all fifty percent.
  const parts = form.thresholds.replace(/%/g, ' ').split(/[,;\s]+/).filter(Boolean);
  const thresholds = parts.map(Number);
  if (thresholds.some((value) => !Number.isFinite(value) || value <= 0)) return { error: 'Each threshold must be a percent above 0.' };
  const value = form.value.trim();
  if (form.kind !== 'ALL' && !value) return { error: `Choose the ${form.kind === 'REGION' ? 'region' : 'company'}.` };
  return {
    input: {
      scope: { kind: form.kind, value: form.kind === 'ALL' ? null : value },
      monthlyLimit: limit,
      ...(thresholds.length ? { thresholds: [...new Set(thresholds)].sort((a, b) => a - b) } : {}),
    },
  };
}
