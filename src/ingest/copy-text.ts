// PostgreSQL COPY text format: tab-separated, \N for null, and backslash escapes for the
// characters that would otherwise end a field or a row.
const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Tab-joined fields of one row, without the row terminator. */
export function copyFields(values: ReadonlyArray<string | null>): string {
  let row = '';
  for (let i = 0; i < values.length; i++) row += (i ? '\t' : '') + copyField(values[i] ?? null);
  return row;
}
