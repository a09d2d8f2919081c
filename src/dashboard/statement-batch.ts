// One round trip for the statements a dashboard request issues together. The fields of a
// request start at once and each sends a few small statements (~15 for the full
// dashboard); one by one, their protocol round trips cost about as much CPU as most of
// them take to run. The statements issued in the same turn of the event loop (DataLoader,
// flushed on setImmediate) go out as multi-statement queries, their parameters written as
// literals, over BATCH_CONNECTIONS connections so one request still uses several cores.
// Measured on the dashboard alone (no HTTP) at 10M transactions: 16 clients 67 → 87 full
// dashboards/s, one client's p95 35 → 25 ms (bench/RESULTS.md "History scaling").
import DataLoader from 'dataloader';
import pg from 'pg';

/** Round trips per batch: 1 serialises a request on one core (p95 +40 % at one client); 3 gained nothing over 2. */
const BATCH_CONNECTIONS = 2;

export interface Statement {
  text: string;
  values: readonly unknown[];
}

/** What the dashboard's SQL needs of a connection or pool. */
export interface StatementRunner {
  query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A parameter as a SQL literal: the text PostgreSQL would have received for it, escaped
 * by pg (quotes doubled, backslashes in E'' form). Strings, finite numbers, string arrays
 * and null only: the dashboard's filters are dates and lists of names.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.length ? `ARRAY[${value.map((item) => pg.escapeLiteral(item)).join(', ')}]` : `'{}'`;
  }
  throw new TypeError(`no SQL literal for ${typeof value} parameters`);
}

/** `text` with its $n parameters written in as literals. */
export function inlineParameters({ text, values }: Statement): string {
  return text.replace(/\$(\d+)/g, (_match, index: string) => {
    const position = Number(index) - 1;
    if (position >= values.length) throw new RangeError(`no value for $${index}`);
    return sqlLiteral(values[position]);
  });
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

async function runTogether(pool: StatementRunner, statements: readonly Statement[]): Promise<pg.QueryResult[]> {
  if (statements.length === 1) return [await pool.query(statements[0]!.text, statements[0]!.values)];
  // A multi-statement text runs on the simple protocol, which takes no parameters.
  return (await pool.query(statements.map(inlineParameters).join(';\n'))) as unknown as pg.QueryResult[];
}

/** A runner for one request: statements issued together share one round trip. */
export function batchStatements(pool: StatementRunner, connections = BATCH_CONNECTIONS): StatementRunner {
  const loader = new DataLoader<Statement, pg.QueryResult>(
    async (statements) => {
      // Split over `connections` round trips, so a request still uses several cores.
      const groups = Array.from({ length: Math.min(connections, statements.length) }, (_, g) =>
        statements.filter((_statement, i) => i % connections === g),
      );
      // A failure fails the statements of its round trip only (PostgreSQL ran them as one).
      const results = await Promise.all(
        groups.map((group) => runTogether(pool, group).catch((error: unknown) => group.map(() => asError(error)))),
      );
      return statements.map((_statement, i) => results[i % connections]![Math.floor(i / connections)]!);
    },
    { cache: false, batchScheduleFn: (flush) => setImmediate(flush) },
  );
  return {
    query: <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) =>
      loader.load({ text, values }) as Promise<pg.QueryResult<R>>,
  };
}
