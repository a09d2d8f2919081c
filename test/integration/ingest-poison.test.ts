// A cell cannot poison the data (issue 12): a NUL byte anywhere rejects its row only; a
// text too long for the aggregates' keys is rejected at validation; a failed aggregate
// refresh neither leaves the aggregates behind the rows for good nor fails later jobs;
// a FAILED job's error is a stable message, not PostgreSQL's text.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../worker/pipeline/run-job.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
const U = (n: number) => id(n, 1);
const T = (n: number) => id(n, 2);
const C = (n: number) => id(n, 3);
const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

const USER_FIELDS = (n: number) => [U(n), `User ${n}`, 'US', 'true', 'Eng', 'Acme', '2024-01-01'];
const TX_FIELDS = (n: number, date = '2024-03-01', user = U(1)) => [
  T(n), user, 'gpt-4o', C(n), 'prompt', '100', '0.005', '0.0005', `${date}T10:00:00Z`,
];
const user = (n: number) => USER_FIELDS(n).join(',');
const tx = (n: number, date?: string, userId?: string) => TX_FIELDS(n, date, userId).join(',');
/** `fields` with a NUL inside field `column` (after its first character). */
const withNul = (fields: string[], column: number) =>
  fields.map((value, i) => (i === column ? `${value.slice(0, 1)}${NUL}${value.slice(1)}` : value));

beforeAll(async () => {
  h = await createHarness('poison');
  const jobId = await h.upload({ users: csv(USERS_HEADER, [user(1), user(2)]) });
  expect((await h.run(jobId)).status).toBe('COMPLETED');
});
afterAll(() => h?.close());


