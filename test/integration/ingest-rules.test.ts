// Ingestion rules end to end on handwritten files: header mapping, every rejection kind
// with its exact physical line, column and reason, snapshots, and the job record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, csv, id, TX_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('ingest_rules');
});
afterAll(async () => h?.close());

const U = (n: number) => id(n, 1);
const T = (n: number) => id(n, 2);
const C = (n: number) => id(n, 3);

// Headers in other spellings and order, plus an unknown column.
const users = csv('User ID,user_name,REGION,is-active-sub,Department,Company Name,Signup_Date,Favourite Color', [
  `${U(1)},Ada Lovelace,EU,true,Research,"Acme, Inc.",2023-01-15,blue`, // 2
  `${U(2)},"Grace ""Amazing"" Hopper",US,yes,"Navy\r\nResearch",,2022-12-01T10:00:00Z,red`, // 3-4
  `${U(3)},Alan Turing,UK,0,,Bletchley,,green`, // 5
  `not-a-uuid,Bad Id,US,true,,,,x`, // 6
  `${U(4)},Bad Region,,true,,,,x`, // 7
  `${U(5)},Bad Bool,US,maybe,,,,x`, // 8
  `${U(6)},Bad Date,US,true,,,2023-02-30,x`, // 9
  `${U(1)},Dup Ada,EU,true,,,,x`, // 10
  `${U(7)},Too Few,US`, // 11
]);

const long = 'm'.repeat(129);
const tx = (n: number, ts: string, user: string, model: string, conv: string, type: string, count: string, rate: string, cost: string) =>
  [n ? T(n) : 'bad-row-id', ts, user, model, conv, type, count, rate, cost].join(',');
