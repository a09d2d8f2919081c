// AGGREGATES stage: recompute every aggregate and helper table for the dates a job
// touched (job_affected_dates), set-based, from the transactions table. Idempotent: a
// re-run computes the same rows. Refreshes are serialised by an advisory lock and each
// runs on one REPEATABLE READ snapshot, so concurrent jobs cannot interleave half states.
import type pg from 'pg';
import { isConnectionError } from './failures.js';

const AGGREGATES_LOCK = 4_201_337; // pg_advisory_lock key shared by every worker

interface Step {
  sql: string;
  /** Runs only when the step of this name affected rows (the rest is a no-op otherwise). */
  after?: string;
  /** Name under which later steps can test this step's row count. */
  name?: string;
}

/** Steps in order; $1 = the affected dates (date[]). */
const REFRESH_STEPS: Step[] = [
  // The hash tables and sorts below stay in memory (with the 4 MB default the scan sorts
  // on disk: +1.1 s at 1M rows). One refresh runs at a time (advisory lock).
  { sql: `SET LOCAL work_mem = '256MB'` },

  // One scan of the affected transactions at (cell, conversation, user) grain; every
  // table below is derived from this much smaller set. Grouped one date at a time: a
  // hash table per date stays in CPU cache (~20% less CPU than one table for 30 dates).
  {
    sql: `CREATE TEMP TABLE refresh_rows ON COMMIT DROP AS
     SELECT r.* FROM unnest($1::date[]) AS d (date), LATERAL (
       SELECT date, region, company, model, conversation_id, user_seq,
              sum(cost) AS cost,
              sum(token_count) FILTER (WHERE token_type = 'prompt') AS prompt_tokens,
              sum(token_count) FILTER (WHERE token_type = 'completion') AS completion_tokens,
              count(*)::int AS transactions
         FROM transactions t WHERE t.date = d.date
        GROUP BY 1, 2, 3, 4, 5, 6) r`,
  },

  // Conversations on the affected dates that also have cells on other dates: only their
  // spans_cells depends on rows outside the dates. From the new rows and the old ones
  // (only spanning old rows can have cells elsewhere). Empty on a first load of the dates:
  // the spans fix-up below is then skipped. A join, not IN: the planner would guess 200
  // distinct ids in the temp table and probe the index once per conversation.
  {
    name: 'otherDates',
    sql: `CREATE TEMP TABLE refresh_other_dates ON COMMIT DROP AS
     SELECT DISTINCT o.conversation_id
       FROM conversation_cells o
       JOIN (SELECT conversation_id FROM refresh_rows
             UNION ALL
             SELECT conversation_id FROM conversation_cells WHERE date = ANY($1::date[]) AND spans_cells) a
            USING (conversation_id)
      WHERE o.date <> ALL($1::date[])`,
  },
  { sql: `DELETE FROM conversation_cells WHERE date = ANY($1::date[])` },
  // spans_cells from the cells on the affected dates; right unless the conversation has
  // cells on other dates too (fixed below). DISTINCT ON sorts by the primary key, so the
  // window needs no second sort and the index inserts arrive in order.
  {
    sql: `INSERT INTO conversation_cells (conversation_id, date, region, company, model, spans_cells)
     SELECT conversation_id, date, region, company, model, count(*) OVER (PARTITION BY conversation_id) > 1
       FROM (SELECT DISTINCT ON (conversation_id, date, region, company, model) conversation_id, date, region, company, model
               FROM refresh_rows ORDER BY conversation_id, date, region, company, model) n`,
  },
  { sql: `CREATE TEMP TABLE refresh_flipped_cells (date date, region text, company text, model text) ON COMMIT DROP` },
  // Conversations on several dates: spans_cells from all their cells, on every date. The
  // cells on other dates that changed need a new solo count.
  {
    after: 'otherDates',
    name: 'flipped',
    sql: `WITH flipped AS (
       UPDATE conversation_cells c SET spans_cells = s.cells > 1
         FROM (SELECT conversation_id, count(*) AS cells FROM conversation_cells
                WHERE conversation_id IN (SELECT conversation_id FROM refresh_other_dates)
                GROUP BY 1) s
        WHERE c.conversation_id = s.conversation_id AND c.spans_cells <> (s.cells > 1)
        RETURNING c.date, c.region, c.company, c.model)
     INSERT INTO refresh_flipped_cells
     SELECT DISTINCT date, region, company, model FROM flipped WHERE date <> ALL($1::date[])`,
  },

  { sql: `DELETE FROM user_cells WHERE date = ANY($1::date[])` },
  {
    sql: `INSERT INTO user_cells (date, region, company, model, user_seq)
     SELECT DISTINCT date, region, company, model, user_seq FROM refresh_rows`,
  },

  { sql: `DELETE FROM daily_cell_metrics WHERE date = ANY($1::date[])` },
  {
    // One grouping over both inputs rather than a join of two groupings: a join on four
    // key columns is estimated at ~1 row, which can turn into a nested loop.
    sql: `INSERT INTO daily_cell_metrics (date, region, company, model, cost, prompt_tokens,
                                   completion_tokens, transactions, solo_conversations)
     SELECT date, region, company, model, sum(cost), coalesce(sum(prompt_tokens), 0),
            coalesce(sum(completion_tokens), 0), sum(transactions), count(*) FILTER (WHERE solo)
       FROM (SELECT date, region, company, model, cost, prompt_tokens, completion_tokens, transactions,
                    NULL::boolean AS solo
               FROM refresh_rows
             UNION ALL
             SELECT date, region, company, model, NULL, NULL, NULL, NULL, NOT spans_cells
               FROM conversation_cells WHERE date = ANY($1::date[])) x
      GROUP BY 1, 2, 3, 4`,
  },
  // Cells on other dates whose conversations changed spans_cells: count them again.
  {
    after: 'flipped',
    sql: `UPDATE daily_cell_metrics m SET solo_conversations = s.solo
     FROM (SELECT date, region, company, model, count(*) FILTER (WHERE NOT spans_cells)::int AS solo
             FROM conversation_cells
            WHERE date IN (SELECT date FROM refresh_flipped_cells)
              AND (date, region, company, model) IN (SELECT * FROM refresh_flipped_cells)
            GROUP BY 1, 2, 3, 4) s
    WHERE (m.date, m.region, m.company, m.model) = (s.date, s.region, s.company, s.model)
      AND m.solo_conversations <> s.solo`,
  },

  // Per (date, region[, model | company]), from the small tables just written: sums of the
  // cells; exact distinct conversations = the cells' solo ones + the spanning ones counted
  // once (the dashboard's decomposition); distinct users from user_cells. 2-3x cheaper
  // than count(DISTINCT) over refresh_rows; one grouping of a UNION ALL, not joins (see above).
  ...(
    [
      ['daily_metrics', 'date, region'],
      ['daily_model_metrics', 'date, region, model'],
      ['daily_company_metrics', 'date, region, company'],
    ] as const
  ).flatMap(([table, key]) => [
    { sql: `DELETE FROM ${table} WHERE date = ANY($1::date[])` },
    {
      sql: `INSERT INTO ${table} (${key}, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users)
     SELECT ${key}, sum(cost), sum(prompt_tokens), sum(completion_tokens), sum(transactions),
            sum(solo_conversations) + count(conversation_id), count(user_seq)
       FROM (SELECT ${key}, cost, prompt_tokens, completion_tokens, transactions, solo_conversations,
                    NULL::uuid AS conversation_id, NULL::int AS user_seq
               FROM daily_cell_metrics WHERE date = ANY($1::date[])
             UNION ALL
             SELECT ${key}, NULL, NULL, NULL, NULL, NULL, conversation_id, NULL
               FROM (SELECT DISTINCT ${key}, conversation_id FROM conversation_cells
                      WHERE spans_cells AND date = ANY($1::date[])) s
             UNION ALL
             SELECT ${key}, NULL, NULL, NULL, NULL, NULL, NULL, user_seq
               FROM (SELECT DISTINCT ${key}, user_seq FROM user_cells WHERE date = ANY($1::date[])) u) x
      GROUP BY ${key}`,
    },
  ]),
];

