// TRANSACTIONS stage: merge by RowId with the user's region/company snapshot.
//
// A chunk is written one of two ways:
// - insert: while chunks find no existing rows (a first load, the common case), the rows
//   go straight into `transactions` with COPY inside a savepoint: no probe at all. A key
//   that exists makes the COPY fail on the primary key; the chunk then rolls back to the
//   savepoint and is merged, and so are the next chunks until one finds nothing existing.
// - merge: one probe sends the chunk's keys and values; PostgreSQL compares them typed with
//   the stored rows and returns only the rows that are new, changed (with their old date)
//   or written by this job. An unchanged re-upload therefore costs one index probe per row
//   and returns nothing. New rows then go in with COPY; changed rows take a small staged
//   UPDATE.
//
// Rows arrive packed (transaction-rows.ts) and every COPY is binary (transaction-copy.ts).
//
// Duplicates across chunks: a key this job wrote is found in `transactions` (job_id = this
// job: the COPY conflicts, the probe reports it); keys that were not written (unchanged,
// rejected) are kept in SeenKeys.
import type pg from 'pg';
import { transactionsFormat, type TransactionColumn } from '../../src/ingest/rows.js';
import { MAX_CODE_LENGTH, MAX_COMPANY_LENGTH } from '../../src/ingest/values.js';
import { COPY_BUFFER_BYTES, copyBytes } from '../../src/infra/pg-pool.js';
import {
  duplicateRejection,
  ingestFile,
  type ChunkRows,
  type FileTarget,
  type JobFileRow,
  type StageContext,
  type StageOutcome,
  type WriteResult,
} from './file-stage.js';
import { AGGREGATES_LOCK, TOKEN_COLUMNS } from './aggregates.js';
import { bufferPool } from './buffer-pool.js';
import { SeenKeys } from './seen-keys.js';
import { BINARY_HEADER, BINARY_TRAILER, binaryTail } from './transaction-copy.js';
import { PACKED_COLUMNS, TransactionRows, dateNumber, transactionLinePath } from './transaction-rows.js';

const CHANGED = 'tx_changed';
const UNIQUE_VIOLATION = '23505';

// A packed row, then the user's snapshot, the job and its aggregate batch.
const COLUMNS = `${PACKED_COLUMNS}, user_seq, region, company, job_id, agg_batch`;

// The chunk's packed rows arrive as one text (COPY text format, a row a line) and are
// compared typed: 1.50 = 1.5, instants by value. Casting them is PostgreSQL's work,
// which has cores to spare here, not the worker's. A model name is a code (no control
// characters), so a backslash is the only escape it can carry.
const PROBE_SQL = `
SELECT f.ord::int - 1 AS ord, t.row_id IS NOT NULL AS existed, t.job_id = $2::uuid AS mine, t.date::text AS old_date
  FROM (SELECT string_to_array(u.line, E'\\t') AS v, u.ord
          FROM unnest(string_to_array($1, E'\\n')) WITH ORDINALITY AS u(line, ord)
        OFFSET 0) f
  LEFT JOIN transactions t ON t.row_id = f.v[1]::uuid
 WHERE t.row_id IS NULL OR t.job_id = $2::uuid
    OR (t.user_id, t.model, t.conversation_id, t.token_type::text, t.token_count, t.rate_per_1k, t.cost, t.occurred_at)
       IS DISTINCT FROM (f.v[2]::uuid, replace(f.v[3], '\\\\', '\\'), f.v[4]::uuid, f.v[5], f.v[6]::int8, f.v[7]::numeric,
                         f.v[8]::numeric, f.v[9]::timestamptz)`;

const UPDATE_CHANGED_SQL = `
UPDATE transactions t
   SET ${COLUMNS.split(', ').slice(1).map((c) => `${c} = c.${c}`).join(', ')}
  FROM ${CHANGED} c WHERE t.row_id = c.row_id`;