async function stored(table: string, column: string, ids: string[]): Promise<number> {
  const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = ANY($1)`, [ids]);
  return rows[0].n;
}

function expectNoNul(rejected: Array<{ reason: string; raw: string }>) {
  for (const row of rejected) {
    expect(row.reason).not.toContain(NUL);
    expect(row.raw).not.toContain(NUL);
    expect(row.raw).toContain(REPLACEMENT);
  }
}

describe('a NUL byte rejects its row, not the file', () => {
  const TX_COLUMNS = TX_HEADER.split(',');
  const USER_COLUMNS = USERS_HEADER.split(',');

  // ~100 KiB of good rows, so NULs land before and after the first 64 KiB.
  const filler = (from: number, count: number, date = '2024-03-01') =>
    Array.from({ length: count }, (_, i) => tx(from + i, date));

  it('in every column of a transactions file, before and after 64 KiB, on the byte path and in quoted fields', async () => {
    const rows: string[] = [];
    const expected: Array<[number, string]> = [];
    const bad = (fields: string[], column: number) => {
      rows.push(withNul(fields, column).join(','));
      expected.push([rows.length + 1, TX_COLUMNS[column]!]);
    };
    rows.push(...filler(1000, 10));
    bad(TX_FIELDS(1), 5); // before 64 KiB
    rows.push(...filler(1100, 500));
    TX_COLUMNS.forEach((_, column) => bad(TX_FIELDS(10 + column), column));
    // A quoted field holding the NUL: csv-parse's path.
    rows.push([T(30), U(1), `"gpt${NUL}4o"`, C(30), 'prompt', '1', '0.1', '0.1', '2024-03-01T10:00:00Z'].join(','));
    expected.push([rows.length + 1, 'Model_Name']);
    rows.push([T(31), U(1), '"gpt-4o"', C(31), `"prompt${NUL}"`, '1', '0.1', '0.1', '2024-03-01T10:00:00Z'].join(','));
    expected.push([rows.length + 1, 'Token_Type']);
    rows.push(...filler(1700, 5));
    const text = csv(TX_HEADER, rows);
    expect(text.indexOf(NUL)).toBeLessThan(64 * 1024);
    expect(text.lastIndexOf(NUL)).toBeGreaterThan(64 * 1024);

    const { result, rejected } = await h.ingest({ transactions: text });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((row) => [row.line, row.column])).toEqual(expected);
    for (const row of rejected) expect(row.reason).toBe(`${row.column} contains a NUL byte (0x00), shown as U+FFFD in the raw text`);
    expectNoNul(rejected);
    expect(await stored('transactions', 'row_id', rows.filter((r) => !r.includes(NUL)).map((r) => r.split(',')[0]!))).toBe(515);
    expect(await h.differences()).toEqual({});
  });

  it('on the string path (columns in another order)', async () => {
    const order = [8, 0, 1, 2, 3, 4, 5, 6, 7];
    const header = order.map((i) => TX_COLUMNS[i]).join(',');
    const reorder = (fields: string[]) => order.map((i) => fields[i]!).join(',');
    const rows = Array.from({ length: 600 }, (_, i) => reorder(TX_FIELDS(2000 + i, '2024-03-02')));
    TX_COLUMNS.forEach((_, column) => rows.push(reorder(withNul(TX_FIELDS(2700 + column, '2024-03-02'), column))));
    const { result, rejected } = await h.ingest({ transactions: csv(header, rows) });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((row) => row.column)).toEqual(TX_COLUMNS);
    expect(rejected.map((row) => row.line)).toEqual(TX_COLUMNS.map((_, i) => 602 + i));
    expectNoNul(rejected);
    expect(await stored('transactions', 'row_id', Array.from({ length: 600 }, (_, i) => T(2000 + i)))).toBe(600);
  });

  it('in every column of a users file, quoted or not, before and after 64 KiB', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => user(100 + i));
    USER_COLUMNS.forEach((_, column) => rows.splice(column === 0 ? 1 : 990, 0, withNul(USER_FIELDS(3000 + column), column).join(',')));
    rows.push([U(3100), `"Quoted ${NUL} name, with a comma"`, 'US', 'true', '', '', ''].join(','));
    const text = csv(USERS_HEADER, rows);
    expect(text.indexOf(NUL)).toBeLessThan(64 * 1024);
    expect(text.lastIndexOf(NUL)).toBeGreaterThan(64 * 1024);
    const { result, rejected } = await h.ingest({ users: text });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((row) => row.column).sort()).toEqual([...USER_COLUMNS, 'User_Name'].sort());
    expectNoNul(rejected);
    expect(await stored('users', 'id', Array.from({ length: 1000 }, (_, i) => U(100 + i)))).toBe(1000);
  });

  it('a NUL in the header line still marks a binary file', async () => {
    const { result, job } = await h.ingest({ transactions: `${TX_HEADER.replace('Token', `To${NUL}ken`)}\n${tx(5000)}\n` });
    expect(result.status).toBe('FAILED');
    expect(job.error).toBe('the file is not CSV text: it holds binary data (NUL bytes)');
  });
});

describe('texts that reach keys are bounded at validation', () => {
  const long = (n: number, c = 'x') => c.repeat(n);

  it('rejects over-long names and codes with the line, the column and the limit; accepts them at the limit', async () => {
    const emoji = long(256, '😀'); // 256 characters, 1 KiB of UTF-8
    const users = csv(USERS_HEADER, [
      [U(40), 'Long Company', 'US', 'true', 'Eng', long(3000), ''].join(','),
      [U(41), long(257), 'US', 'true', 'Eng', 'Acme', ''].join(','),
      [U(42), 'Long Department', 'US', 'true', long(257), 'Acme', ''].join(','),
      [U(43), 'Long Region', long(129), 'true', 'Eng', 'Acme', ''].join(','),
      [U(44), long(256), long(128, '🌍'), 'true', long(256), emoji, ''].join(','),
    ]);
    const transactions = csv(TX_HEADER, [
      tx(50, '2024-03-05', U(40)),
      tx(51, '2024-03-05', U(44)),
      [T(52), U(44), long(129), C(52), 'prompt', '1', '0.1', '0.1', '2024-03-05T10:00:00Z'].join(','),
      // The widest key the limits allow: 128 + 256 + 128 four-byte characters (2 KiB) fit a btree entry.
      [T(53), U(44), long(128, '🚀'), C(53), 'prompt', '1', '0.1', '0.1', '2024-03-05T10:00:00Z'].join(','),
    ]);
    const { result, rejected } = await h.ingest({ users, transactions });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((row) => [row.file, row.line, row.column, row.reason])).toEqual([
      ['USERS', 2, 'Company_Name', 'Company_Name is longer than 256 characters'],
      ['USERS', 3, 'User_Name', 'User_Name is longer than 256 characters'],
      ['USERS', 4, 'Department', 'Department is longer than 256 characters'],
      ['USERS', 5, 'Region', 'Region is longer than 128 characters'],
      ['TRANSACTIONS', 2, 'User_ID', `User_ID ${U(40)} is unknown: not in this upload's users file nor in the database`],
      ['TRANSACTIONS', 4, 'Model_Name', 'Model_Name is longer than 128 characters'],
    ]);
    expect(await stored('transactions', 'row_id', [T(51), T(53)])).toBe(2);
    expect(await h.differences()).toEqual({});
  });

  it('refuses the transactions of a user stored with a company over the limit (before the limit existed)', async () => {
    await h.db.pool.query(
      `INSERT INTO users (id, name, region, is_active_sub, company, updated_at) VALUES ($1, 'Old', 'US', true, $2, now())`,
      [U(45), long(300)],
    );
    const { result, rejected } = await h.ingest({ transactions: csv(TX_HEADER, [tx(55, '2024-03-06', U(45)), tx(56, '2024-03-06')]) });
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(rejected.map((r) => [r.line, r.column, r.reason])).toEqual([
      [2, 'User_ID', `User_ID ${U(45)}: the user's stored Region or Company_Name is longer than 128 or 256 characters ` +
        '(stored before these limits); upload the user again with shorter ones'],
    ]);
    expect(await h.differences()).toEqual({});
  });

  it('names at most 20 ignored columns in the warning, each clipped', async () => {
    const extra = Array.from({ length: 30 }, (_, i) => `extra ${i} ${'y'.repeat(100)}`);
    const { result, job } = await h.ingest({
      users: csv(`${USERS_HEADER},${extra.join(',')}`, [`${user(46)},${extra.map(() => '').join(',')}`]),
    });
    expect(result.status).toBe('COMPLETED');
    const clipped = extra.slice(0, 20).map((name) => `${name.slice(0, 57)}...`);
    expect(job.warnings).toEqual([`users file "users.csv": ignored unknown columns: ${clipped.join(', ')} and 10 more`]);
  });

  it('a model name over the limit is rejected on the string path too', async () => {
    const header = 'Timestamp,RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost';
    const row = ['2024-03-05T10:00:00Z', T(60), U(1), long(129), C(60), 'prompt', '1', '0.1', '0.1'].join(',');
    const { rejected } = await h.ingest({ transactions: csv(header, [row]) });
    expect(rejected.map((r) => [r.line, r.column, r.reason])).toEqual([[2, 'Model_Name', 'Model_Name is longer than 128 characters']]);
  });
});

