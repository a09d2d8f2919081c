// The two input formats of SPEC §2: their columns and the row rules. A validated row is
// the list of values (in staging-table column order) after its key; a broken one is the
// first column that breaks a rule and why. The key column itself is checked by the caller.
import type { ColumnSpec, HeaderMapping } from './headers.js';
import * as v from './values.js';

export interface RowProblem {
  column: string;
  reason: string;
}

export type RowValues = Array<string | null>;

export interface RowFormat<Name extends string> {
  kind: 'USERS' | 'TRANSACTIONS';
  label: string;
  columns: readonly ColumnSpec<Name>[];
  /** The file's idempotency key (a UUID); a repeat within one file is a duplicate. */
  key: Name;
  /** The row validator for files with this header. */
  validator(mapping: HeaderMapping<Name>): (fields: readonly string[]) => RowValues | RowProblem;
}

export const USER_COLUMNS = [
  { name: 'User_ID', required: true },
  { name: 'User_Name', required: true },
  { name: 'Region', required: true },
  { name: 'Is_Active_Sub', required: true },
  { name: 'Department', required: false },
  { name: 'Company_Name', required: false },
  { name: 'Signup_Date', required: false },
] as const satisfies readonly ColumnSpec<string>[];
export type UserColumn = (typeof USER_COLUMNS)[number]['name'];

export const TRANSACTION_COLUMNS = [
  { name: 'RowId', required: true },
  { name: 'User_ID', required: true },
  { name: 'Model_Name', required: true },
  { name: 'Conversation_ID', required: true },
  { name: 'Token_Type', required: true },
  { name: 'Token_Count', required: true },
  { name: 'Rate_Per_1k', required: true },
  { name: 'Calculated_Cost', required: true },
  { name: 'Timestamp', required: true },
] as const satisfies readonly ColumnSpec<string>[];
export type TransactionColumn = (typeof TRANSACTION_COLUMNS)[number]['name'];

type Check = (value: string) => v.Checked<string | null>;

/**
 * Binds `checks` to a header's column positions once, and returns the per-row validator:
 * it runs the checks in order; absent optional columns read as ''.
 */
function compileChecks<Name extends string>(
  checks: ReadonlyArray<readonly [Name, Check]>,
  mapping: HeaderMapping<Name>,
): (fields: readonly string[]) => RowValues | RowProblem {
  const positions = checks.map(([column]) => mapping.index[column]);
  const names = checks.map(([column]) => column);
  const functions = checks.map(([, check]) => check);
  return (fields) => {
    const values: RowValues = new Array(functions.length);
    for (let i = 0; i < functions.length; i++) {
      const position = positions[i] as number;
      const field = position >= 0 ? (fields[position] ?? '') : '';
      const result = (functions[i] as Check)(field);
      if (result instanceof v.Invalid) return invalidField(names[i] as string, field, result);
      values[i] = result;
    }
    return values;
  };
}

/**
 * The rejection of a field. Every rule refuses a NUL (PostgreSQL text cannot hold one), so
 * whatever rule caught it, the reason names the NUL rather than quoting the value.
 */
export function invalidField(column: string, field: string, invalid: v.Invalid): RowProblem {
  return { column, reason: `${column} ${field.includes('\u0000') ? v.NUL_REASON : invalid.reason}` };
}

const userChecks: ReadonlyArray<readonly [UserColumn, Check]> = [
  ['User_Name', (value) => v.text(value, true, v.MAX_NAME_LENGTH)],
  ['Region', v.code],
  ['Is_Active_Sub', v.boolean],
  ['Department', (value) => v.text(value, false, v.MAX_NAME_LENGTH)],
  ['Company_Name', (value) => v.text(value, false, v.MAX_COMPANY_LENGTH)],
  ['Signup_Date', v.dateOrInstant],
];

const transactionChecks: ReadonlyArray<readonly [TransactionColumn, Check]> = [
  ['User_ID', v.uuid],
  ['Model_Name', v.code],
  ['Conversation_ID', v.uuid],
  ['Token_Type', v.tokenType],
  ['Token_Count', v.nonNegativeInteger],
  ['Rate_Per_1k', v.nonNegativeDecimal],
  ['Calculated_Cost', v.nonNegativeDecimal],
  ['Timestamp', v.instant],
];

export const usersFormat: RowFormat<UserColumn> = {
  kind: 'USERS',
  label: 'users file',
  columns: USER_COLUMNS,
  key: 'User_ID',
  validator: (mapping) => compileChecks(userChecks, mapping),
};

export const transactionsFormat: RowFormat<TransactionColumn> = {
  kind: 'TRANSACTIONS',
  label: 'transactions file',
  columns: TRANSACTION_COLUMNS,
  key: 'RowId',
  validator: (mapping) => compileChecks(transactionChecks, mapping),
};