const transactions = csv('rowid,TIMESTAMP,user_id,model_name,conversation_id,token_type,token_count,rate_per_1k,calculated_cost', [
  tx(1, '2024-03-01T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '100', '0.0025', '0.00025'), // 2
  tx(2, '2024-03-01T10:00:05Z', U(1), 'gpt-4o', C(1), 'completion', '50', '0.01', '0.0005'), // 3
  tx(3, '2024-03-01T23:59:00-02:00', U(2), '"claude-3-5-sonnet"', C(2), 'PROMPT', '10', '0.003', '0.00003'), // 4
  tx(4, '"2024-03-02T01:00:00+09:00"', U(3), 'gpt-4o', C(3), 'completion', '7', '0.01', '0.00007'), // 5
  tx(5, '2024-03-02T00:00:00Z', U(99), 'gpt-4o', C(4), 'prompt', '1', '0.0025', '0.0000025'), // 6
  tx(6, '2024-03-02T00:00:00Z', U(4), 'gpt-4o', C(4), 'prompt', '1', '0.0025', '0.0000025'), // 7
  tx(7, '2023-02-30T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '1', '0.0025', '0.0000025'), // 8
  tx(8, '2024-03-02 10:00:00', U(1), 'gpt-4o', C(1), 'prompt', '1', '0.0025', '0.0000025'), // 9
  tx(9, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '-5', '0.0025', '0'), // 10
  tx(10, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'image', '5', '0.0025', '0'), // 11
  tx(11, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '5', '0.0025', 'abc'), // 12
  tx(12, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '5', '-0.1', '0'), // 13
  tx(0, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '5', '0.0025', '0'), // 14
  tx(13, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', 'nope', 'prompt', '5', '0.0025', '0'), // 15
  tx(14, '2024-03-02T10:00:00Z', U(1), '', C(1), 'prompt', '5', '0.0025', '0'), // 16
  tx(15, '2024-03-02T10:00:00Z', U(1), long, C(1), 'prompt', '5', '0.0025', '0'), // 17
  tx(1, '2024-03-01T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '100', '0.0025', '0.00025'), // 18: duplicate of line 2
  tx(16, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '5', '0.0025', '0') + ',extra', // 19
  `${T(17)},2024-03-01T10:00:00Z,${U(1)},"gpt-4o"x,${C(1)},prompt,5,0.0025,0`, // 20
  tx(18, '2024-03-02T10:00:00Z', U(1), '"gpt\n4o"', C(1), 'prompt', '5', '0.0025', '0'), // 21-22
  tx(19, '2024-03-03T12:00:00.250Z', U(3), 'gemini-1.5-flash', C(5), 'prompt', '1200', '0.000075', '0.00009'), // 23
  tx(20, '2024-03-02T10:00:00Z', U(1), 'gpt-4o', C(1), 'prompt', '12.5', '0.0025', '0'), // 24
]);

describe('a dirty upload', () => {
  let jobId: string;
  beforeAll(async () => {
    jobId = await h.upload({ users, transactions });
    // Small chunks: duplicates and unknown users cross chunk boundaries.
    expect(await h.run(jobId, { chunkRecords: 4 })).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
  });

  it('rejects every broken row with its physical line, column and reason', async () => {
    const rejected = (await h.rejected(jobId)).map(({ file, line, column, reason }) => [file, line, column, reason]);
    expect(rejected).toEqual([
      ['USERS', 6, 'User_ID', 'User_ID "not-a-uuid" is not a UUID'],
      ['USERS', 7, 'Region', 'Region is required'],
      ['USERS', 8, 'Is_Active_Sub', 'Is_Active_Sub "maybe" is not a boolean (true/false, 1/0, yes/no, t/f)'],
      ['USERS', 9, 'Signup_Date', 'Signup_Date "2023-02-30" is not a real date'],
      ['USERS', 10, 'User_ID', `duplicate User_ID ${U(1)}: an earlier line of this file has the same User_ID`],
      ['USERS', 11, null, 'expected 8 fields, found 3'],
      ['TRANSACTIONS', 6, 'User_ID', `User_ID ${U(99)} is unknown: not in this upload's users file nor in the database`],
      ['TRANSACTIONS', 7, 'User_ID', `User_ID ${U(4)} is unknown: not in this upload's users file nor in the database`],
      ['TRANSACTIONS', 8, 'Timestamp', 'Timestamp "2023-02-30T10:00:00Z" is not a real date'],
      ['TRANSACTIONS', 9, 'Timestamp', 'Timestamp "2024-03-02 10:00:00" has no time zone (Z or an offset such as +02:00)'],
      ['TRANSACTIONS', 10, 'Token_Count', 'Token_Count must not be negative'],
      ['TRANSACTIONS', 11, 'Token_Type', 'Token_Type "image" is not prompt or completion'],
      ['TRANSACTIONS', 12, 'Calculated_Cost', 'Calculated_Cost "abc" is not a decimal number'],
      ['TRANSACTIONS', 13, 'Rate_Per_1k', 'Rate_Per_1k must not be negative'],
      ['TRANSACTIONS', 14, 'RowId', 'RowId "bad-row-id" is not a UUID'],
      ['TRANSACTIONS', 15, 'Conversation_ID', 'Conversation_ID "nope" is not a UUID'],
      ['TRANSACTIONS', 16, 'Model_Name', 'Model_Name is required'],
      ['TRANSACTIONS', 17, 'Model_Name', 'Model_Name is longer than 128 characters'],
      ['TRANSACTIONS', 18, 'RowId', `duplicate RowId ${T(1)}: an earlier line of this file has the same RowId`],
      ['TRANSACTIONS', 19, null, 'expected 9 fields, found 10'],
      ['TRANSACTIONS', 20, null, 'malformed CSV: unexpected character after a closing quote in field 4'],
      ['TRANSACTIONS', 21, 'Model_Name', 'Model_Name contains control characters (codes are one line of text)'],
      ['TRANSACTIONS', 24, 'Token_Count', 'Token_Count "12.5" is not an integer'],
    ]);
  });

  it('keeps the raw text of a rejected record, quoted newlines included', async () => {
    const rows = await h.rejected(jobId);
    expect(rows.find((r) => r.file === 'TRANSACTIONS' && r.line === 21)?.raw).toBe(
      tx(18, '2024-03-02T10:00:00Z', U(1), '"gpt\n4o"', C(1), 'prompt', '5', '0.0025', '0'),
    );
    expect(rows.find((r) => r.file === 'USERS' && r.line === 11)?.raw).toBe(`${U(7)},Too Few,US`);
  });

  it('counts every record of each file exactly once', async () => {
    expect(await h.files(jobId)).toEqual({
      USERS: { total: 9, inserted: 3, updated: 0, unchanged: 0, rejected: 6, committed: 9 },
      TRANSACTIONS: { total: 22, inserted: 5, updated: 0, unchanged: 0, rejected: 17, committed: 22 },
    });
    const job = await h.job(jobId);
    expect(job.rejected_count).toBe(23);
    expect(job.total_rows).toBe('31');
    expect(job.processed_rows).toBe('31');
    expect(job.processed_bytes).toBe(job.total_bytes);
    expect(job.total_bytes).toBe(String(Buffer.byteLength(users) + Buffer.byteLength(transactions)));
    expect(job.stage).toBeNull();
    expect(Object.keys(job.stage_timings).sort()).toEqual(['AGGREGATES', 'TRANSACTIONS', 'USERS']);
  });

  it('warns once about the unknown column', async () => {
    expect((await h.job(jobId)).warnings).toEqual(['users file "users.csv": ignored unknown column: Favourite Color']);
  });

  it('stores users with free-text names, null company and dates', async () => {
    const { rows } = await h.db.pool.query(
      `SELECT id, name, region, is_active_sub, department, company, signup_at FROM users ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: U(1), name: 'Ada Lovelace', region: 'EU', is_active_sub: true, department: 'Research', company: 'Acme, Inc.', signup_at: new Date('2023-01-15T00:00:00Z') },
      { id: U(2), name: 'Grace "Amazing" Hopper', region: 'US', is_active_sub: true, department: 'Navy\r\nResearch', company: null, signup_at: new Date('2022-12-01T10:00:00Z') },
      { id: U(3), name: 'Alan Turing', region: 'UK', is_active_sub: false, department: null, company: 'Bletchley', signup_at: null },
    ]);
  });

  it('stores transactions with exact decimals, UTC dates and the user snapshot', async () => {
    const { rows } = await h.db.pool.query(
      `SELECT row_id, date::text, region, company, model, token_type, token_count, cost::text, rate_per_1k::text
         FROM transactions ORDER BY row_id`,
    );
    expect(rows).toEqual([
      { row_id: T(1), date: '2024-03-01', region: 'EU', company: 'Acme, Inc.', model: 'gpt-4o', token_type: 'prompt', token_count: '100', cost: '0.00025', rate_per_1k: '0.0025' },
      { row_id: T(2), date: '2024-03-01', region: 'EU', company: 'Acme, Inc.', model: 'gpt-4o', token_type: 'completion', token_count: '50', cost: '0.0005', rate_per_1k: '0.01' },
      // 23:59 at -02:00 is 01:59 UTC the next day.
      { row_id: T(3), date: '2024-03-02', region: 'US', company: '', model: 'claude-3-5-sonnet', token_type: 'prompt', token_count: '10', cost: '0.00003', rate_per_1k: '0.003' },
      // 01:00 at +09:00 is 16:00 UTC the day before.
      { row_id: T(4), date: '2024-03-01', region: 'UK', company: 'Bletchley', model: 'gpt-4o', token_type: 'completion', token_count: '7', cost: '0.00007', rate_per_1k: '0.01' },
      { row_id: T(19), date: '2024-03-03', region: 'UK', company: 'Bletchley', model: 'gemini-1.5-flash', token_type: 'prompt', token_count: '1200', cost: '0.00009', rate_per_1k: '0.000075' },
    ]);
  });

  it('leaves aggregates equal to a recomputation from transactions', async () => {
    expect(await h.differences()).toEqual({});
    const { rows } = await h.db.pool.query(`SELECT date::text FROM job_affected_dates WHERE job_id = $1 ORDER BY date`, [jobId]);
    expect(rows.map((r) => r.date)).toEqual(['2024-03-01', '2024-03-02', '2024-03-03']);
  });
});

describe('files that cannot be ingested', () => {
  async function failed(files: { users?: string | Buffer; transactions?: string | Buffer }) {
    const before = await counts();
    const jobId = await h.upload(files);
    const result = await h.run(jobId);
    expect(result.status).toBe('FAILED');
    const job = await h.job(jobId);
    expect(job.status).toBe('FAILED');
    expect(job.finished_at).not.toBeNull();
    // Nothing written: no users, no transactions, no rejections.
    expect(await counts()).toEqual(before);
    expect((await h.rejected(jobId)).length).toBe(0);
    return job.error;
  }
  async function counts() {
    const { rows } = await h.db.pool.query(
      `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM transactions) AS transactions`,
    );
    return rows[0];
  }

  it('fails a file missing required columns, naming them, before writing anything', async () => {
    const noCost = csv('RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Timestamp', [
      [T(100), U(1), 'gpt-4o', C(1), 'prompt', '1', '2024-03-01T00:00:00Z'].join(','),
    ]);
    const goodUsers = csv('User_ID,User_Name,Region,Is_Active_Sub', [`${id(50, 9)},New User,US,true`]);
    expect(await failed({ users: goodUsers, transactions: noCost })).toBe(
      'transactions file "transactions.csv": missing required columns: Rate_Per_1k, Calculated_Cost',
    );
  });

  it('fails an empty file', async () => {
    expect(await failed({ transactions: '' })).toBe('transactions file "transactions.csv": the file is empty (no header row)');
  });

  it('fails a file with a header and no data rows', async () => {
    expect(await failed({ users: `${'User_ID,User_Name,Region,Is_Active_Sub'}\r\n\r\n` })).toBe(
      'users file "users.csv": the file has a header but no data rows',
    );
  });

  it('fails binary data', async () => {
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c, 0x4a, 0x06, 0x00]);
    expect(await failed({ transactions: gzip })).toBe('the file is not CSV text: it holds binary data (NUL bytes)');
  });

  it('fails text that is not UTF-8', async () => {
    const latin1 = Buffer.from('User_ID,User_Name,Region,Is_Active_Sub\nx,Jos\xe9,US,true\n', 'latin1');
    expect(await failed({ users: latin1 })).toMatch(/^the file is not UTF-8 text: invalid byte sequence/);
  });
});

describe('a file that breaks after some chunks were committed', () => {
  it('fails the job, keeps what was committed and leaves aggregates consistent', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      [id(10_000 + i, 2), U(1), 'gpt-4o', C(9), 'prompt', '10', '0.0025', '0.000025', `2024-04-0${1 + (i % 5)}T10:00:00Z`].join(','),
    );
    const good = Buffer.from(csv(TX_HEADER, rows));
    const broken = Buffer.concat([good, Buffer.from([0xff, 0xfe, 0x0a])]);
    const jobId = await h.upload({ transactions: broken });
    const result = await h.run(jobId, { chunkRecords: 500 });
    expect(result.status).toBe('FAILED');
    const job = await h.job(jobId);
    expect(job.error).toMatch(/^the file is not UTF-8 text: invalid byte sequence/);
    const committed = (await h.files(jobId)).TRANSACTIONS?.committed ?? 0;
    // How far it got depends on read-ahead timing; what matters is that chunks were committed.
    expect(committed).toBeGreaterThan(0);
    const { rows: stored } = await h.db.pool.query('SELECT count(*)::int AS n FROM transactions WHERE job_id = $1', [jobId]);
    expect(stored[0].n).toBe(committed);
    expect(await h.differences()).toEqual({});
  });
});

describe('uploads that build on earlier ones', () => {
  it('accepts transactions whose users came in an earlier job', async () => {
    const jobId = await h.upload({
      transactions: csv('RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp', [
        [T(200), U(2), 'o1', C(200), 'completion', '3', '0.06', '0.00018', '2024-03-05T08:00:00+01:00'].join(','),
      ]),
    });
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    expect((await h.files(jobId)).TRANSACTIONS).toMatchObject({ total: 1, inserted: 1, rejected: 0 });
    const { rows } = await h.db.pool.query(`SELECT region, company, date::text FROM transactions WHERE row_id = $1`, [T(200)]);
    expect(rows).toEqual([{ region: 'US', company: '', date: '2024-03-05' }]);
    expect(await h.differences()).toEqual({});
  });
});