describe('a failed aggregate refresh', () => {
  const run = (jobId: string, finalAttempt: boolean) =>
    runJob({ pool: h.db.pool, progressIntervalMs: 0 }, jobId, { finalAttempt, attempts: 3 });
  const uploadTx = (rows: string[]) => h.upload({ transactions: csv(TX_HEADER, rows) });

  // A refresh of 2024-06-02 fails while this trigger exists (a stand-in for any failure
  // of one date's refresh: a value no validation caught, a constraint, a bug).
  async function poison(date: string) {
    await h.db.pool.query(`CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.date = '${date}' THEN RAISE EXCEPTION 'poisoned date % in daily_cell_metrics_pkey', NEW.date; END IF; RETURN NEW; END $$`);
    await h.db.pool.query('CREATE TRIGGER test_poison BEFORE INSERT ON daily_cell_metrics FOR EACH ROW EXECUTE FUNCTION test_poison()');
  }
  async function cure() {
    await h.db.pool.query('DROP TRIGGER test_poison ON daily_cell_metrics');
    await h.db.pool.query('DROP FUNCTION test_poison()');
  }

  it('fails only its job, with a stable message; later jobs complete and the next one catches the date up', async () => {
    await poison('2024-06-02');
    try {
      const failing = await uploadTx([tx(70, '2024-06-01'), tx(71, '2024-06-02')]);
      const result = await run(failing, true);
      expect(result.status).toBe('FAILED');
      const job = await h.job(failing);
      expect(job.status).toBe('FAILED');
      expect(job.error).toBe(
        'the rows were stored, but the aggregates of 1 date (2024-06-02) could not be refreshed; ' +
          'the next job or a retry of this one refreshes them',
      );
      // The date that could be refreshed was.
      const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM daily_metrics WHERE date = '2024-06-01'`);
      expect(rows[0].n).toBe(1);

      // A later job on other dates is not failed by the pending date.
      const later = await uploadTx([tx(72, '2024-06-03')]);
      expect((await run(later, true)).status).toBe('COMPLETED');
    } finally {
      await cure();
    }
    // The next job, on yet another date, brings the pending date in line.
    expect(Object.keys(await h.differences()).length).toBeGreaterThan(0);
    const next = await uploadTx([tx(73, '2024-06-04')]);
    expect((await run(next, true)).status).toBe('COMPLETED');
    expect(await h.differences()).toEqual({});
  });

  it('a retry of the failed job catches its dates up', async () => {
    await poison('2024-06-12');
    let failing: string;
    try {
      failing = await uploadTx([tx(80, '2024-06-11'), tx(81, '2024-06-12')]);
      // Not the last attempt: the error goes back to the queue for a retry, the job stays RUNNING.
      await expect(run(failing, false)).rejects.toThrow();
      expect((await h.job(failing)).status).toBe('RUNNING');
    } finally {
      await cure();
    }
    expect((await run(failing, false)).status).toBe('COMPLETED');
    expect(await h.differences()).toEqual({});
  });

  it('a stored row too long for the keys (written around validation) poisons no other date', async () => {
    // As left by a version without the length limits: a row of a failed job, still pending.
    const company = randomBytes(2250).toString('base64'); // 3000 characters that do not compress
    const oldJob = randomUUID();
    await h.db.pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'FAILED')`, [oldJob]);
    const { rows } = await h.db.pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [oldJob]);
    const batch = rows[0]!.id;
    await h.db.pool.query(
      `INSERT INTO transactions (row_id, user_id, user_seq, model, conversation_id, token_type, token_count, rate_per_1k,
                                 cost, occurred_at, date, region, company, job_id, agg_batch)
       SELECT $1, id, seq, 'gpt-4o', $2, 'prompt', 1, 1, 1, '2024-06-21T10:00:00Z', '2024-06-21', region, $3, $5, $6 FROM users WHERE id = $4`,
      [T(90), C(90), company, U(1), oldJob, batch],
    );
    await h.db.pool.query(`INSERT INTO aggregate_pending (batch, date) VALUES ($1, '2024-06-21')`, [batch]);

    // A job on the same date applies its own rows; the poisoned pair stays pending, the job is not failed by it.
    const touching = await uploadTx([tx(91, '2024-06-20'), tx(92, '2024-06-21')]);
    expect((await run(touching, true)).status).toBe('COMPLETED');
    const pending = await h.db.pool.query('SELECT batch, date::text FROM aggregate_pending');
    expect(pending.rows).toEqual([{ batch, date: '2024-06-21' }]);

    const later = await uploadTx([tx(93, '2024-06-22')]);
    expect((await run(later, true)).status).toBe('COMPLETED');
    await h.db.pool.query('DELETE FROM transactions WHERE row_id = $1', [T(90)]);
    const next = await uploadTx([tx(94, '2024-06-23')]);
    expect((await run(next, true)).status).toBe('COMPLETED');
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM aggregate_pending')).rows[0].n).toBe(0);
    expect(await h.differences()).toEqual({});
  });

  it("a job that gives up on an internal error shows a stable message, not PostgreSQL's", async () => {
    await h.db.pool.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'duplicate key value violates unique constraint "transactions_pkey" (role app_rw)'; END $$`);
    await h.db.pool.query('CREATE TRIGGER test_refuse BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION test_refuse()');
    try {
      const jobId = await uploadTx([tx(95, '2024-06-30')]);
      expect(await run(jobId, true)).toEqual({
        status: 'FAILED',
        error:
          "the job stopped on an unexpected error after 3 attempts; retrying the job resumes it from its last committed chunk (the worker's log has the details under the job's id)",
      });
      expect((await h.job(jobId)).error).not.toMatch(/transactions_pkey|app_rw|duplicate key/);
    } finally {
      await h.db.pool.query('DROP TRIGGER test_refuse ON transactions');
      await h.db.pool.query('DROP FUNCTION test_refuse()');
    }
  });
});
