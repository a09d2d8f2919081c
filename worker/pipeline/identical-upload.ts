// An upload whose files are byte-identical (kind, SHA-256, size) to those of an earlier
// completed job, when no other job has run since that job started, must end exactly as
// that job's files would now: every row it wrote or left unchanged is unchanged, and every
// rejection repeats (duplicates and broken fields belong to the bytes; unknown users to
// the users table, which nothing has written since). So the counts and rejected rows are
// carried over in one transaction instead of re-reading millions of rows. Analysts do
// resubmit the same export; the job says which job it matched, in a warning.
//
// "No other job has run since": every other job that ever started finished before the
// matched job started. A job running now, or one that overlapped the matched job, may have
// committed rows, so then the rows are read as usual. A job claimed after this check runs
// after this one in effect, as with any two jobs.
//
// Dry runs write nothing: one is never the matched job (its rows were not stored) and
// never counts as a job run since. A dry run may itself carry an outcome over: that
// writes only its own records.
import type pg from 'pg';
import { withTransaction } from '../../src/infra/pg-pool.js';
import { carryOverJob } from '../../src/jobs/store.js';

const MATCH_SQL = `
WITH mine AS (SELECT kind, sha256, size_bytes FROM job_files WHERE job_id = $1),
match AS (
  SELECT j.id, j.started_at
    FROM ingest_jobs j
   WHERE j.id <> $1 AND j.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS') AND NOT j.dry_run
     AND NOT EXISTS (SELECT kind, sha256, size_bytes FROM job_files WHERE job_id = j.id
                     EXCEPT SELECT kind, sha256, size_bytes FROM mine)
     AND NOT EXISTS (SELECT kind, sha256, size_bytes FROM mine
                     EXCEPT SELECT kind, sha256, size_bytes FROM job_files WHERE job_id = j.id)
   ORDER BY j.finished_at DESC
   LIMIT 1
)
SELECT m.id FROM match m
 WHERE NOT EXISTS (
   SELECT 1 FROM ingest_jobs k
    WHERE k.id NOT IN ($1, m.id) AND k.started_at IS NOT NULL AND NOT k.dry_run
      AND (k.finished_at IS NULL OR k.finished_at >= m.started_at))`;

/**
 * Carries the outcome of an identical earlier job over to `jobId` when that is exact;
 * returns the matched job's id, or null when the rows must be read.
 */
export async function carryOverIdenticalUpload(client: pg.ClientBase, jobId: string): Promise<string | null> {
  return withTransaction(client, async () => {
    const { rows } = await client.query<{ id: string }>(MATCH_SQL, [jobId]);
    const matched = rows[0]?.id ?? null;
    if (!matched) return null;
    // Once: only a run with no stage done gets here (run-job.ts) and this records both file
    // stages done; a dry run that starts over deletes its rejected rows first.
    await client.query(
      `INSERT INTO rejected_rows (job_id, file, line, "column", reason, raw)
       SELECT $1, file, line, "column", reason, raw FROM rejected_rows WHERE job_id = $2`,
      [jobId, matched],
    );
    await carryOverJob(client, jobId, matched);
    return matched;
  });
}
