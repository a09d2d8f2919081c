// The dashboard's statement batch (src/dashboard/statement-batch.ts) against real
// PostgreSQL: literals read back exactly what was asked for, hostile text included, and
// statements issued together share round trips yet each gets its own result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchStatements, inlineParameters, sqlLiteral, type StatementRunner } from '../../src/dashboard/statement-batch.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const HOSTILE = [
  '',
  "O'Brien",
  "'; DROP TABLE users; --",
  'back\\slash \\\' quote',
  '$1 $2 $$ dollar',
  'E\'\\x41\'',
  'Ünïcödé 日本 🚀',
  '{"a","b"}',
  'NULL',
];

describe('statement batch', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('statement_batch');
  });
  afterAll(async () => db?.drop());

  it('writes strings, string lists, numbers and null as literals PostgreSQL reads back exactly', async () => {
    for (const value of HOSTILE) {
      const { rows } = await db.pool.query<{ v: string }>(`SELECT ${sqlLiteral(value)}::text AS v`);
      expect(rows[0]!.v).toBe(value);
    }
    const list = await db.pool.query<{ v: string[] }>(`SELECT ${sqlLiteral(HOSTILE)}::text[] AS v`);
    expect(list.rows[0]!.v).toEqual(HOSTILE);
    const empty = await db.pool.query<{ v: string[] }>(`SELECT ${sqlLiteral([])}::text[] AS v`);
    expect(empty.rows[0]!.v).toEqual([]);
    const scalars = await db.pool.query(`SELECT ${sqlLiteral(null)}::date AS n, ${sqlLiteral(-12.5)}::float8 AS x`);
    expect(scalars.rows[0]).toEqual({ n: null, x: -12.5 });
    expect(() => sqlLiteral({})).toThrow(TypeError);
    expect(() => sqlLiteral(Number.NaN)).toThrow(TypeError);
  });

  it('replaces each $n once, never inside a value already written', () => {
    expect(inlineParameters({ text: 'SELECT $1::text, $2::text, $10::int', values: ['$2', 'b', 0, 0, 0, 0, 0, 0, 0, 7] })).toBe(
      "SELECT '$2'::text, 'b'::text, 7::int",
    );
    expect(() => inlineParameters({ text: 'SELECT $2', values: [1] })).toThrow(RangeError);
  });

  it('sends statements issued together in few round trips, each answered with its own rows', async () => {
    const sent: string[] = [];
    const counting: StatementRunner = {
      query: (text, values) => {
        sent.push(text);
        return db.pool.query(text, values as unknown[]);
      },
    };
    const batch = batchStatements(counting);
    const asked = HOSTILE.map((value, i) => ({ text: 'SELECT $1::text AS v, $2::int AS i', values: [value, i] }));
    const results = await Promise.all(asked.map(({ text, values }) => batch.query<{ v: string; i: number }>(text, values)));
    expect(results.map((result) => result.rows)).toEqual(HOSTILE.map((value, i) => [{ v: value, i }]));
    expect(sent.length).toBe(2);

    // One statement alone keeps its bind parameters.
    sent.length = 0;
    expect((await batch.query<{ n: number }>('SELECT $1::int AS n', [5])).rows).toEqual([{ n: 5 }]);
    expect(sent).toEqual(['SELECT $1::int AS n']);

    // A failing statement fails those of its round trip (the 1st and 3rd), never silently.
    const outcomes = await Promise.allSettled([batch.query('SELECT 1/0'), batch.query('SELECT 1 AS n'), batch.query('SELECT 2 AS n')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
  });
});