const BUMP_VERSION_SQL = `INSERT INTO data_version (id, version, as_of, last_job_id) VALUES (1, 1, now(), $1::uuid)
  ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1, as_of = now(), last_job_id = $1::uuid`;

/** Called with the share (0–1) of a refresh's steps done; progress only, never awaited. */
export type RefreshProgress = (done: number) => void;

async function runSteps(client: pg.PoolClient, dates: string[], onProgress?: RefreshProgress): Promise<void> {
  const affected = new Map<string, number>();
  let done = 0;
  for (const { sql, after, name } of REFRESH_STEPS) {
    done += 1;
    if (after !== undefined && !affected.get(after)) continue;
    const result = await client.query(sql, sql.includes('$1') ? [dates] : []);
    if (name !== undefined) affected.set(name, result.rowCount ?? 0);
    onProgress?.(done / REFRESH_STEPS.length);
  }
}

// Committed on its own before the refresh: if the refresh fails, or the process dies in
// it, the dates stay pending for the next refresh, whichever job runs it.
const REGISTER_SQL = `INSERT INTO aggregate_pending_dates (date)
  SELECT date FROM job_affected_dates WHERE job_id = $1 ON CONFLICT DO NOTHING`;

// The job's dates and every date still pending (a failed or interrupted refresh of any job).
const DATES_SQL = `
SELECT coalesce(array_agg(date::text ORDER BY date), '{}') AS dates
  FROM (SELECT date FROM job_affected_dates WHERE job_id = $1 UNION SELECT date FROM aggregate_pending_dates) d`;

