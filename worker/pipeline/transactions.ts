// TRANSACTIONS stage: merge by RowId with the user's region/company snapshot.
//
// The fast path is the point of this file: new rows go straight into `transactions` with
// COPY (no staging table, no INSERT … SELECT). Per chunk, one probe of the chunk's keys
// returns the rows that exist already; JS classifies each record as new, changed,
// unchanged, or a duplicate, and only changed rows take a (small) staged UPDATE. A
// changed row records its old and its new date as affected, in the same transaction.
//
// Duplicates across chunks: a key written by this job (transactions.job_id) came from an
// earlier line of this file; keys that were not written (unchanged, rejected) go to a
// session table of seen keys. A first load therefore keeps almost nothing there.
import type pg from 'pg';
import { copyField } from '../../src/ingest/copy-text.js';
import { transactionsFormat, type TransactionColumn } from '../../src/ingest/rows.js';
import { canonicalDecimal, utcOf } from '../../src/ingest/values.js';
import {
  copyInto,
  duplicateReason,
  ingestFile,
  type ChunkRows,
  type FileTarget,
  type JobFileRow,
  type StageContext,
  type StageOutcome,
  type WriteResult,
} from './file-stage.js';

const SEEN = 'tx_seen';
const CHANGED = 'tx_changed';
const REPLAY = 'tx_replay';

const COLUMNS =
  'row_id, user_id, user_seq, model, conversation_id, token_type, token_count, rate_per_1k, cost, occurred_at, date, region, company, job_id';

// The compared values of an existing row as one canonical text (decimals without trailing
// zeros, the instant as printed in the session's UTC): cheap to send, one comparison in JS.
// Only Model_Name varies in form, so the '|' separators cannot make two rows look alike.
const EXISTING_SQL = `
SELECT row_id, job_id = $2::uuid AS mine, date::text AS date,
       concat_ws('|', user_id, model, conversation_id, token_type, token_count, trim_scale(rate_per_1k),
                 trim_scale(cost), occurred_at) AS compared
  FROM transactions WHERE row_id = ANY ($1::uuid[])`;

const UPDATE_CHANGED_SQL = `
UPDATE transactions t
   SET user_id = c.user_id, user_seq = c.user_seq, model = c.model, conversation_id = c.conversation_id,
       token_type = c.token_type, token_count = c.token_count, rate_per_1k = c.rate_per_1k, cost = c.cost,
       occurred_at = c.occurred_at, date = c.date, region = c.region, company = c.company, job_id = c.job_id
  FROM ${CHANGED} c WHERE t.row_id = c.row_id`;

interface ExistingRow {
  row_id: string;
  mine: boolean;
  date: string;
  compared: string;
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

  async load(client: pg.ClientBase, ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.byId.has(id));
    if (!missing.length) return;
    if (this.byId.size + missing.length > UserSnapshots.MAX_CACHED) this.byId.clear();
    const { rows } = await client.query<{ id: string; seq: number; region: string; company: string }>(
      `SELECT id, seq, region, coalesce(company, '') AS company FROM users WHERE id = ANY ($1::uuid[])`,
      [missing],
    );
    for (const id of missing) this.byId.set(id, null);
    for (const row of rows) this.byId.set(row.id, { seq: row.seq, region: row.region, company: row.company });
  }

  get(id: string): UserSnapshot | null {
    return this.byId.get(id) ?? null;
  }
}

const canonicalInteger = (value: string) => value.replace(/^0+(?=\d)/, '');

/** The file's values in the form EXISTING_SQL prints the stored ones. */
function comparedText(values: string[], utc: string): string {
  const [userId, model, conversationId, tokenType, tokenCount, rate, cost] = values as [string, string, string, string, string, string, string];
  return `${userId}|${model}|${conversationId}|${tokenType}|${canonicalInteger(tokenCount)}|${canonicalDecimal(rate)}|${canonicalDecimal(cost)}|${utc}`;
}

class TransactionsTarget implements FileTarget<TransactionColumn> {
  readonly format = transactionsFormat;
  private users = new UserSnapshots();
  private seenCount = 0;

