// USERS stage: upsert users by User_ID. Only new or changed users are written, so a
// re-upload of identical users counts them unchanged and touches no row.
import type pg from 'pg';
import { usersFormat, type UserColumn } from '../../src/ingest/rows.js';
import { ingestFile, STAGING_TABLE, type FileTarget, type JobFileRow, type StageContext, type StageOutcome } from './file-stage.js';

const MERGE_USERS_SQL = `
WITH candidates AS MATERIALIZED (
  SELECT s.key AS id, s.name, s.region, s.is_active_sub, s.department, s.company, s.signup_at,
         u.id IS NULL AS is_new
    FROM ${STAGING_TABLE} s LEFT JOIN users u ON u.id = s.key
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
  INSERT INTO users (id, name, region, is_active_sub, department, company, signup_at, updated_at)
  SELECT id, name, region, is_active_sub, department, company, signup_at, now() FROM candidates WHERE is_new
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM updated)::int AS updated`;

// Subscriber figures are read from users: a change must move the dashboard's data version.
const BUMP_VERSION_SQL = `INSERT INTO data_version (id, version, as_of, last_job_id) VALUES (1, 1, now(), $1::uuid)
  ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1, as_of = now(), last_job_id = $1::uuid`;

export const usersTarget: FileTarget<UserColumn> = {
  format: usersFormat,
  stagingColumns:
    'name text, region text, is_active_sub boolean, department text, company text, signup_at timestamptz(3)',
  async merge(client: pg.ClientBase, jobId: string) {
    const { rows } = await client.query<{ inserted: number; updated: number }>(MERGE_USERS_SQL);
    const inserted = rows[0]?.inserted ?? 0;
    const updated = rows[0]?.updated ?? 0;
    if (inserted + updated > 0) await client.query(BUMP_VERSION_SQL, [jobId]);
    return { inserted, updated, rejected: [] };
  },
};

export function ingestUsers(ctx: StageContext, file: JobFileRow): Promise<StageOutcome> {
  return ingestFile(ctx, file, usersTarget);
}