export interface RefreshResult {
  /** Number of dates recomputed. */
  dates: number;
  /** Dates whose refresh failed: they stay pending. */
  failed: string[];
  /** The job's own dates among `failed`: its rows are stored, their aggregates lag. */
  ownFailed: string[];
  /** The first error met (for the log), when `failed` is not empty. */
  error?: unknown;
}

/**
 * Recomputes the aggregates of every date in job_affected_dates for `jobId`, and of every
 * date left pending by an earlier refresh that failed. A refresh that fails is split in
 * halves until the failing dates are isolated: one date that cannot be refreshed (a
 * constraint, a value no validation caught) leaves the others current and makes no later
 * job fail; it stays pending, and the job whose date it is says so. A lost connection is
 * thrown (the job's retry refreshes everything again).
 */
export async function refreshAggregates(pool: pg.Pool, jobId: string, onProgress?: RefreshProgress): Promise<RefreshResult> {
  await pool.query(REGISTER_SQL, [jobId]);
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [AGGREGATES_LOCK]);
    try {
      const { rows } = await client.query<{ dates: string[] }>(DATES_SQL, [jobId]);
      const dates = rows[0]?.dates ?? [];
      const { rows: own } = await client.query<{ date: string }>(
        'SELECT date::text FROM job_affected_dates WHERE job_id = $1',
        [jobId],
      );
      const failures: Failure = { dates: [] };
      await refreshIsolating(client, jobId, dates, failures, onProgress);
      const ownDates = new Set(own.map((row) => row.date));
      return {
        dates: dates.length - failures.dates.length,
        failed: failures.dates,
        ownFailed: failures.dates.filter((date) => ownDates.has(date)),
        error: failures.error,
      };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [AGGREGATES_LOCK]).catch(() => undefined);
    }
  } catch (error) {
    // A broken connection must not go back to the pool.
    client.release(error instanceof Error ? error : undefined);
    released = true;
    throw error;
  } finally {
    if (!released) client.release();
  }
}

interface Failure {
  dates: string[];
  error?: unknown;
}

/** Refreshes `dates` in one transaction, or, if that fails, each half the same way. */
async function refreshIsolating(
  client: pg.PoolClient,
  jobId: string,
  dates: string[],
  failures: Failure,
  onProgress?: RefreshProgress,
): Promise<void> {
  if (!dates.length) return;
  try {
    await refreshOnce(client, jobId, dates, onProgress);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    if (dates.length === 1) {
      failures.dates.push(dates[0]!);
      failures.error ??= error;
      return;
    }
    const half = Math.ceil(dates.length / 2);
    // Progress is told of the first, whole-set attempt only: halves would run it backwards.
    await refreshIsolating(client, jobId, dates.slice(0, half), failures);
    await refreshIsolating(client, jobId, dates.slice(half), failures);
  }
}

/** One REPEATABLE READ snapshot: recompute, clear the dates' pending marks, bump the data version. */
async function refreshOnce(client: pg.PoolClient, jobId: string, dates: string[], onProgress?: RefreshProgress): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await runSteps(client, dates, onProgress);
    await client.query('DELETE FROM aggregate_pending_dates WHERE date = ANY($1::date[])', [dates]);
    await client.query(BUMP_VERSION_SQL, [jobId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
