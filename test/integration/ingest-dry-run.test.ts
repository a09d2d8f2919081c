// SPEC §8 "Dry run": a dry-run job validates and counts every row as a real run would
// (the same rejections at the same lines, the same inserted / updated / unchanged) and
// writes nothing outside its own records. Each case compares a dry run with the real run
// of the same files that follows it, and the database before and after the dry run:
// every table and sequence but the job's records, as an md5 of its ordered text dump.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../scripts/generate-sample.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { cancelJob, retryJob } from '../../src/jobs/service.js';
import { JobBusyError } from '../../worker/pipeline/run-job.js';
import { until } from '../helpers/processes.js';
import { createHarness, id, type FileCounts, type IngestHarness } from '../helpers/ingest-fixtures.js';

interface Sample {
  users: Buffer;
  transactions: Buffer;
}

async function sample(seed: number, users: number, transactions: number, dirty: number): Promise<Sample> {
  const out = mkdtempSync(path.join(tmpdir(), 'ingest-dry-run-'));
  await generateSample({ users, transactions, days: 8, seed, dirty, out });
  return { users: readFileSync(path.join(out, 'users.csv')), transactions: readFileSync(path.join(out, 'transactions.csv')) };
}

/** The first data record again at the end: a duplicate RowId many chunks after the first. */
function withRepeatedFirstRecord(files: Sample): Sample {
  const first = files.transactions.toString().split('\n')[1];
  return { ...files, transactions: Buffer.concat([files.transactions, Buffer.from(`${first}\n`)]) };
}

/** The job's own records; a dry run may write these and nothing else. */
const JOB_RECORDS = new Set(['_prisma_migrations', 'ingest_jobs', 'job_files', 'rejected_rows', 'rejected_rows_id_seq', 'upload_chunks']);

/**
 * Every other table of the schema (row count and md5 of its rows' text, sorted) and every
 * sequence (its state): the users, transactions, aggregate and helper tables, the
 * aggregate batches, pending pairs and retractions, job_affected_dates, data_version, and
 * whatever a later migration adds (budgets).
 */
async function dataSnapshot(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows: relations } = await pool.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S') ORDER BY 1`,
  );
  const snapshot: Record<string, string> = {};
  for (const { name, kind } of relations) {
    if (JOB_RECORDS.has(name)) continue;
    const sql =
      kind === 'S'
        ? `SELECT last_value || ' ' || is_called AS state FROM "${name}"`
        : `SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS state FROM "${name}" t`;
    snapshot[name] = (await pool.query<{ state: string }>(sql)).rows[0]!.state;
  }
  return snapshot;
}

const changedTables = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(b).filter((name) => a[name] !== b[name]).sort();

let h: IngestHarness;
let base: Sample;

beforeAll(async () => {
  h = await createHarness('ingest_dry_run');
  base = await sample(98, 200, 3000, 0);
  const jobId = await h.upload(base);
  expect(await h.run(jobId, { chunkRecords: 700 })).toEqual({ status: 'COMPLETED' });
});
afterAll(async () => h?.close());