// The versions the changed rows replace leave the aggregates when this batch is applied,
// unless their own (batch, date) is still pending (then they were never added). The shared
// lock (taken by its own statement first, so the check's snapshot is taken after it) keeps
// an AGGREGATES stage (exclusive) from applying a batch between this check and the commit.
const RETRACT_LOCK_SQL = `SELECT pg_advisory_xact_lock_shared(${AGGREGATES_LOCK})`;
const RETRACT_REPLACED_SQL = `
INSERT INTO aggregate_retractions (batch, date, region, company, model, conversation_id, user_seq, cost,
                                   prompt_tokens, completion_tokens)
SELECT $1, t.date, t.region, t.company, t.model, t.conversation_id, t.user_seq, t.cost,
       ${TOKEN_COLUMNS}
  FROM ${CHANGED} c JOIN transactions t ON t.row_id = c.row_id
 WHERE NOT EXISTS (SELECT FROM aggregate_pending p WHERE p.batch = t.agg_batch AND p.date = t.date)`;

const PENDING_SQL = `INSERT INTO aggregate_pending (batch, date) SELECT $1, unnest($2::date[]) ON CONFLICT DO NOTHING`;

/** A probed row that is not unchanged. */
interface ProbedRow {
  ord: number;
  existed: boolean;
  mine: boolean | null;
  old_date: string | null;
}

interface UserSnapshot {
  /** The binary COPY fields after a packed row: seq, region, company, job. */
  tail: Buffer;
  /** Why the user's transactions are refused (a stored text over today's limits). */
  refused?: string;
}

/** The COPY tail (seq, region, company, job) of the users a file references, loaded as chunks need them. */
class UserSnapshots {
  // A bound, so a file referencing millions of users cannot grow it without limit.
  private static readonly MAX_CACHED = 200_000;
  private readonly byId = new Map<string, UserSnapshot | null>();

  constructor(
    private readonly jobId: string,
    private readonly batch: number,
  ) {}

  async load(client: pg.ClientBase, ids: string[]): Promise<void> {
    const missing = new Set<string>();
    for (const id of ids) if (!this.byId.has(id)) missing.add(id);
    if (!missing.size) return;
    if (this.byId.size + missing.size > UserSnapshots.MAX_CACHED) this.byId.clear();
    const { rows: found } = await client.query<{ id: string; seq: number; region: string; company: string; too_long: boolean }>(
      `SELECT id, seq, region, coalesce(company, '') AS company,
              char_length(region) > ${MAX_CODE_LENGTH} OR char_length(company) > ${MAX_COMPANY_LENGTH} AS too_long
         FROM users WHERE id = ANY (string_to_array($1, ',')::uuid[])`,
      [[...missing].join(',')],
    );
    for (const { id, seq, region, company, too_long: tooLong } of found) {
      // Users stored before the length limits existed: their region and company would
      // become keys of the aggregates, too long for a btree entry.
      const refused = tooLong
        ? `User_ID ${id}: the user's stored Region or Company_Name is longer than ${MAX_CODE_LENGTH} or ${MAX_COMPANY_LENGTH} ` +
          'characters (stored before these limits); upload the user again with shorter ones'
        : undefined;
      this.byId.set(id, { tail: binaryTail(seq, region, company, this.jobId, this.batch), refused });
    }
    for (const id of missing) if (!this.byId.has(id)) this.byId.set(id, null);
  }

  get(id: string): UserSnapshot | null {
    return this.byId.get(id) ?? null;
  }
}

/** The chunk's rows that go on to be written: row indexes and their users. */
interface Candidates {
  rows: TransactionRows;
  picks: number[];
  users: UserSnapshot[];
}

class TransactionsTarget implements FileTarget<TransactionColumn, TransactionRows> {
  readonly format = transactionsFormat;
  readonly chunkTables = [CHANGED];
  readonly linePath = transactionLinePath;
  private users: UserSnapshots;
  private seen: SeenKeys;
  private mode: 'insert' | 'merge' = 'insert';
  /** This run's aggregate batch (aggregate_batches), made in prepare(); a dry run has none. */
  private batch = 0;

  constructor(
    private readonly jobId: string,
    private readonly maxKeysInMemory?: number,
    /**
     * Inside the dry-run transaction, which never commits: savepoints are released by hand,
     * and nothing is prepared for the aggregates (no batch, pending pairs or retractions;
     * the shared lock on the aggregates would also be held until the rollback).
     */
    private readonly dryRun = false,
  ) {
    this.users = new UserSnapshots(jobId, this.batch);
    this.seen = new SeenKeys(maxKeysInMemory);
  }

  newRows(): TransactionRows {
    return new TransactionRows();
  }