  async prepare(client: pg.ClientBase): Promise<void> {
    await this.cleanup(client);
    this.users = new UserSnapshots();
    this.seenCount = 0;
    await client.query(`CREATE TEMP TABLE ${SEEN} (key uuid PRIMARY KEY, line int NOT NULL)`);
    await client.query(`CREATE TEMP TABLE ${REPLAY} (key uuid NOT NULL, line int NOT NULL) ON COMMIT DELETE ROWS`);
    await client.query(
      `CREATE TEMP TABLE ${CHANGED} (LIKE transactions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
    );
  }

  async write(client: pg.ClientBase, jobId: string, rows: ChunkRows): Promise<WriteResult> {
    const existing = await this.existing(client, jobId, rows);
    const seen = await this.seen(client, rows);
    await this.users.load(client, rows.ok.map((row) => row.values[0] as string));

    const result: WriteResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    const fresh: string[] = [];
    const changed: string[] = [];
    const register: string[] = [];
    const dates = new Set<string>();
    for (const { line, key, values } of rows.ok) {
      const before = existing.get(key);
      if (seen.has(key) || before?.mine) {
        result.rejected.push({ line, column: 'RowId', reason: duplicateReason('RowId', key) });
        continue;
      }
      const userId = values[0] as string;
      const user = this.users.get(userId);
      if (!user) {
        result.rejected.push({
          line,
          column: 'User_ID',
          reason: `User_ID ${userId} is unknown: not in this upload's users file nor in the database`,
        });
        register.push(`${key}\t${line}\n`);
        continue;
      }
      const { date, utc } = utcOf(values[7] as string);
      if (before && before.compared === comparedText(values as string[], utc)) {
        result.unchanged++;
        register.push(`${key}\t${line}\n`);
        continue;
      }
      const copyLine = transactionLine(key, values as string[], user, date, jobId);
      dates.add(date);
      if (before) {
        dates.add(before.date);
        changed.push(copyLine);
        result.updated++;
      } else {
        fresh.push(copyLine);
        result.inserted++;
      }
    }
    for (const { line, key } of rows.rejectedKeys) if (!seen.has(key)) register.push(`${key}\t${line}\n`);

    await copyInto(client, `transactions (${COLUMNS})`, fresh);
    if (changed.length) {
      await copyInto(client, `${CHANGED} (${COLUMNS})`, changed);
      await client.query(UPDATE_CHANGED_SQL);
    }
    await copyInto(client, `${SEEN} (key, line)`, register);
    this.seenCount += register.length;
    if (dates.size) {
      await client.query(
        'INSERT INTO job_affected_dates (job_id, date) SELECT $1, unnest($2::date[]) ON CONFLICT DO NOTHING',
        [jobId, [...dates]],
      );
    }
    return result;
  }

  /** The chunk's keys that exist already, in one index probe. */
  private async existing(client: pg.ClientBase, jobId: string, rows: ChunkRows): Promise<Map<string, ExistingRow>> {
    if (!rows.ok.length) return new Map();
    const { rows: found } = await client.query<ExistingRow>(EXISTING_SQL, [rows.ok.map((row) => row.key), jobId]);
    return new Map(found.map((row) => [row.row_id, row]));
  }

  /** Keys of this chunk that earlier chunks saw without writing them. */
  private async seen(client: pg.ClientBase, rows: ChunkRows): Promise<Set<string>> {
    if (!this.seenCount) return new Set();
    const keys = [...rows.ok.map((row) => row.key), ...rows.rejectedKeys.map((row) => row.key)];
    const { rows: found } = await client.query<{ key: string }>(`SELECT key FROM ${SEEN} WHERE key = ANY ($1::uuid[])`, [keys]);
    return new Set(found.map((row) => row.key));
  }

  async replay(client: pg.ClientBase, keys: ChunkRows['rejectedKeys']): Promise<void> {
    await copyInto(client, REPLAY, keys.map(({ line, key }) => `${key}\t${line}\n`));
    const { rowCount } = await client.query(
      `INSERT INTO ${SEEN} (key, line) SELECT key, min(line) FROM ${REPLAY} GROUP BY key ON CONFLICT (key) DO NOTHING`,
    );
    this.seenCount += rowCount ?? 0;
  }

  async cleanup(client: pg.ClientBase): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS pg_temp.${SEEN}, pg_temp.${CHANGED}, pg_temp.${REPLAY}`);
  }
}

function transactionLine(key: string, values: string[], user: UserSnapshot, date: string, jobId: string): string {
  const [userId, model, conversationId, tokenType, tokenCount, rate, cost, occurredAt] = values as [
    string, string, string, string, string, string, string, string,
  ];
  return (
    `${key}\t${userId}\t${user.seq}\t${copyField(model)}\t${conversationId}\t${tokenType}\t${tokenCount}\t` +
    `${rate}\t${cost}\t${occurredAt}\t${date}\t${copyField(user.region)}\t${copyField(user.company)}\t${jobId}\n`
  );
}

export function ingestTransactions(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  // One target per run: its user cache and seen-key count belong to this file.
  return ingestFile(ctx, file, new TransactionsTarget());
}
