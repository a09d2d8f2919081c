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
import { JobStage } from '../../src/generated/prisma/enums.js';

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

// Guarded by committed_records = 0: a re-run after this committed changes nothing.
const CARRY_OVER_SQL = [
  `UPDATE job_files f
      SET total_rows = s.total_rows, inserted_rows = 0, updated_rows = 0,
          unchanged_rows = s.inserted_rows + s.updated_rows + s.unchanged_rows,
          rejected_rows = s.rejected_rows, committed_records = s.committed_records
     FROM job_files s
    WHERE f.job_id = $1 AND s.job_id = $2 AND s.kind = f.kind AND f.committed_records = 0`,
  `INSERT INTO rejected_rows (job_id, file, line, "column", reason, raw)
   SELECT $1, file, line, "column", reason, raw FROM rejected_rows WHERE job_id = $2`,
  // The warning once: a dry run that carried over and is run again (it starts over) carries over again.
  `UPDATE ingest_jobs n
      SET rejected_count = s.rejected_count, updated_at = now(),
          warnings = CASE WHEN w.text = ANY (n.warnings) THEN n.warnings ELSE array_append(n.warnings, w.text) END,
          stage_timings = n.stage_timings || jsonb_build_object('${JobStage.USERS}', 0, '${JobStage.TRANSACTIONS}', 0)
     FROM ingest_jobs s, LATERAL (SELECT 'the files are identical to those of job ' || s.id ||
            ' and no job has run since it started: rows are counted as there (unchanged) without re-reading them' AS text) w
    WHERE n.id = $1 AND s.id = $2`,
];

/**
 * Carries the outcome of an identical earlier job over to `jobId` when that is exact;
 * returns the matched job's id, or null when the rows must be read.
 */
export async function carryOverIdenticalUpload(client: pg.ClientBase, jobId: string): Promise<string | null> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ id: string }>(MATCH_SQL, [jobId]);
    const matched = rows[0]?.id ?? null;
    if (matched) for (const sql of CARRY_OVER_SQL) await client.query(sql, [jobId, matched]);
    await client.query('COMMIT');
    return matched;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
