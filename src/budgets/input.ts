// What a client may ask of budgets (SPEC §8), checked once at the API's edge: the
// setBudget input and the month argument. Every refusal is BAD_USER_INPUT naming the field.
import { badInput } from '../errors.js';
import { longerThan, MAX_CODE_LENGTH, MAX_COMPANY_LENGTH } from '../ingest/values.js';
import type { BudgetScope, BudgetScopeKind } from './model.js';

const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];
/** USD. Above any real monthly spend; below it, percents of a tiny limit could overflow a float. */
const MIN_MONTHLY_LIMIT = 0.000001;
const MAX_MONTHLY_LIMIT = 1e15;
/** Percent of the limit: 100000 % is a thousand times the budget. */
const MAX_THRESHOLD = 100_000;
const MAX_THRESHOLDS = 20;
/** The stored values a scope can name: regions are codes, companies names (src/ingest/values.ts). */
const MAX_SCOPE_VALUE_LENGTH: Record<Exclude<BudgetScopeKind, 'ALL'>, number> = {
  REGION: MAX_CODE_LENGTH,
  COMPANY: MAX_COMPANY_LENGTH,
};
// As in dashboard filters: no stored region or company holds one, and PostgreSQL text cannot hold NUL.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

export interface SetBudgetInput {
  scope: { kind: BudgetScopeKind; value?: string | null };
  monthlyLimit: number;
  thresholds?: readonly number[] | null;
}

export interface ValidBudgetInput {
  scope: BudgetScope;
  /** Exact decimal text of the limit (the float the client sent, shortest form). */
  monthlyLimit: string;
  /** Distinct, ascending, as decimal texts. */
  thresholds: string[];
}

/** Throws BAD_USER_INPUT naming the field (`input.monthlyLimit`, `input.thresholds[1]`, `input.scope.value`). */
export function validateBudgetInput(input: SetBudgetInput): ValidBudgetInput {
  return {
    scope: validateScope(input.scope),
    monthlyLimit: decimalText(validateLimit(input.monthlyLimit)),
    thresholds: validateThresholds(input.thresholds ?? DEFAULT_THRESHOLDS).map(decimalText),
  };
}

function validateScope(scope: SetBudgetInput['scope']): BudgetScope {
  const field = 'input.scope.value';
  if (scope.kind === 'ALL') {
    if (scope.value != null) throw badInput(`${field} must be null when input.scope.kind is ALL`, field);
    return { kind: 'ALL', value: null };
  }
  const value = scope.value?.trim() ?? '';
  if (!value) throw badInput(`${field} is required when input.scope.kind is ${scope.kind}`, field);
  const max = MAX_SCOPE_VALUE_LENGTH[scope.kind];
  if (longerThan(value, max)) throw badInput(`${field} is longer than ${max} characters`, field);
  if (CONTROL_RE.test(value)) throw badInput(`${field} contains a control character`, field);
  return { kind: scope.kind, value };
}

function validateLimit(limit: number): number {
  const field = 'input.monthlyLimit';
  if (!Number.isFinite(limit) || limit <= 0) throw badInput(`${field} must be greater than 0, got ${limit}`, field);
  if (limit < MIN_MONTHLY_LIMIT || limit > MAX_MONTHLY_LIMIT) {
    throw badInput(`${field} must be between ${MIN_MONTHLY_LIMIT} and ${MAX_MONTHLY_LIMIT}, got ${limit}`, field);
  }
  return limit;
}

function validateThresholds(thresholds: readonly number[]): number[] {
  const field = 'input.thresholds';
  if (thresholds.length > MAX_THRESHOLDS) throw badInput(`${field} accepts at most ${MAX_THRESHOLDS} values, got ${thresholds.length}`, field);
  thresholds.forEach((threshold, index) => {
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold > MAX_THRESHOLD) {
      throw badInput(`${field}[${index}] must be greater than 0 and at most ${MAX_THRESHOLD} (percent of the limit), got ${threshold}`, `${field}[${index}]`);
    }
  });
  return [...new Set(thresholds)].sort((a, b) => a - b);
}

/** The float as the shortest decimal that reads back as it (what the client wrote, for any sane input). */
function decimalText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // NUMERIC takes exponents too; fixed notation keeps stored values readable.
  const [mantissa = '', exponent = '0'] = text.split(/e/i);
  const shift = Number(exponent);
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const point = whole.length + shift;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  return point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A calendar month `YYYY-MM` (0001-01 … 9999-12); BAD_USER_INPUT naming `month` otherwise. */
export function validateMonth(month: string): string {
  if (!MONTH_RE.test(month) || month < '0001-01') {
    const shown = month.length > 20 ? `${month.slice(0, 20)}…` : month;
    throw badInput(`month must be a calendar month YYYY-MM, got ${JSON.stringify(shown)}`, 'month');
  }
  return month;
}
