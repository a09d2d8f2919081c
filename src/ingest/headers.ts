// Header row → column positions. Names match case-insensitively, ignoring spaces, "_" and
// "-" anywhere (User_ID = user id = userId), in any order (SPEC §2).
import { InputFileError } from './errors.js';
import { withoutNul } from './values.js';

export interface ColumnSpec<Name extends string> {
  name: Name;
  required: boolean;
}

export interface HeaderMapping<Name extends string> {
  /** Position of each known column in a record; -1 when an optional column is absent. */
  index: Record<Name, number>;
  /** Number of fields every record must have. */
  width: number;
  /** Header cells that match no column (reported once as a job warning). */
  unknown: string[];
}

export const normalizeHeader = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * Maps a header row. Missing required columns or a column given twice fail the file
 * (InputFileError) before any row is read, naming the columns.
 */
export function mapHeader<Name extends string>(
  fileLabel: string,
  header: readonly string[],
  columns: readonly ColumnSpec<Name>[],
): HeaderMapping<Name> {
  const byKey = new Map(columns.map((column) => [normalizeHeader(column.name), column.name]));
  const index = Object.fromEntries(columns.map((column) => [column.name, -1])) as Record<Name, number>;
  const unknown: string[] = [];
  const repeated = new Set<Name>();
  header.forEach((cell, position) => {
    const name = byKey.get(normalizeHeader(cell));
    if (name === undefined) unknown.push(cell.trim() || `(empty, column ${position + 1})`);
    else if (index[name] >= 0) repeated.add(name);
    else index[name] = position;
  });
  const missing = columns.filter((column) => column.required && index[column.name] < 0).map((column) => column.name);
  const problems: string[] = [];
  if (missing.length) problems.push(`missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  if (repeated.size) problems.push(`column${repeated.size > 1 ? 's' : ''} given more than once: ${[...repeated].join(', ')}`);
  if (problems.length) throw new InputFileError(`${fileLabel}: ${problems.join('; ')}`);
  return { index, width: header.length, unknown };
}

const WARNING_NAMES = 20;
const WARNING_NAME_CHARS = 60;

/**
 * The job warning for ignored columns. A header is the file's text: the warning names at
 * most 20 of them, each clipped, so a 100k-column header cannot make a megabyte warning.
 */
export function unknownColumnsWarning(fileLabel: string, unknown: readonly string[]): string {
  const names = unknown.slice(0, WARNING_NAMES).map((name) =>
    withoutNul(name.length > WARNING_NAME_CHARS ? `${name.slice(0, WARNING_NAME_CHARS - 3)}...` : name),
  );
  const more = unknown.length > WARNING_NAMES ? ` and ${unknown.length - WARNING_NAMES} more` : '';
  return `${fileLabel}: ignored unknown column${unknown.length > 1 ? 's' : ''}: ${names.join(', ')}${more}`;
}
