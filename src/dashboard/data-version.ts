// data_version: one row whose version moves whenever the figures the dashboard and the
// budgets read may have changed (an aggregates refresh, a users merge). API caches key
// their results by it, so an entry can never be stale.
import type { Queryable } from './queries.js';

export interface DataVersion {
  version: string;
  asOf: Date | null;
  lastJobId: string | null;
}

export async function dataVersion(db: Queryable): Promise<DataVersion> {
  const { rows } = await db.query<{ version: string; as_of: Date; last_job_id: string | null }>(
    'SELECT version::text AS version, as_of, last_job_id::text AS last_job_id FROM data_version WHERE id = 1',
  );
  const row = rows[0];
  return row ? { version: row.version, asOf: row.as_of, lastJobId: row.last_job_id } : { version: '0', asOf: null, lastJobId: null };
}

const BUMP_SQL = `INSERT INTO data_version (id, version, as_of, last_job_id) VALUES (1, 1, now(), $1::uuid)
  ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1, as_of = now(), last_job_id = $1::uuid`;

/** Moves the version (in the caller's transaction, with the change it announces); `jobId` made the change. */
export async function bumpDataVersion(db: Queryable, jobId: string): Promise<void> {
  await db.query(BUMP_SQL, [jobId]);
}
