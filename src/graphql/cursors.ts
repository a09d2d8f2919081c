// Relay cursors come back from clients, so they are input: a cursor that is not one we
// issued must be refused as BAD_USER_INPUT before it reaches Prisma. Pothos decodes any
// well-formed tag (a string, a number, a date, a JSON object ...) and Prisma then fails
// on the type, an internal error. The checks accept exactly what Pothos writes for our
// cursor columns: `GPC:S:<uuid>` (jobs) and `GPC:I:<int8>` (rejected rows), base64.
import { badInput } from '../errors.js';
import { isUuid } from '../jobs/job-id.js';

const INT8_MAX = 9223372036854775807n;

export type CursorColumn = 'uuid' | 'bigint';

interface CursorArgs {
  after?: string | null;
  before?: string | null;
}

/** The payload after `GPC:<tag>:` of a canonical base64 cursor, or null. */
function payload(cursor: string, tag: 'S' | 'I'): string | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  // Buffer skips characters outside the alphabet: re-encoding proves nothing was skipped.
  if (Buffer.from(text, 'utf8').toString('base64') !== cursor) return null;
  const prefix = `GPC:${tag}:`;
  return text.startsWith(prefix) ? text.slice(prefix.length) : null;
}

function isValidCursor(cursor: string, column: CursorColumn): boolean {
  if (column === 'uuid') {
    const id = payload(cursor, 'S');
    return id !== null && isUuid(id);
  }
  const id = payload(cursor, 'I');
  return id !== null && /^\d{1,19}$/.test(id) && BigInt(id) <= INT8_MAX;
}

/** Throws BAD_USER_INPUT "invalid cursor" naming `after` or `before`. */
export function checkCursors(args: CursorArgs, column: CursorColumn): void {
  for (const argument of ['after', 'before'] as const) {
    const cursor = args[argument];
    if (cursor != null && !isValidCursor(cursor, column)) throw badInput('invalid cursor', argument);
  }
}

/**
 * Cursors of connections resolved by our own SQL (not the Prisma plugin) over a bigint
 * key: written in the plugin's `GPC:I:` form, so the checks above apply to them unchanged.
 */
export const bigintCursor = (id: string): string => Buffer.from(`GPC:I:${id}`, 'utf8').toString('base64');

/** The key of a bigint cursor; BAD_USER_INPUT naming `argument` when it is not one we issued. */
export function bigintOfCursor(cursor: string, argument: 'after' | 'before'): string {
  const id = isValidCursor(cursor, 'bigint') ? payload(cursor, 'I') : null;
  if (id === null) throw badInput('invalid cursor', argument);
  return id;
}
