// AGGREGATES stage: recompute every aggregate and helper table for the dates a job
// touched (job_affected_dates), set-based, from the transactions table. Idempotent: a
// re-run computes the same rows. Refreshes are serialised by an advisory lock and each
// runs on one REPEATABLE READ snapshot, so concurrent jobs cannot interleave half states.
import type pg from 'pg';

const AGGREGATES_LOCK = 4_201_337; // pg_advisory_lock key shared by every worker

/** Statements in order; $1 = the affected dates (date[]). */
const REFRESH_SQL: string[] = [
  // One scan of the affected transactions at (cell, conversation, user) grain; every
  // table below is derived from this much smaller set.
  `CREATE TEMP TABLE refresh_rows ON COMMIT DROP AS
     SELECT date, region, company, model, conversation_id, user_seq,
            sum(cost) AS cost,
            sum(token_count) FILTER (WHERE token_type = 'prompt') AS prompt_tokens,
            sum(token_count) FILTER (WHERE token_type = 'completion') AS completion_tokens,
            count(*)::int AS transactions
       FROM transactions WHERE date = ANY($1::date[])
      GROUP BY 1, 2, 3, 4, 5, 6`,

  // Conversations whose cell set may change: those in the affected dates, before and after.
  `CREATE TEMP TABLE refresh_conversations ON COMMIT DROP AS
     SELECT conversation_id FROM conversation_cells WHERE date = ANY($1::date[])
      UNION SELECT conversation_id FROM refresh_rows`,
  `DELETE FROM conversation_cells WHERE date = ANY($1::date[])`,
  `INSERT INTO conversation_cells (conversation_id, date, region, company, model, spans_cells)
     SELECT DISTINCT conversation_id, date, region, company, model, false FROM refresh_rows`,
  `UPDATE conversation_cells c SET spans_cells = s.cells > 1
     FROM (SELECT conversation_id, count(*) AS cells FROM conversation_cells
            WHERE conversation_id IN (SELECT conversation_id FROM refresh_conversations)
            GROUP BY 1) s
    WHERE c.conversation_id = s.conversation_id AND c.spans_cells <> (s.cells > 1)`,

  `DELETE FROM user_cells WHERE date = ANY($1::date[])`,
  `INSERT INTO user_cells (date, region, company, model, user_seq)
     SELECT DISTINCT date, region, company, model, user_seq FROM refresh_rows`,

  `DELETE FROM daily_cell_metrics WHERE date = ANY($1::date[])`,
  `INSERT INTO daily_cell_metrics (date, region, company, model, cost, prompt_tokens,
                                   completion_tokens, transactions, solo_conversations)
     SELECT date, region, company, model, sum(cost), coalesce(sum(prompt_tokens), 0),
            coalesce(sum(completion_tokens), 0), sum(transactions), 0
       FROM refresh_rows GROUP BY 1, 2, 3, 4`,
  // Solo counts change wherever an affected conversation has a cell, on any date.
  `UPDATE daily_cell_metrics m SET solo_conversations = s.solo
     FROM (SELECT date, region, company, model, count(*) FILTER (WHERE NOT spans_cells)::int AS solo
             FROM conversation_cells
            WHERE date IN (SELECT DISTINCT date FROM conversation_cells
                            WHERE conversation_id IN (SELECT conversation_id FROM refresh_conversations))
            GROUP BY 1, 2, 3, 4) s
    WHERE (m.date, m.region, m.company, m.model) = (s.date, s.region, s.company, s.model)
      AND m.solo_conversations <> s.solo`,

  `DELETE FROM daily_metrics WHERE date = ANY($1::date[])`,
  `INSERT INTO daily_metrics (date, region, cost, prompt_tokens, completion_tokens, transactions,
                              conversations, active_users)
     SELECT date, region, sum(cost), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
            sum(transactions), count(DISTINCT conversation_id), count(DISTINCT user_seq)
       FROM refresh_rows GROUP BY 1, 2`,
  `DELETE FROM daily_model_metrics WHERE date = ANY($1::date[])`,
  `INSERT INTO daily_model_metrics (date, region, model, cost, prompt_tokens, completion_tokens,
                                    transactions, conversations, active_users)
     SELECT date, region, model, sum(cost), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
            sum(transactions), count(DISTINCT conversation_id), count(DISTINCT user_seq)
       FROM refresh_rows GROUP BY 1, 2, 3`,
  `DELETE FROM daily_company_metrics WHERE date = ANY($1::date[])`,
  `INSERT INTO daily_company_metrics (date, region, company, cost, prompt_tokens, completion_tokens,
                                      transactions, conversations, active_users)
     SELECT date, region, company, sum(cost), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
            sum(transactions), count(DISTINCT conversation_id), count(DISTINCT user_seq)
       FROM refresh_rows GROUP BY 1, 2, 3`,
];

const BUMP_VERSION_SQL = `INSERT INTO data_version (id, version, as_of, last_job_id) VALUES (1, 1, now(), $1::uuid)
  ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1, as_of = now(), last_job_id = $1::uuid`;

/** Recomputes the aggregates of every date in job_affected_dates for `jobId`. */
export async function refreshAggregates(pool: pg.Pool, jobId: string): Promise<{ dates: number }> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [AGGREGATES_LOCK]);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows } = await client.query<{ dates: string[] }>(
        `SELECT coalesce(array_agg(date::text ORDER BY date), '{}') AS dates
           FROM job_affected_dates WHERE job_id = $1`,
        [jobId],
      );
      const dates = rows[0]?.dates ?? [];
      if (dates.length) {
        for (const sql of REFRESH_SQL) await client.query(sql, sql.includes('$1') ? [dates] : []);
        await client.query(BUMP_VERSION_SQL, [jobId]);
      }
      await client.query('COMMIT');
      return { dates: dates.length };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
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
