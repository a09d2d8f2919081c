// TRANSACTIONS stage: merge by RowId with the user's region/company snapshot. Only new or
// changed rows are written; a changed row records its old and its new date as affected,
// in the same transaction, so the aggregates stage corrects both.
import type pg from 'pg';
import { transactionsFormat, type TransactionColumn } from '../../src/ingest/rows.js';
import { ingestFile, STAGING_TABLE, type FileTarget, type JobFileRow, type StageContext, type StageOutcome } from './file-stage.js';

// Known = in the users table now: ingested earlier or by this job's USERS stage.
const UNKNOWN_USERS_SQL = `
SELECT s.line, s.user_id FROM ${STAGING_TABLE} s
 WHERE s.ok AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)`;

const COMPARED = 'user_id, model, conversation_id, token_type, token_count, rate_per_1k, cost, occurred_at';
const COMPARED_S = COMPARED.split(', ').map((c) => `s.${c}`).join(', ');
const COMPARED_O = COMPARED.split(', ').map((c) => `o.${c}`).join(', ');

// One index probe per staged row: how many keys exist already, and which of those changed.
const CLASSIFY_SQL = `
SELECT count(*)::int AS existing,
       coalesce(array_agg(s.key) FILTER (WHERE (${COMPARED_O}) IS DISTINCT FROM (${COMPARED_S})), '{}') AS changed
  FROM ${STAGING_TABLE} s JOIN transactions o ON o.row_id = s.key
 WHERE s.ok`;

// Changed rows, joined with the row before the update (o) so the old date is known too.
const UPDATE_CHANGED_SQL = `
WITH updated AS (
  UPDATE transactions t
     SET user_id = s.user_id, user_seq = u.seq, model = s.model, conversation_id = s.conversation_id,
         token_type = s.token_type, token_count = s.token_count, rate_per_1k = s.rate_per_1k, cost = s.cost,
         occurred_at = s.occurred_at, date = (s.occurred_at AT TIME ZONE 'UTC')::date,
         region = u.region, company = coalesce(u.company, ''), job_id = $1::uuid
    FROM ${STAGING_TABLE} s
    JOIN users u ON u.id = s.user_id
    JOIN transactions o ON o.row_id = s.key
   WHERE s.ok AND s.key = ANY ($2::uuid[]) AND t.row_id = s.key
  RETURNING t.date AS new_date, o.date AS old_date
), dates AS (
  INSERT INTO job_affected_dates (job_id, date)
  SELECT $1::uuid, new_date FROM updated UNION SELECT $1::uuid, old_date FROM updated
  ON CONFLICT DO NOTHING
)
SELECT count(*)::int AS updated FROM updated`;

// New rows: a plain INSERT (no ON CONFLICT: speculative insertion costs twice as much).
// When some staged keys exist, they are skipped by a second probe. A concurrent job
// inserting the same RowId makes this chunk fail and retry; the row is then "existing".
const insertNewSql = (someExist: boolean) => `
WITH inserted AS (
  INSERT INTO transactions (row_id, user_id, user_seq, model, conversation_id, token_type, token_count,
                            rate_per_1k, cost, occurred_at, date, region, company, job_id)
  SELECT s.key, s.user_id, u.seq, s.model, s.conversation_id, s.token_type, s.token_count,
         s.rate_per_1k, s.cost, s.occurred_at, (s.occurred_at AT TIME ZONE 'UTC')::date,
         u.region, coalesce(u.company, ''), $1::uuid
    FROM ${STAGING_TABLE} s
    JOIN users u ON u.id = s.user_id
   WHERE s.ok ${someExist ? 'AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.row_id = s.key)' : ''}
  RETURNING date
), dates AS (
  INSERT INTO job_affected_dates (job_id, date)
  SELECT DISTINCT $1::uuid, date FROM inserted
  ON CONFLICT DO NOTHING
)
SELECT count(*)::int AS inserted FROM inserted`;

async function mergeTransactions(client: pg.ClientBase, jobId: string) {
  const unknown = await client.query<{ line: number; user_id: string }>(UNKNOWN_USERS_SQL);
  const classified = await client.query<{ existing: number; changed: string[] }>(CLASSIFY_SQL);
  const existing = classified.rows[0]?.existing ?? 0;
  const changed = classified.rows[0]?.changed ?? [];
  let updated = 0;
  if (changed.length) {
    const { rows } = await client.query<{ updated: number }>(UPDATE_CHANGED_SQL, [jobId, changed]);
    updated = rows[0]?.updated ?? 0;
  }
  const { rows } = await client.query<{ inserted: number }>(insertNewSql(existing > 0), [jobId]);
  return {
    inserted: rows[0]?.inserted ?? 0,
    updated,
    rejected: unknown.rows.map((row) => ({
      line: row.line,
      column: 'User_ID',
      reason: `User_ID ${row.user_id} is unknown: not in this upload's users file nor in the database`,
    })),
  };
}

export const transactionsTarget: FileTarget<TransactionColumn> = {
  format: transactionsFormat,
  stagingColumns:
    'user_id uuid, model text, conversation_id uuid, token_type "TokenType", token_count bigint, ' +
    'rate_per_1k numeric, cost numeric, occurred_at timestamptz',
  merge: mergeTransactions,
};

export function ingestTransactions(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  return ingestFile(ctx, file, transactionsTarget);
}
