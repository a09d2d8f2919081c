// Independent recomputation of every aggregate and helper table straight from the
// transactions table (full scan, no incremental logic), and a comparison with what the
// pipeline maintained. Each query states the definition directly, so a bug in the
// incremental refresh shows up as a difference.
import type pg from 'pg';

interface ReferenceTable {
  table: string;
  columns: string;
  reference: string;
}

const SUMS = `sum(cost) AS cost,
  coalesce(sum(token_count) FILTER (WHERE token_type = 'prompt'), 0) AS prompt_tokens,
  coalesce(sum(token_count) FILTER (WHERE token_type = 'completion'), 0) AS completion_tokens,
  count(*)::int AS transactions`;

export const REFERENCE_TABLES: ReferenceTable[] = [
  {
    table: 'daily_metrics',
    columns: 'date, region, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users',
    reference: `SELECT date, region, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int
                  FROM transactions GROUP BY date, region`,
  },
  {
    table: 'daily_model_metrics',
    columns: 'date, region, model, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users',
    reference: `SELECT date, region, model, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int
                  FROM transactions GROUP BY date, region, model`,
  },
  {
    table: 'daily_company_metrics',
    columns: 'date, region, company, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users',
    reference: `SELECT date, region, company, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int
                  FROM transactions GROUP BY date, region, company`,
  },
  {
    table: 'daily_cell_metrics',
    columns: 'date, region, company, model, cost, prompt_tokens, completion_tokens, transactions, solo_conversations',
    // A conversation is "solo" in a cell when every one of its rows, on any date, is in that cell.
    reference: `WITH cells AS (
                  SELECT conversation_id, count(DISTINCT (date, region, company, model)) AS n FROM transactions GROUP BY 1)
                SELECT date, region, company, model, ${SUMS},
                       count(DISTINCT conversation_id) FILTER (WHERE n = 1)::int
                  FROM transactions JOIN cells USING (conversation_id)
                 GROUP BY date, region, company, model`,
  },
  {
    table: 'conversation_cells',
    columns: 'conversation_id, date, region, company, model, spans_cells',
    reference: `SELECT DISTINCT conversation_id, date, region, company, model,
                       count(*) OVER (PARTITION BY conversation_id) > 1
                  FROM (SELECT DISTINCT conversation_id, date, region, company, model FROM transactions) d`,
  },
  {
    table: 'user_cells',
    columns: 'date, region, company, model, user_seq',
    reference: 'SELECT DISTINCT date, region, company, model, user_seq FROM transactions',
  },
];

/** Rows that differ between each maintained table and its reference, per table (empty = equal). */
export async function aggregateDifferences(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const differences: Record<string, unknown[]> = {};
  for (const { table, columns, reference } of REFERENCE_TABLES) {
    const { rows } = await pool.query(
      `WITH maintained AS (SELECT ${columns} FROM ${table}), expected AS (${reference})
       (SELECT 'unexpected' AS side, * FROM (SELECT * FROM maintained EXCEPT ALL SELECT * FROM expected) a)
       UNION ALL
       (SELECT 'missing' AS side, * FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM maintained) b)
       LIMIT 20`,
    );
    if (rows.length) differences[table] = rows;
  }
  return differences;
}
