// The AGGREGATES refresh on handwritten files, where conversations span cells and dates:
// a first load, later jobs whose dates already had data, new dates next to old ones, moved
// rows, and conversations that start or stop spanning on a date the job did not touch.
// After every job the tables must equal a recomputation from transactions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAggregates } from '../../worker/pipeline/aggregates.js';
import { REFERENCE_TABLES } from '../helpers/reference-aggregates.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

const U = (n: number) => id(n, 1);
const T = (n: number) => id(n, 2);
const C = (n: number) => id(n, 3);

const users = csv(USERS_HEADER, [
  `${U(1)},Ada,EU,true,,Acme,2023-01-01`,
  `${U(2)},Bob,US,true,,Globex,2023-01-01`,
  `${U(3)},Cy,EU,false,,,2023-01-01`,
  `${U(4)},Di,EU,true,,Acme,2023-01-01`,
]);
const tx = (n: number, user: number, model: string, conversation: number, at: string) =>
  [T(n), U(user), model, C(conversation), n % 2 ? 'prompt' : 'completion', String(10 * n), '0.001', `0.0${n}`, at].join(',');

// c1 solo; c2 on two dates; c3 two models on one date; c4 two users in one cell;
// c7 solo on 03-01 (gets a row on 03-04 later); c8 on 03-01 and 03-02 (loses 03-02 later).
const first = [
  tx(1, 1, 'gpt-4o', 1, '2024-03-01T10:00:00Z'),
  tx(2, 1, 'gpt-4o', 1, '2024-03-01T10:00:01Z'),
  tx(3, 1, 'gpt-4o', 2, '2024-03-01T23:59:00Z'),
  tx(4, 1, 'gpt-4o', 2, '2024-03-02T00:01:00Z'),
  tx(5, 2, 'gpt-4o', 3, '2024-03-02T09:00:00Z'),
  tx(6, 2, 'claude-3-5-sonnet', 3, '2024-03-02T09:01:00Z'),
  tx(7, 1, 'gpt-4o', 4, '2024-03-01T12:00:00Z'),
  tx(8, 4, 'gpt-4o', 4, '2024-03-01T12:01:00Z'),
  tx(9, 3, 'gemini-1.5-flash', 7, '2024-03-01T08:00:00Z'),
  tx(10, 2, 'gpt-4o', 8, '2024-03-01T20:00:00Z'),
  tx(11, 2, 'gpt-4o', 8, '2024-03-02T20:00:00Z'),
  tx(12, 3, 'gpt-4o', 9, '2024-03-03T07:00:00Z'),
];

describe('aggregates refresh', () => {
  let h: IngestHarness;
  beforeAll(async () => {
    h = await createHarness('ingest_aggregates');
  });
  afterAll(async () => h?.close());

  const spans = async () => {
    const { rows } = await h.db.pool.query<{ c: string; date: string; spans_cells: boolean }>(
      `SELECT conversation_id AS c, date::text, bool_or(spans_cells) AS spans_cells FROM conversation_cells
        GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows.map((r) => `${Number(r.c.slice(-4))} ${r.date} ${r.spans_cells}`);
  };
  const run = async (transactions: string[], users?: string) => {
    const jobId = await h.upload({ users, transactions: csv(TX_HEADER, transactions) });
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    const { rows } = await h.db.pool.query('SELECT date::text FROM job_affected_dates WHERE job_id = $1 ORDER BY 1', [jobId]);
    return { jobId, dates: rows.map((r) => r.date) };
  };

  it('computes a first load exactly', async () => {
    expect((await run(first, users)).dates).toEqual(['2024-03-01', '2024-03-02', '2024-03-03']);
    expect(await h.differences()).toEqual({});
    expect(await spans()).toEqual([
      '1 2024-03-01 false',
      '2 2024-03-01 true',
      '2 2024-03-02 true',
      '3 2024-03-02 true',
      '4 2024-03-01 false',
      '7 2024-03-01 false',
      '8 2024-03-01 true',
      '8 2024-03-02 true',
      '9 2024-03-03 false',
    ]);
  });

  it('updates spans and solo counts on dates the job did not touch', async () => {
    // c8 loses its 03-02 row to c10; c7 gets a first row on a new date.
    const job = await run([
      tx(11, 2, 'gpt-4o', 10, '2024-03-02T20:00:00Z'),
      tx(13, 3, 'gemini-1.5-flash', 7, '2024-03-04T08:00:00Z'),
    ]);
    expect(job.dates).toEqual(['2024-03-02', '2024-03-04']);
    expect(await h.differences()).toEqual({});
    const after = await spans();
    expect(after).toContain('8 2024-03-01 false');
    expect(after).toContain('7 2024-03-01 true');
    expect(after).toContain('7 2024-03-04 true');
  });

  it('follows moved rows to their new date and model', async () => {
    // c2's second row moves from 03-02 to 03-03; c3 ends on one model.
    const job = await run([
      tx(4, 1, 'gpt-4o', 2, '2024-03-03T00:01:00Z'),
      tx(6, 2, 'gpt-4o', 3, '2024-03-02T09:01:00Z'),
    ]);
    expect(job.dates).toEqual(['2024-03-02', '2024-03-03']);
    expect(await h.differences()).toEqual({});
    const after = await spans();
    expect(after).toContain('2 2024-03-03 true');
    expect(after).toContain('3 2024-03-02 false');
  });

  it('is idempotent: a second refresh of the same job changes nothing', async () => {
    const job = await run([tx(14, 4, 'gpt-4o', 9, '2024-03-03T08:00:00Z')]);
    const snapshot = async () =>
      Promise.all(
        REFERENCE_TABLES.map(
          async ({ table, columns }) => (await h.db.pool.query(`SELECT ${columns} FROM ${table} ORDER BY ${columns}`)).rows,
        ),
      );
    const before = await snapshot();
    expect(await refreshAggregates(h.db.pool, job.jobId)).toEqual({ dates: 0, failed: [], ownFailed: [] }); // nothing left pending
    expect(await snapshot()).toEqual(before);
    expect(await h.differences()).toEqual({});
  });
});
