// USERS stage: upsert users by User_ID. Only new or changed users are written, so a
// re-upload of identical users counts them unchanged and touches no row.
//
// Users files are small next to transactions, so a chunk takes the simple path: COPY
// into a staging table, register its keys in a seen-keys table (duplicates conflict),
// then one set-based merge.
import type pg from 'pg';
import { bumpDataVersion } from '../../src/dashboard/data-version.js';
import { copyFields } from '../../src/ingest/copy-text.js';
import { usersFormat, type UserColumn } from '../../src/ingest/rows.js';
import { copyInto } from '../../src/infra/pg-pool.js';
import {
  duplicateRejection,
  ingestFile,
  RowList,
  type ChunkRows,
  type FileTarget,
  type JobFileRow,
  type RowRejection,
  type StageContext,
  type StageOutcome,
  type WriteResult,
} from './file-stage.js';
import { dryRunSeqStart } from './dry-run.js';

const STAGE = 'user_stage';
const SEEN = 'user_seen';
const DRY_RUN_SEQ = 'user_dry_run_seq';
const PAYLOAD_NULLS = Array.from({ length: 6 }, () => '\\N').join('\t');

/** `seq`: the new users' seq when not users.seq's own default (a dry run's, see dry-run.ts). */
const mergeUsersSql = (seq?: string) => `
WITH candidates AS MATERIALIZED (
  SELECT s.key AS id, s.name, s.region, s.is_active_sub, s.department, s.company, s.signup_at,
         u.id IS NULL AS is_new
    FROM ${STAGE} s LEFT JOIN users u ON u.id = s.key
   WHERE s.ok
     AND (u.id IS NULL OR (u.name, u.region, u.is_active_sub, u.department, u.company, u.signup_at)
                          IS DISTINCT FROM (s.name, s.region, s.is_active_sub, s.department, s.company, s.signup_at))
), updated AS (
  UPDATE users u SET name = c.name, region = c.region, is_active_sub = c.is_active_sub,
         department = c.department, company = c.company, signup_at = c.signup_at, updated_at = now()
    FROM candidates c WHERE NOT c.is_new AND u.id = c.id
  RETURNING 1
), inserted AS (
  -- A concurrent job may insert the same new user first: then this row counts unchanged.
  INSERT INTO users (id, ${seq ? 'seq, ' : ''}name, region, is_active_sub, department, company, signup_at, updated_at)
  SELECT id, ${seq ? `${seq}, ` : ''}name, region, is_active_sub, department, company, signup_at, now() FROM candidates WHERE is_new
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM updated)::int AS updated`;

const MERGE_USERS_SQL = mergeUsersSql();
const DRY_RUN_MERGE_USERS_SQL = mergeUsersSql(`nextval('pg_temp.${DRY_RUN_SEQ}')`);

function stageLines(rows: ChunkRows<RowList>): string[] {
  return [
    ...rows.ok.items.map(({ line, key, values }) => `${line}\t${key}\tt\t${copyFields(values)}\n`),
    ...rows.rejectedKeys.map(({ line, key }) => `${line}\t${key}\tf\t${PAYLOAD_NULLS}\n`),
  ];
}

/**
 * Registers the staged keys as seen and returns the valid staged rows whose key an
 * earlier chunk already had (removed from staging). ON CONFLICT DO NOTHING detects and
 * registers in one pass; the rare duplicates are then looked up by line.
 */
async function takeDuplicates(client: pg.ClientBase, chunk: ChunkRows<RowList>, staged: number): Promise<RowRejection[]> {
  const { rows } = await client.query<{ registered: number }>(
    `WITH registered AS (
       INSERT INTO ${SEEN} (key, line) SELECT key, line FROM ${STAGE} ON CONFLICT (key) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS registered FROM registered`,
  );
  if (rows[0]?.registered === staged) return [];
  const { rows: duplicates } = await client.query<{ line: number; key: string; ok: boolean }>(
    `DELETE FROM ${STAGE} s USING ${SEEN} k WHERE k.key = s.key AND k.line < s.line RETURNING s.line, s.key, s.ok`,
  );
  // Rows already rejected for a broken field keep that reason.
  const rawByLine = new Map(chunk.ok.items.map((row) => [row.line, row.raw]));
  return duplicates
    .filter((row) => row.ok)
    .map((row) => duplicateRejection('User_ID', row.line, row.key, rawByLine.get(row.line) ?? ''));
}

/**
 * The users target; a dry run's (`dryRun`) numbers its new users from a session sequence
 * of its own and leaves the data version alone: its writes are rolled back.
 */
export function usersTarget(dryRun: boolean): FileTarget<UserColumn, RowList> {
  return {
    format: usersFormat,
    chunkTables: [STAGE],
    newRows: () => new RowList(),
    async prepare(client) {
      await this.cleanup(client);
      await client.query(
        `CREATE TEMP TABLE ${STAGE} (line int NOT NULL, key uuid NOT NULL, ok boolean NOT NULL, name text, region text,
           is_active_sub boolean, department text, company text, signup_at timestamptz(3)) ON COMMIT DELETE ROWS`,
      );
      await client.query(`CREATE TEMP TABLE ${SEEN} (key uuid PRIMARY KEY, line int NOT NULL)`);
      if (dryRun) {
        const start = dryRunSeqStart();
        await client.query(`CREATE TEMP SEQUENCE ${DRY_RUN_SEQ} AS int INCREMENT BY -1 MAXVALUE ${start} START WITH ${start}`);
      }
    },
    async write(client, jobId, rows): Promise<WriteResult> {
      const lines = stageLines(rows);
      if (!lines.length) return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
      await copyInto(client, STAGE, lines);
      const duplicates = await takeDuplicates(client, rows, lines.length);
      const { rows: merged } = await client.query<{ inserted: number; updated: number }>(
        dryRun ? DRY_RUN_MERGE_USERS_SQL : MERGE_USERS_SQL,
      );
      const inserted = merged[0]?.inserted ?? 0;
      const updated = merged[0]?.updated ?? 0;
      // Subscriber figures are read from users: a change must move the data version.
      if (inserted + updated > 0 && !dryRun) await bumpDataVersion(client, jobId);
      const unchanged = rows.ok.count - duplicates.length - inserted - updated;
      return { inserted, updated, unchanged, rejected: duplicates };
    },
    async replay(client, keys) {
      await copyInto(client, STAGE, stageLines({ ok: new RowList(), rejectedKeys: keys }));
      await client.query(`INSERT INTO ${SEEN} (key, line) SELECT key, line FROM ${STAGE} ON CONFLICT (key) DO NOTHING`);
    },
    async cleanup(client) {
      await client.query(`DROP TABLE IF EXISTS pg_temp.${STAGE}, pg_temp.${SEEN}`);
      if (dryRun) await client.query(`DROP SEQUENCE IF EXISTS pg_temp.${DRY_RUN_SEQ}`);
    },
  };
}

export function ingestUsers(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  return ingestFile(ctx, file, usersTarget(ctx.dryRun !== undefined));
}
