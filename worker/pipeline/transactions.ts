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
// Duplicates across chunks: a key this job wrote is found in `transactions` (job_id = this
// job: the COPY conflicts, the probe reports it); keys that were not written (unchanged,
// rejected) are kept in SeenKeys.
import type pg from 'pg';
import { copyField } from '../../src/ingest/copy-text.js';
import { transactionsFormat, type TransactionColumn } from '../../src/ingest/rows.js';
import { utcDate } from '../../src/ingest/values.js';
import {
  copyInto,
  duplicateRejection,
  ingestFile,
  type ChunkRows,
  type FileTarget,
  type JobFileRow,
  type StageContext,
  type StageOutcome,
  type WriteResult,
} from './file-stage.js';
import { SeenKeys } from './seen-keys.js';

const CHANGED = 'tx_changed';
const UNIQUE_VIOLATION = '23505';

const COLUMNS =
  'row_id, user_id, user_seq, model, conversation_id, token_type, token_count, rate_per_1k, cost, occurred_at, date, region, company, job_id';

// The file's values arrive as one delimited text per column (validated values hold no ','
// and codes no line break) and are compared typed: 1.50 = 1.5, instants by value. Casting
// them is PostgreSQL's work, which has cores to spare here, not the worker's.
const PROBE_SQL = `
SELECT f.ord::int - 1 AS ord, t.row_id IS NOT NULL AS existed, t.job_id = $10::uuid AS mine, t.date::text AS old_date
  FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($2, ',')::uuid[], string_to_array($3, E'\\n'),
              string_to_array($4, ',')::uuid[], string_to_array($5, ','), string_to_array($6, ',')::int8[],
              string_to_array($7, ',')::numeric[], string_to_array($8, ',')::numeric[],
              string_to_array($9, ',')::timestamptz[])
       WITH ORDINALITY AS f(row_id, user_id, model, conversation_id, token_type, token_count, rate_per_1k, cost, occurred_at, ord)
  LEFT JOIN transactions t ON t.row_id = f.row_id
 WHERE t.row_id IS NULL OR t.job_id = $10::uuid
    OR (t.user_id, t.model, t.conversation_id, t.token_type::text, t.token_count, t.rate_per_1k, t.cost, t.occurred_at)
       IS DISTINCT FROM (f.user_id, f.model, f.conversation_id, f.token_type, f.token_count, f.rate_per_1k, f.cost, f.occurred_at)`;

const UPDATE_CHANGED_SQL = `
UPDATE transactions t
   SET ${COLUMNS.split(', ').slice(1).map((c) => `${c} = c.${c}`).join(', ')}
  FROM ${CHANGED} c WHERE t.row_id = c.row_id`;

/** A probed row that is not unchanged. */
interface ProbedRow {
  ord: number;
  existed: boolean;
  mine: boolean | null;
  old_date: string | null;
}

interface Candidate {
  line: number;
  key: string;
  raw: string;
  values: string[];
  user: UserSnapshot;
  date: string;
  /** Set by the probe for rows that are not unchanged. */
  probed?: boolean;
}

interface UserSnapshot {
  seq: number;
  region: string;
  company: string;
}

/** Region/company/seq of the users a file references, loaded as chunks need them. */
class UserSnapshots {
  // A bound, so a file referencing millions of users cannot grow it without limit.
  private static readonly MAX_CACHED = 200_000;
  private readonly byId = new Map<string, UserSnapshot | null>();

  async load(client: pg.ClientBase, rows: ChunkRows['ok']): Promise<void> {
    const missing = new Set<string>();
    for (const { values } of rows) if (!this.byId.has(values[0] as string)) missing.add(values[0] as string);
    if (!missing.size) return;
    if (this.byId.size + missing.size > UserSnapshots.MAX_CACHED) this.byId.clear();
    const { rows: found } = await client.query<{ id: string; seq: number; region: string; company: string }>(
      `SELECT id, seq, region, coalesce(company, '') AS company FROM users
        WHERE id = ANY (string_to_array($1, ',')::uuid[])`,
      [[...missing].join(',')],
    );
    // Keyed by pg's strings: an id sliced from the CSV would keep its whole decoded text
    // piece (256 KB) alive for as long as the cache lives (~24 MB at 2000 users).
    for (const row of found) this.byId.set(row.id, { seq: row.seq, region: row.region, company: row.company });
    for (const id of missing) if (!this.byId.has(id)) this.byId.set(id, null);
  }

  get(id: string): UserSnapshot | null {
    return this.byId.get(id) ?? null;
  }
}

class TransactionsTarget implements FileTarget<TransactionColumn> {
  readonly format = transactionsFormat;
  private users = new UserSnapshots();
  private seen: SeenKeys;
  private mode: 'insert' | 'merge' = 'insert';

  constructor(private readonly maxKeysInMemory?: number) {
    this.seen = new SeenKeys(maxKeysInMemory);
  }

