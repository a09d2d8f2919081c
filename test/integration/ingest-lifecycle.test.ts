// Re-uploads, modified rows, cancel + retry, and crash re-runs: each ends in exactly the
// state of one clean run, with aggregates equal to a recomputation from transactions.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../scripts/generate-sample.js';
import { bullJobId, cancelJob, retryJob } from '../../src/jobs/service.js';
import { createHarness, csv, TX_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

interface Sample {
  users: Buffer;
  transactions: Buffer;
}

async function sample(seed: number, transactions: number, dirty: number): Promise<Sample> {
  const out = mkdtempSync(path.join(tmpdir(), 'ingest-lifecycle-'));
  await generateSample({ users: 600, transactions, days: 6, seed, dirty, out });
  return { users: readFileSync(path.join(out, 'users.csv')), transactions: readFileSync(path.join(out, 'transactions.csv')) };
}

/** Everything a run leaves behind that must not depend on how it got there. */
async function endState(h: IngestHarness, jobId: string) {
  const q = async (sql: string, params: unknown[] = []) => (await h.db.pool.query(sql, params)).rows;
  return {
    transactions: await q(
      `SELECT row_id, user_id, user_seq, model, conversation_id, token_type, token_count, rate_per_1k::text,
              cost::text, occurred_at, date::text, region, company FROM transactions ORDER BY row_id`,
    ),
    users: await q('SELECT id, seq, name, region, is_active_sub, department, company, signup_at FROM users ORDER BY id'),
    files: await h.files(jobId),
    rejected: await q(
      'SELECT file, line, "column", reason, raw FROM rejected_rows WHERE job_id = $1 ORDER BY file, line',
      [jobId],
    ),
    dailyMetrics: await q('SELECT * FROM daily_metrics ORDER BY date, region'),
    affectedDates: await q('SELECT date::text FROM job_affected_dates WHERE job_id = $1 ORDER BY date', [jobId]),
    status: (await h.job(jobId)).status,
    rejectedCount: (await h.job(jobId)).rejected_count,
  };
}

/** Other bytes, same records: a blank line at the end is skipped. */
const trailingBlankLine = (bytes: Buffer | string) => Buffer.concat([Buffer.from(bytes), Buffer.from('\n')]);

const deps = (h: IngestHarness) => ({ pool: h.db.pool, queue: h.queue });

describe('re-uploads', () => {
  let h: IngestHarness;
  let files: Sample;
  let first: string;
  beforeAll(async () => {
    h = await createHarness('ingest_reupload');
    files = await sample(11, 3000, 0.03);
    first = await h.upload(files);
    expect((await h.run(first, { chunkRecords: 700 })).status).toBe('COMPLETED_WITH_ERRORS');
  });
  afterAll(async () => h?.close());

  // Identical bytes take the carry-over (identical-upload.ts); the same rows in other bytes
  // are read and compared row by row. Both must end the same way.
  it.each([
    ['identical files', (f: Sample) => f, true],
    ['the same rows in other bytes', (f: Sample) => ({ users: trailingBlankLine(f.users), transactions: trailingBlankLine(f.transactions) }), false],
  ])('counts a re-upload of %s as unchanged and leaves the aggregates as they were', async (_label, variant, carried) => {
    const before = await endState(h, first);
    const again = await h.upload(variant(files));
    expect((await h.run(again, { chunkRecords: 500 })).status).toBe('COMPLETED_WITH_ERRORS');
    const counts = await h.files(again);
    const original = before.files;
    expect(counts.USERS).toEqual({ ...original.USERS, inserted: 0, updated: 0, unchanged: original.USERS!.inserted });
    expect(counts.TRANSACTIONS).toEqual({
      ...original.TRANSACTIONS,
      inserted: 0,
      updated: 0,
      unchanged: original.TRANSACTIONS!.inserted,
    });
    const after = await endState(h, again);
    expect(after.transactions).toEqual(before.transactions);
    expect(after.dailyMetrics).toEqual(before.dailyMetrics);
    expect(after.affectedDates).toEqual([]);
    expect(after.rejected.map((r) => [r.file, r.line, r.column, r.reason])).toEqual(
      before.rejected.map((r) => [r.file, r.line, r.column, r.reason]),
    );
    expect(after.rejectedCount).toBe(before.rejectedCount);
    const warnings = (await h.job(again)).warnings;
    expect(warnings.some((w) => w.includes(`identical to those of job ${first}`))).toBe(carried);
    expect(await h.differences()).toEqual({});
  });

  it('reads identical files row by row when another job has run since the identical one', async () => {
    const identical = await h.upload(files);
    await h.run(identical);
    // Another job changes one row of those files: carrying the identical job's counts over
    // would now be wrong.
    const [header, firstRecord] = files.transactions.toString().split('\n') as [string, string];
    const fields = firstRecord.split(',');
    fields[7] = '999.5';
    const other = await h.upload({ transactions: csv(header, [fields.join(',')]) });
    expect((await h.run(other)).status).toBe('COMPLETED');
    const again = await h.upload(files);
    expect((await h.run(again)).status).toBe('COMPLETED_WITH_ERRORS');
    expect((await h.job(again)).warnings.some((w) => w.includes('identical to those of job'))).toBe(false);
    const valid = 3000 - (await h.files(first)).TRANSACTIONS!.rejected;
    expect((await h.files(again)).TRANSACTIONS).toMatchObject({ inserted: 0, updated: 1, unchanged: valid - 1 });
    expect(await h.differences()).toEqual({});
  });

  it('updates changed rows and corrects the aggregates of the old and the new date', async () => {
    const { rows } = await h.db.pool.query(
      `SELECT row_id, user_id, model, conversation_id, token_type, token_count, rate_per_1k::text AS rate, cost::text AS cost,
              occurred_at, date::text FROM transactions ORDER BY row_id LIMIT 2`,
    );
    const [moved, repriced] = rows;
    const line = (r: typeof moved, at: Date, cost: string) =>
      [r.row_id, r.user_id, r.model, r.conversation_id, r.token_type, r.token_count, r.rate, cost, at.toISOString()].join(',');
    const movedTo = new Date(moved.occurred_at.getTime() + 40 * 86_400_000);
    const newRow = [
      '00000000-0000-4000-8000-00000000abcd', moved.user_id, 'gpt-4o', moved.conversation_id, 'prompt', '10', '0.0025', '0.000025',
      '2024-03-02T12:00:00Z',
    ].join(',');
    const modified = csv(TX_HEADER, [line(moved, movedTo, moved.cost), line(repriced, repriced.occurred_at, '123.456'), newRow]);
    const jobId = await h.upload({ transactions: modified });
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    expect((await h.files(jobId)).TRANSACTIONS).toMatchObject({ total: 3, inserted: 1, updated: 2, unchanged: 0, rejected: 0 });
    const { rows: dates } = await h.db.pool.query('SELECT date::text FROM job_affected_dates WHERE job_id = $1 ORDER BY date', [jobId]);
    expect(dates.map((d) => d.date)).toEqual(
      [...new Set([moved.date, movedTo.toISOString().slice(0, 10), repriced.date, '2024-03-02'])].sort(),
    );
    const { rows: stored } = await h.db.pool.query(
      'SELECT row_id, date::text, cost::text FROM transactions WHERE row_id = ANY($1) ORDER BY row_id',
      [[moved.row_id, repriced.row_id]],
    );
    expect(stored).toEqual([
      { row_id: moved.row_id, date: movedTo.toISOString().slice(0, 10), cost: moved.cost },
      { row_id: repriced.row_id, date: repriced.date, cost: '123.456' },
    ]);
    expect(await h.differences()).toEqual({});
  });

  it('compares values, not spellings: reordered columns, trailing zeros, offsets and upper case are unchanged', async () => {
    const { rows } = await h.db.pool.query(
      `SELECT row_id, user_id, model, conversation_id, token_type, token_count, rate_per_1k::text AS rate, cost::text AS cost,
              occurred_at FROM transactions ORDER BY row_id LIMIT 3`,
    );
    const [a, b, c] = rows;
    // Same instant two hours east of UTC: 2024-03-01T10:00:00Z is 2024-03-01T12:00:00+02:00.
    const east = (at: Date) => {
      const local = new Date(at.getTime() + 2 * 3_600_000).toISOString();
      return `${local.slice(0, 19)}${local.slice(19, 23) === '.000' ? '' : local.slice(19, 23)}+02:00`;
    };
    const header = 'Timestamp,Calculated_Cost,Rate_Per_1k,Token_Count,Token_Type,Conversation_ID,Model_Name,User_ID,RowId,Note';
    const line = (r: typeof a, cost: string) =>
      [east(r.occurred_at), cost, `${r.rate}00`, `00${r.token_count}`, r.token_type.toUpperCase(), r.conversation_id.toUpperCase(),
        r.model, r.user_id.toUpperCase(), r.row_id.toUpperCase(), 'extra'].join(',');
    const file = csv(header, [line(a, `${a.cost}0`), line(b, b.cost.includes('.') ? `${b.cost}000` : `${b.cost}.000`), line(c, `${c.cost}0000001`)]);
    const jobId = await h.upload({ transactions: file });
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    expect((await h.files(jobId)).TRANSACTIONS).toMatchObject({ total: 3, inserted: 0, updated: 1, unchanged: 2, rejected: 0 });
    const { rows: stored } = await h.db.pool.query('SELECT cost::text FROM transactions WHERE row_id = $1', [c.row_id]);
    expect(stored[0].cost).toBe(`${c.cost}0000001`);
    expect(await h.differences()).toEqual({});
  });

  it('merges an overlapping export chunk by chunk: unchanged, new, changed and repeated keys', async () => {
    const { rows } = await h.db.pool.query(
      `SELECT row_id, user_id, model, conversation_id, token_type, token_count, rate_per_1k::text AS rate, cost::text AS cost,
              occurred_at FROM transactions ORDER BY row_id LIMIT 600`,
    );
    const line = (r: (typeof rows)[number], id: string = r.row_id, cost: string = r.cost) =>
      [id, r.user_id, r.model, r.conversation_id, r.token_type, r.token_count, r.rate, cost, r.occurred_at.toISOString()].join(',');
    const fresh = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
    // With 100-record chunks the writer goes merge (existing keys) → insert (a chunk found
    // none) → a failed COPY on the repeated/changed keys → merge again.
    const file = csv(TX_HEADER, [
      ...rows.slice(0, 300).map((r) => line(r)),
      ...rows.slice(300, 600).map((r, i) => line(r, fresh(i))),
      line(rows[0]),
      line(rows[300], fresh(0)),
      ...rows.slice(300, 400).map((r) => line(r, r.row_id, '9.5')),
    ]);
    const duplicateLines = [602, 603];

    const first = await h.upload({ transactions: file });
    expect((await h.run(first, { chunkRecords: 100 })).status).toBe('COMPLETED_WITH_ERRORS');
    expect((await h.files(first)).TRANSACTIONS).toMatchObject({ total: 702, inserted: 300, updated: 100, unchanged: 300, rejected: 2 });
    expect((await h.rejected(first)).map((r) => [r.line, r.column])).toEqual(duplicateLines.map((l) => [l, 'RowId']));
    expect(await h.differences()).toEqual({});

    // Again, with the seen keys spilling to the database after 10: everything is unchanged
    // now, so both repeats are found through the seen keys.
    // Other bytes, so the rows are read again rather than carried over.
    const again = await h.upload({ transactions: trailingBlankLine(file) });
    expect((await h.run(again, { chunkRecords: 100, maxKeysInMemory: 10 })).status).toBe('COMPLETED_WITH_ERRORS');
    expect((await h.files(again)).TRANSACTIONS).toMatchObject({ total: 702, inserted: 0, updated: 0, unchanged: 700, rejected: 2 });
    expect((await h.rejected(again)).map((r) => [r.line, r.column])).toEqual(duplicateLines.map((l) => [l, 'RowId']));
    expect(await h.differences()).toEqual({});
  });
});

describe('cancel and retry', () => {
  let clean: IngestHarness;
  let h: IngestHarness;
  let files: Sample;
  beforeAll(async () => {
    [clean, h] = await Promise.all([createHarness('ingest_cancel_ref'), createHarness('ingest_cancel')]);
    files = await sample(23, 2400, 0.04);
  });
  afterAll(async () => {
    await clean?.close();
    await h?.close();
  });

  it('stops at the next chunk with consistent aggregates, and a retry finishes like a clean run', async () => {
    const reference = await clean.upload(files);
    await clean.run(reference, { chunkRecords: 300 });

    const jobId = await h.upload(files);
    const cancelled = await h.run(jobId, {
      chunkRecords: 300,
      onChunkCommitted: async (kind, committed) => {
        if (kind === 'TRANSACTIONS' && committed === 600) await cancelJob(deps(h), jobId);
      },
    });
    expect(cancelled).toEqual({ status: 'CANCELLED' });
    const job = await h.job(jobId);
    expect(job).toMatchObject({ status: 'CANCELLED', stage: null });
    expect((await h.files(jobId)).TRANSACTIONS?.committed).toBe(900);
    expect(await h.differences()).toEqual({});
    await expect(cancelJob(deps(h), jobId)).rejects.toMatchObject({ code: 'CONFLICT' });

    await retryJob(deps(h), jobId);
    await retryJob(deps(h), jobId); // idempotent: still one queued attempt
    expect((await h.job(jobId)).status).toBe('QUEUED');
    expect((await h.queue.getJob(bullJobId(jobId, 1)))?.data).toEqual({ jobId });
    expect(await h.queue.getJob(bullJobId(jobId, 2))).toBeUndefined();
    expect((await h.run(jobId, { chunkRecords: 300 })).status).toBe('COMPLETED_WITH_ERRORS');

    const [got, want] = await Promise.all([endState(h, jobId), endState(clean, reference)]);
    expect(got).toEqual(want);
    expect(await h.differences()).toEqual({});
  });
});

describe('crash re-runs', () => {
  let clean: IngestHarness;
  let files: Sample;
  let want: Awaited<ReturnType<typeof endState>>;
  beforeAll(async () => {
    clean = await createHarness('ingest_crash_ref');
    // Dirty rows include duplicate RowIds, some of which straddle the crash points.
    files = await sample(5, 3000, 0.06);
    // Repeat the first data record at the end: its duplicate detection must survive the crash.
    const firstRecord = files.transactions.toString().split('\n')[1];
    files = { ...files, transactions: Buffer.concat([files.transactions, Buffer.from(`${firstRecord}\n`)]) };
    const reference = await clean.upload(files);
    await clean.run(reference, { chunkRecords: 250 });
    want = await endState(clean, reference);
    expect(want.rejected.at(-1)).toMatchObject({ file: 'TRANSACTIONS', line: 3002, column: 'RowId' });
  });
  afterAll(async () => clean?.close());

  const crashAt = (stage: 'USERS' | 'TRANSACTIONS', committed: number) => async (kind: string, done: number) => {
    if (kind === stage && done === committed) throw new Error(`simulated crash after ${committed} ${stage} records`);
  };

  it.each([
    ['in the users stage', crashAt('USERS', 250)],
    ['mid-transactions', crashAt('TRANSACTIONS', 1000)],
    ['between the transactions and the aggregates stage', crashAt('TRANSACTIONS', 3001)],
  ])('a re-run after a crash %s ends identical to a clean run', async (_label, crash) => {
    const h = await createHarness('ingest_crash');
    try {
      const jobId = await h.upload(files);
      await expect(h.run(jobId, { chunkRecords: 250, onChunkCommitted: crash })).rejects.toThrow(/simulated crash/);
      expect((await h.job(jobId)).status).toBe('RUNNING');
      // The redelivery may use other chunk boundaries: the checkpoint is per record.
      expect((await h.run(jobId, { chunkRecords: 400 })).status).toBe('COMPLETED_WITH_ERRORS');
      expect(await endState(h, jobId)).toEqual(want);
      expect(await h.differences()).toEqual({});
    } finally {
      await h.close();
    }
  });

  it('ends identical to a clean run when the seen keys spill to the database', async () => {
    const h = await createHarness('ingest_crash_spill');
    try {
      const jobId = await h.upload(files);
      const crash = crashAt('TRANSACTIONS', 1000);
      const spill = { maxKeysInMemory: 20 };
      await expect(h.run(jobId, { chunkRecords: 250, onChunkCommitted: crash, ...spill })).rejects.toThrow(/simulated crash/);
      expect((await h.run(jobId, { chunkRecords: 400, ...spill })).status).toBe('COMPLETED_WITH_ERRORS');
      expect(await endState(h, jobId)).toEqual(want);
    } finally {
      await h.close();
    }
  });
});