describe('a dry run', () => {
  it('rejects and counts a dirty sample as the real run that follows it does, and leaves every table as it was', async () => {
    const { pool } = h.db;
    const dirty = withRepeatedFirstRecord(await sample(99, 300, 8000, 0.05));
    // A (batch, date) an earlier job left pending: an aggregates refresh would apply it.
    const { rows: batch } = await pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES (gen_random_uuid()) RETURNING id');
    await pool.query('INSERT INTO aggregate_pending (batch, date) SELECT $1, min(date) FROM transactions', [batch[0]!.id]);
    const before = await dataSnapshot(pool);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'users', 'users_seq_seq', 'transactions', 'daily_metrics', 'daily_model_metrics', 'daily_company_metrics',
        'daily_cell_metrics', 'conversation_cells', 'user_cells', 'conversation_seqs', 'distinct_sets', 'data_version',
        'aggregate_batches', 'aggregate_batches_id_seq', 'aggregate_pending', 'aggregate_retractions', 'job_affected_dates',
      ]),
    );

    const dry = await h.upload(dirty, { dryRun: true });
    expect(await h.run(dry, { chunkRecords: 700 })).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
    expect(await dataSnapshot(pool)).toEqual(before);
    const dryJob = await h.job(dry);
    expect(dryJob).toMatchObject({ dry_run: true, status: 'COMPLETED_WITH_ERRORS', stage: null, warnings: [] });
    expect(Object.keys(dryJob.stage_timings).sort()).toEqual(['AGGREGATES', 'TRANSACTIONS', 'USERS']);
    const dryRejected = await h.rejected(dry);
    // Its transactions saw the users of its own users file (all new); unknown users and a
    // duplicate 8000 lines apart are found as in a real run.
    expect(dryRejected.filter((r) => /is unknown/.test(r.reason)).length).toBeGreaterThan(0);
    expect(dryRejected.at(-1)).toMatchObject({ file: 'TRANSACTIONS', line: 8002, column: 'RowId' });

    const real = await h.upload(dirty);
    expect(await h.run(real, { chunkRecords: 700 })).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
    // Read and written, not carried over from the dry run.
    expect((await h.job(real)).warnings).toEqual([]);
    const files = await h.files(real);
    expect(files.TRANSACTIONS?.inserted).toBeGreaterThan(7000);
    expect(await h.files(dry)).toEqual(files);
    expect(dryRejected).toEqual(await h.rejected(real));
    expect((await h.job(dry)).rejected_count).toBe((await h.job(real)).rejected_count);
    // The snapshot does see what a real run writes.
    expect(changedTables(before, await dataSnapshot(pool))).toEqual(
      expect.arrayContaining([
        'users', 'users_seq_seq', 'transactions', 'daily_cell_metrics', 'distinct_sets', 'data_version',
        'aggregate_batches', 'aggregate_batches_id_seq', 'aggregate_pending', 'job_affected_dates',
      ]),
    );
    expect(await h.differences()).toEqual({});
  });

  describe('over stored data', () => {
    // The base sample with 10 users renamed, 5 new users (and one of their lines twice), 50
    // transactions with another cost, 30 new ones (half for the new users) in the middle,
    // and three duplicates at the end: of a new row, of a changed row and of an unchanged row.
    let modified: Sample;
    let duplicateUserLine: number;
    const expected: Record<string, Omit<FileCounts, 'committed'>> = {
      USERS: { total: 206, inserted: 5, updated: 10, unchanged: 190, rejected: 1 },
      TRANSACTIONS: { total: 3033, inserted: 30, updated: 50, unchanged: 2950, rejected: 3 },
    };
    let realJob: string;

    beforeAll(() => {
      // Physical lines; a quoted field may span two of them, so only quote-free lines are edited.
      const users = base.users.toString().trimEnd().split('\n');
      const plain = users.flatMap((line, i) => (i > 0 && !line.includes('"') ? [i] : [])).slice(0, 10);
      const renamed = users.map((line, i) => (plain.includes(i) ? line.replace(/^([^,]*),([^,]*),/, '$1,$2 Jr,') : line));
      const newUsers = Array.from({ length: 5 }, (_, i) => `${id(i + 1, 77)},New User ${i},EU,true,Legal,Acme,2022-01-01`);
      const tx = base.transactions.toString().trimEnd().split('\n');
      const recosted = tx.map((line, i) => {
        if (i === 0 || i % 60 !== 0) return line;
        const fields = line.split(',');
        fields[7] = fields[7] === '9.75' ? '9.5' : '9.75';
        return fields.join(',');
      });
      const stored = users[plain[0]!]!.split(',')[0];
      const fresh = Array.from(
        { length: 30 },
        (_, i) => `${id(i + 1, 88)},${i % 2 ? id((i % 5) + 1, 77) : stored},gpt-4o,${id(i + 1, 89)},prompt,100,0.01,0.001,2024-03-03T10:00:00Z`,
      );
      duplicateUserLine = users.length + newUsers.length + 1;
      modified = {
        users: Buffer.from([...renamed, ...newUsers, newUsers[2], ''].join('\n')),
        transactions: Buffer.from(
          [...recosted.slice(0, 1000), ...fresh, ...recosted.slice(1000), fresh[0], recosted[60], recosted[5], ''].join('\n'),
        ),
      };
    });

    it('counts rows new, changed and unchanged against what is stored, its own users as present', async () => {
      const { pool } = h.db;
      const before = await dataSnapshot(pool);
      const dry = await h.upload(modified, { dryRun: true });
      expect(await h.run(dry, { chunkRecords: 100 })).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
      expect(await dataSnapshot(pool)).toEqual(before);
      expect(await h.files(dry)).toMatchObject(expected);
      const rejected = await h.rejected(dry);
      expect(rejected.map((r) => [r.file, r.line, r.column])).toEqual([
        ['USERS', duplicateUserLine, 'User_ID'],
        ['TRANSACTIONS', 3032, 'RowId'],
        ['TRANSACTIONS', 3033, 'RowId'],
        ['TRANSACTIONS', 3034, 'RowId'],
      ]);

      realJob = await h.upload(modified);
      expect(await h.run(realJob, { chunkRecords: 100 })).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
      expect(await h.files(realJob)).toEqual(await h.files(dry));
      expect(await h.rejected(realJob)).toEqual(rejected);
      expect(changedTables(before, await dataSnapshot(pool))).toEqual(
        expect.arrayContaining(['users', 'transactions', 'data_version', 'aggregate_batches']),
      );
      expect(await h.differences()).toEqual({});
    });

    it('carries over the outcome of an identical real job, and is never the source of a carry-over', async () => {
      const { pool } = h.db;
      const before = await dataSnapshot(pool);
      const dry = await h.upload(modified, { dryRun: true });
      expect(await h.run(dry)).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
      expect((await h.job(dry)).warnings).toEqual([expect.stringContaining(`identical to those of job ${realJob}`)]);
      expect(await h.files(dry)).toMatchObject({
        USERS: { inserted: 0, updated: 0, unchanged: 205, rejected: 1 },
        TRANSACTIONS: { inserted: 0, updated: 0, unchanged: 3030, rejected: 3 },
      });
      expect(await dataSnapshot(pool)).toEqual(before);

      // The dry run wrote nothing since the real job, so an identical real upload is still carried over, from the real job.
      const again = await h.upload(modified);
      expect(await h.run(again)).toEqual({ status: 'COMPLETED_WITH_ERRORS' });
      expect((await h.job(again)).warnings).toEqual([expect.stringContaining(`identical to those of job ${realJob}`)]);
    });
  });

  describe('after a crash or a cancel', () => {
    const crashAt = (stage: 'USERS' | 'TRANSACTIONS', committed: number) => async (kind: string, done: number) => {
      if (kind === stage && done === committed) throw new Error(`simulated crash after ${committed} ${stage} records`);
    };

    it.each([
      ['in the users stage', crashAt('USERS', 200), 100, {}],
      ['mid-transactions, with seen keys spilled to the database', crashAt('TRANSACTIONS', 1200), 101, { maxKeysInMemory: 50 }],
    ])('starts over %s, and the re-run writes nothing either', async (_label, crash, seed, spill) => {
      const { pool } = h.db;
      const files = withRepeatedFirstRecord(await sample(seed, 400, 3000, 0.05));
      const reference = await h.upload(files, { dryRun: true });
      expect((await h.run(reference, { chunkRecords: 300 })).status).toBe('COMPLETED_WITH_ERRORS');
      const before = await dataSnapshot(pool);

      const dry = await h.upload(files, { dryRun: true });
      await expect(h.run(dry, { chunkRecords: 200, onChunkCommitted: crash, ...spill })).rejects.toThrow(/simulated crash/);
      expect((await h.job(dry)).status).toBe('RUNNING');
      expect(await dataSnapshot(pool)).toEqual(before);

      expect((await h.run(dry, { chunkRecords: 300, ...spill })).status).toBe('COMPLETED_WITH_ERRORS');
      expect(await dataSnapshot(pool)).toEqual(before);
      expect(await h.files(dry)).toEqual(await h.files(reference));
      expect(await h.rejected(dry)).toEqual(await h.rejected(reference));
      expect((await h.job(dry)).rejected_count).toBe((await h.job(reference)).rejected_count);
    });

    it('stops at the next chunk when cancelled, and a retry starts over', async () => {
      const { pool } = h.db;
      const deps = { pool, queue: h.queue };
      const files = await sample(105, 300, 3000, 0.03);
      const reference = await h.upload(files, { dryRun: true });
      expect((await h.run(reference, { chunkRecords: 300 })).status).toBe('COMPLETED_WITH_ERRORS');
      const before = await dataSnapshot(pool);

      const dry = await h.upload(files, { dryRun: true });
      const cancelled = await h.run(dry, {
        chunkRecords: 300,
        onChunkCommitted: async (kind, committed) => {
          if (kind === 'TRANSACTIONS' && committed === 600) await cancelJob(deps, dry);
        },
      });
      expect(cancelled).toEqual({ status: 'CANCELLED' });
      expect((await h.files(dry)).TRANSACTIONS?.committed).toBe(900);
      expect(await dataSnapshot(pool)).toEqual(before);

      await retryJob(deps, dry);
      expect((await h.run(dry, { chunkRecords: 300 })).status).toBe('COMPLETED_WITH_ERRORS');
      expect(await h.files(dry)).toEqual(await h.files(reference));
      expect(await h.rejected(dry)).toEqual(await h.rejected(reference));
      expect(await dataSnapshot(pool)).toEqual(before);
    });
  });

  describe('beside other jobs', () => {
    const lockWaits = async () =>
      (await h.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )).rows[0]!.n;

    it('never waits on a row another transaction holds: it gives way at once and starts over later', async () => {
      const { pool } = h.db;
      const users = base.users.toString().trimEnd().split('\n');
      const line = users.find((text, i) => i > 0 && !text.includes('"'))!;
      const held = line.split(',')[0]!;
      const changed = [users[0], line.replace(/^([^,]*),([^,]*),/, '$1,$2 Sr,'), ''].join('\n');
      const holder = new pg.Client(pgConfig(h.db.url));
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [held]);
        const before = await dataSnapshot(pool);
        const dry = await h.upload({ users: changed }, { dryRun: true });
        const started = Date.now();
        await expect(h.run(dry)).rejects.toBeInstanceOf(JobBusyError);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect((await h.job(dry)).status).toBe('RUNNING');
        await holder.query('ROLLBACK');
        expect(await h.run(dry)).toEqual({ status: 'COMPLETED' });
        expect((await h.files(dry)).USERS).toMatchObject({ updated: 1, inserted: 0, unchanged: 0 });
        expect(await dataSnapshot(pool)).toEqual(before);
      } finally {
        await holder.end();
      }
    });

    it('gives way to a real job that waits on its rows, which then goes on at once', async () => {
      const { pool } = h.db;
      const files = await sample(103, 400, 2000, 0);
      const dry = await h.upload(files, { dryRun: true });
      const real = await h.upload(files);
      let realRun: Promise<unknown> | undefined;
      const dryRun = h.run(dry, {
        chunkRecords: 100,
        onChunkCommitted: async (kind, committed) => {
          if (kind !== 'USERS' || committed !== 100 || realRun) return;
          // The real job inserts the users the dry run has inserted (uncommitted): it waits on the dry run.
          realRun = h.run(real, { chunkRecords: 100 });
          await until(lockWaits, (n) => n > 0, 'the real job to wait on the dry run', 10_000, 20);
        },
      });
      await expect(dryRun).rejects.toBeInstanceOf(JobBusyError);
      expect(await realRun).toEqual({ status: 'COMPLETED' });
      const yielded = await h.job(dry);
      expect(yielded.status).toBe('RUNNING');
      expect(yielded.warnings).toEqual([expect.stringMatching(/gave way to another job/)]);

      const before = await dataSnapshot(pool);
      expect(await h.run(dry, { chunkRecords: 100 })).toEqual({ status: 'COMPLETED' });
      expect(await h.files(dry)).toMatchObject({
        USERS: { total: 400, inserted: 0, updated: 0, unchanged: 400, rejected: 0 },
        TRANSACTIONS: { total: 2000, inserted: 0, updated: 0, unchanged: 2000, rejected: 0 },
      });
      expect(await dataSnapshot(pool)).toEqual(before);
    });

    it('between two dry runs, only the one that waits gives way', async () => {
      const files = await sample(104, 400, 2000, 0);
      const first = await h.upload(files, { dryRun: true });
      const second = await h.upload(files, { dryRun: true });
      let secondRun: Promise<unknown> | undefined;
      const firstRun = h.run(first, {
        chunkRecords: 100,
        onChunkCommitted: async (kind, committed) => {
          if (kind !== 'USERS') return;
          if (committed === 100 && !secondRun) {
            secondRun = h.run(second, { chunkRecords: 100 });
            secondRun.catch(() => undefined);
            // The first looks at who waits on it (before its next chunk) while the second still does.
            await until(lockWaits, (n) => n > 0, 'the second dry run to wait on the first', 10_000, 5);
          } else if (committed === 200) {
            // And keeps its locks until the second has given way: finishing within the
            // second's lock timeout (200 ms) would let the second through instead.
            await secondRun?.catch(() => undefined);
          }
        },
      });
      expect(await firstRun).toEqual({ status: 'COMPLETED' });
      await expect(secondRun).rejects.toBeInstanceOf(JobBusyError);
      expect(await h.run(second, { chunkRecords: 100 })).toEqual({ status: 'COMPLETED' });
      expect(await h.files(second)).toEqual(await h.files(first));
      expect((await h.files(first)).USERS).toMatchObject({ inserted: 400 });
    });
  });
});