  async prepare(client: pg.ClientBase): Promise<void> {
    await this.cleanup(client);
    this.users = new UserSnapshots();
    this.seen = new SeenKeys(this.maxKeysInMemory);
    this.mode = 'insert';
    await client.query(`CREATE TEMP TABLE ${CHANGED} (LIKE transactions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
  }

  async write(client: pg.ClientBase, jobId: string, rows: ChunkRows): Promise<WriteResult> {
    const { seen } = this;
    await seen.lookUpSpilled(client, () => [...rows.ok.map((row) => row.key), ...rows.rejectedKeys.map((row) => row.key)]);
    await this.users.load(client, rows.ok);

    const result: WriteResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    const candidates: Candidate[] = [];
    for (const { line, key, values, raw } of rows.ok) {
      if (seen.has(key)) {
        result.rejected.push(duplicateRejection('RowId', line, key, raw));
        continue;
      }
      const userId = values[0] as string;
      const user = this.users.get(userId);
      if (!user) {
        result.rejected.push({
          line,
          column: 'User_ID',
          reason: `User_ID ${userId} is unknown: not in this upload's users file nor in the database`,
          raw,
        });
        seen.add(key);
        continue;
      }
      candidates.push({ line, key, raw, values: values as string[], user, date: utcDate(values[7] as string) });
    }
    for (const { key } of rows.rejectedKeys) seen.add(key);

    const dates = new Set<string>();
    if (candidates.length && this.mode === 'insert' && (await this.insert(client, jobId, candidates))) {
      result.inserted = candidates.length;
      for (const { date } of candidates) dates.add(date);
    } else if (candidates.length) {
      await this.merge(client, jobId, candidates, result, dates);
    }
    await seen.flush(client);
    if (dates.size) {
      await client.query(
        'INSERT INTO job_affected_dates (job_id, date) SELECT $1, unnest($2::date[]) ON CONFLICT DO NOTHING',
        [jobId, [...dates]],
      );
    }
    return result;
  }

  /** COPY straight into transactions; false (rolled back) when a key exists already. */
  private async insert(client: pg.ClientBase, jobId: string, candidates: Candidate[]): Promise<boolean> {
    await client.query('SAVEPOINT chunk_insert');
    try {
      await copyInto(client, `transactions (${COLUMNS})`, transactionLines(candidates, jobId));
      await client.query('RELEASE SAVEPOINT chunk_insert');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await client.query('ROLLBACK TO SAVEPOINT chunk_insert');
      this.mode = 'merge';
      return false;
    }
  }

  /** Probes the candidates and writes the new and changed ones; counts into `result`, dates into `dates`. */
  private async merge(client: pg.ClientBase, jobId: string, candidates: Candidate[], result: WriteResult, dates: Set<string>) {
    const probed = await this.probe(client, jobId, candidates);
    const fresh: Candidate[] = [];
    const changed: Candidate[] = [];
    for (const { ord, existed, mine, old_date: oldDate } of probed) {
      const candidate = candidates[ord] as Candidate;
      candidate.probed = true;
      if (mine) {
        const { line, key, raw } = candidate;
        result.rejected.push(duplicateRejection('RowId', line, key, raw));
        continue;
      }
      dates.add(candidate.date);
      if (existed) {
        dates.add(oldDate as string);
        changed.push(candidate);
      } else {
        fresh.push(candidate);
      }
    }
    if (fresh.length) await copyInto(client, `transactions (${COLUMNS})`, transactionLines(fresh, jobId));
    if (changed.length) {
      await copyInto(client, `${CHANGED} (${COLUMNS})`, transactionLines(changed, jobId));
      await client.query(UPDATE_CHANGED_SQL);
    }
    result.inserted = fresh.length;
    result.updated = changed.length;
    result.unchanged = candidates.length - probed.length;
    for (const candidate of candidates) if (!candidate.probed) this.seen.add(candidate.key);
    this.mode = fresh.length === candidates.length ? 'insert' : 'merge';
  }

  /** The chunk's rows that are new, changed or written by this job (unchanged rows are not returned). */
  private async probe(client: pg.ClientBase, jobId: string, candidates: Candidate[]): Promise<ProbedRow[]> {
    const columns: string[][] = Array.from({ length: 9 }, () => new Array<string>(candidates.length));
    candidates.forEach(({ key, values }, i) => {
      (columns[0] as string[])[i] = key;
      for (let c = 0; c < 8; c++) (columns[c + 1] as string[])[i] = values[c] as string;
    });
    const params = columns.map((column, c) => column.join(c === 2 ? '\n' : ','));
    const { rows } = await client.query<ProbedRow>(PROBE_SQL, [...params, jobId]);
    return rows;
  }

  async replay(client: pg.ClientBase, keys: ChunkRows['rejectedKeys']): Promise<void> {
    await this.seen.lookUpSpilled(client, () => keys.map(({ key }) => key));
    for (const { key } of keys) this.seen.add(key);
    await this.seen.flush(client);
  }

  async cleanup(client: pg.ClientBase): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS pg_temp.${CHANGED}`);
    await this.seen.cleanup(client);
  }
}

/** The rows in COPY text format, built one at a time as COPY consumes them. */
function* transactionLines(candidates: Candidate[], jobId: string): Generator<string> {
  for (const candidate of candidates) yield transactionLine(candidate, jobId);
}

function transactionLine({ key, values, user, date }: Candidate, jobId: string): string {
  const [userId, model, conversationId, tokenType, tokenCount, rate, cost, occurredAt] = values as [
    string, string, string, string, string, string, string, string,
  ];
  return (
    `${key}\t${userId}\t${user.seq}\t${copyField(model)}\t${conversationId}\t${tokenType}\t${tokenCount}\t` +
    `${rate}\t${cost}\t${occurredAt}\t${date}\t${copyField(user.region)}\t${copyField(user.company)}\t${jobId}\n`
  );
}

export function ingestTransactions(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  // One target per run: its user cache and seen keys belong to this file.
  return ingestFile(ctx, file, new TransactionsTarget(ctx.maxKeysInMemory));
}