  async prepare(client: pg.ClientBase): Promise<void> {
    await this.cleanup(client);
    this.batch = this.dryRun ? 0 : await newBatch(client, this.jobId);
    this.users = new UserSnapshots(this.jobId, this.batch);
    this.seen = new SeenKeys(this.maxKeysInMemory);
    this.mode = 'insert';
    await client.query(`CREATE TEMP TABLE ${CHANGED} (LIKE transactions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
  }

  async write(client: pg.ClientBase, jobId: string, chunk: ChunkRows<TransactionRows>): Promise<WriteResult> {
    const { seen } = this;
    const rows = chunk.ok;
    const ids = Array.from({ length: rows.count }, (_, i) => rows.userId(i));
    await seen.lookUpSpilled(client, () => [
      ...Array.from({ length: rows.count }, (_, i) => rows.key(i)),
      ...chunk.rejectedKeys.map((row) => row.key),
    ]);
    await this.users.load(client, ids);

    const result: WriteResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    const candidates: Candidates = { rows, picks: [], users: [] };
    for (let i = 0; i < rows.count; i++) {
      if (seen.hasAt(rows.data, rows.start(i))) {
        result.rejected.push(duplicateRejection('RowId', rows.line(i), rows.key(i), rows.raw(i)));
        continue;
      }
      const user = this.users.get(ids[i] as string);
      if (!user || user.refused) {
        result.rejected.push({
          line: rows.line(i),
          column: 'User_ID',
          reason: user?.refused ?? `User_ID ${ids[i]} is unknown: not in this upload's users file nor in the database`,
          raw: rows.raw(i),
        });
        seen.addAt(rows.data, rows.start(i));
        continue;
      }
      candidates.picks.push(i);
      candidates.users.push(user);
    }
    for (const { key } of chunk.rejectedKeys) seen.add(key);

    const dates = new Set<string>();
    if (candidates.picks.length && this.mode === 'insert' && (await this.insert(client, candidates))) {
      result.inserted = candidates.picks.length;
      addDates(rows, candidates.picks, dates);
    } else if (candidates.picks.length) {
      await this.merge(client, jobId, candidates, result, dates);
    }
    await seen.flush(client);
    result.dates = [...dates];
    if (dates.size && !this.dryRun) await client.query(PENDING_SQL, [this.batch, result.dates]);
    return result;
  }

  /** COPY straight into transactions; false (rolled back) when a key exists already. */
  private async insert(client: pg.ClientBase, candidates: Candidates): Promise<boolean> {
    await client.query('SAVEPOINT chunk_insert');
    try {
      // Not released: COMMIT ends it, and that saves a round trip per chunk. A dry run
      // never commits: there the savepoints would nest one level deeper every chunk.
      await copyCandidates(client, 'transactions', candidates, all(candidates.picks.length));
      if (this.dryRun) await client.query('RELEASE SAVEPOINT chunk_insert');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await client.query('ROLLBACK TO SAVEPOINT chunk_insert');
      this.mode = 'merge';
      return false;
    }
  }

  /** Probes the candidates and writes the new and changed ones; counts into `result`, dates into `dates`. */
  private async merge(client: pg.ClientBase, jobId: string, candidates: Candidates, result: WriteResult, dates: Set<string>) {
    const { rows, picks } = candidates;
    const probed = await this.probe(client, jobId, candidates);
    const fresh: number[] = [];
    const changed: number[] = [];
    const notUnchanged = new Uint8Array(picks.length);
    for (const { ord, existed, mine, old_date: oldDate } of probed) {
      notUnchanged[ord] = 1;
      const i = picks[ord] as number;
      if (mine) {
        result.rejected.push(duplicateRejection('RowId', rows.line(i), rows.key(i), rows.raw(i)));
        continue;
      }
      if (existed) {
        dates.add(oldDate as string);
        changed.push(ord);
      } else {
        fresh.push(ord);
      }
    }
    addDates(rows, [...fresh, ...changed].map((ord) => picks[ord] as number), dates);
    if (fresh.length) await copyCandidates(client, 'transactions', candidates, fresh);
    if (changed.length) {
      await copyCandidates(client, CHANGED, candidates, changed);
      if (!this.dryRun) {
        await client.query(RETRACT_LOCK_SQL);
        await client.query(RETRACT_REPLACED_SQL, [this.batch]);
      }
      await client.query(UPDATE_CHANGED_SQL);
    }
    result.inserted = fresh.length;
    result.updated = changed.length;
    result.unchanged = picks.length - probed.length;
    picks.forEach((i, ord) => {
      if (!notUnchanged[ord]) this.seen.addAt(rows.data, rows.start(i));
    });
    this.mode = fresh.length === picks.length ? 'insert' : 'merge';
  }

  /** The candidates that are new, changed or written by this job (unchanged rows are not returned). */
  private async probe(client: pg.ClientBase, jobId: string, { rows, picks }: Candidates): Promise<ProbedRow[]> {
    let bytes = 0;
    for (const i of picks) bytes += rows.end(i) - rows.start(i) + 1;
    const text = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const i of picks) {
      at += rows.data.copy(text, at, rows.start(i), rows.end(i));
      text[at++] = 10;
    }
    const { rows: probed } = await client.query<ProbedRow>(PROBE_SQL, [text.toString('utf8', 0, at - 1), jobId]);
    return probed;
  }

  async replay(client: pg.ClientBase, keys: ChunkRows<TransactionRows>['rejectedKeys']): Promise<void> {
    await this.seen.lookUpSpilled(client, () => keys.map(({ key }) => key));
    for (const { key } of keys) this.seen.add(key);
    await this.seen.flush(client);
  }

  async cleanup(client: pg.ClientBase): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS pg_temp.${CHANGED}`);
    await this.seen.cleanup(client);
  }
}

async function newBatch(client: pg.ClientBase, jobId: string): Promise<number> {
  const { rows } = await client.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [jobId]);
  return rows[0]!.id;
}

function all(count: number): number[] {
  return Array.from({ length: count }, (_, ord) => ord);
}

/** Adds the UTC dates of rows `indexes` to `dates`. */
function addDates(rows: TransactionRows, indexes: number[], dates: Set<string>): void {
  const seen = new Set<number>();
  for (const i of indexes) {
    const at = rows.dateAt(i);
    const n = dateNumber(rows.data, at);
    if (seen.has(n)) continue;
    seen.add(n);
    dates.add(rows.data.toString('latin1', at, at + 10));
  }
}

/**
 * Binary COPY of the candidates at `ords` into `table`. Rows come encoded (see
 * transaction-rows.ts); the whole chunk is assembled before the COPY starts: assembled as
 * the socket drained, PostgreSQL waited on the worker's parsing of the next chunk.
 */
async function copyCandidates(client: pg.ClientBase, table: string, candidates: Candidates, ords: number[]): Promise<void> {
  const taken: Buffer[] = [];
  await copyBytes(client, `${table} (${COLUMNS})`, [...copyRows(candidates, ords, taken)], '(FORMAT binary)');
  // Only once the COPY succeeded has every byte been sent; after a failure the buffers are dropped.
  for (const buffer of taken) bufferPool.give(buffer);
}

/** Each row's binary fields, then its user's tail, in ~1 MiB buffers from the pool (listed in `taken`). */
function* copyRows({ rows, picks, users }: Candidates, ords: number[], taken: Buffer[]): Generator<Buffer> {
  yield BINARY_HEADER;
  const binary = rows.binaryData;
  let out = bufferPool.take(COPY_BUFFER_BYTES);
  taken.push(out);
  let used = 0;
  for (const ord of ords) {
    const i = picks[ord] as number;
    const { tail } = users[ord] as UserSnapshot;
    const start = rows.binaryStart(i);
    const end = rows.binaryEnd(i);
    const length = end - start + tail.length;
    if (used + length > out.length) {
      if (used) yield out.subarray(0, used);
      out = bufferPool.take(Math.max(COPY_BUFFER_BYTES, length));
      taken.push(out);
      used = 0;
    }
    used += binary.copy(out, used, start, end);
    used += tail.copy(out, used);
  }
  if (used) yield out.subarray(0, used);
  yield BINARY_TRAILER;
}

export function ingestTransactions(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  // One target per run: its user cache and seen keys belong to this file.
  return ingestFile(ctx, file, new TransactionsTarget(ctx.jobId, ctx.maxKeysInMemory, ctx.dryRun !== undefined));
}
