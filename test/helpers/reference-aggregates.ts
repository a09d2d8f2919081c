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

// How many cells (date, region, company, model) each conversation touches, on any date (n),
// and how many (date, region, company) groups (groups): n = 1 is 'solo', n > 1 with one
// group 'models' (it spans models only), more groups 'wide'.
const CELLS_PER_CONVERSATION = `cells AS (
  SELECT conversation_id, count(DISTINCT (date, region, company, model)) AS n,
         count(DISTINCT (date, region, company)) AS groups
    FROM transactions GROUP BY 1)`;

// distinct_sets as (kind, grain, date, region, company, model, member) rows, at each grain
// the dimensions it has not got are ''. Conversations are numbered by conversation_seqs:
// seq at the grains without companies, company_seq at those with (any numbering is right
// as long as each spanning conversation has one per grain).
const GRAINS = [
  ['date_region_company_model', 'region', 'company', 'model'],
  ['date_region', 'region', `''`, `''`],
  ['date_region_model', 'region', `''`, 'model'],
  ['date_region_company', 'region', 'company', `''`],
  ['date_company_model', `''`, 'company', 'model'],
] as const;
const SET_MEMBERS = GRAINS.map(
  ([grain, region, company, model]) => `
  SELECT DISTINCT 'users', '${grain}', date, ${region}, ${company}, ${model}, user_seq FROM transactions
  UNION ALL
  SELECT DISTINCT CASE WHEN groups > 1 THEN 'conversations' ELSE 'model_conversations' END,
         '${grain}', date, ${region}, ${company}, ${model}, ${company === 'company' ? 's.company_seq' : 's.seq'}
    FROM transactions JOIN cells USING (conversation_id) JOIN conversation_seqs s USING (conversation_id)
   WHERE groups > 1 ${model === 'model' ? 'OR n > 1' : ''}`,
).join('\n  UNION ALL');

export const REFERENCE_TABLES: ReferenceTable[] = [
  {
    table: 'daily_metrics',
    columns: 'date, region, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users, solo_conversations',
    reference: `WITH ${CELLS_PER_CONVERSATION}
                SELECT date, region, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int,
                       count(DISTINCT conversation_id) FILTER (WHERE groups = 1)::int
                  FROM transactions JOIN cells USING (conversation_id) GROUP BY date, region`,
  },
  {
    table: 'daily_model_metrics',
    columns: `date, region, model, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users,
              solo_conversations, model_spanning_conversations`,
    reference: `WITH ${CELLS_PER_CONVERSATION}
                SELECT date, region, model, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int,
                       count(DISTINCT conversation_id) FILTER (WHERE n = 1)::int,
                       count(DISTINCT conversation_id) FILTER (WHERE n > 1 AND groups = 1)::int
                  FROM transactions JOIN cells USING (conversation_id) GROUP BY date, region, model`,
  },
  {
    table: 'daily_company_metrics',
    columns: 'date, region, company, cost, prompt_tokens, completion_tokens, transactions, conversations, active_users, solo_conversations',
    reference: `WITH ${CELLS_PER_CONVERSATION}
                SELECT date, region, company, ${SUMS}, count(DISTINCT conversation_id)::int, count(DISTINCT user_id)::int,
                       count(DISTINCT conversation_id) FILTER (WHERE groups = 1)::int
                  FROM transactions JOIN cells USING (conversation_id) GROUP BY date, region, company`,
  },
  {
    table: 'daily_cell_metrics',
    columns: 'date, region, company, model, cost, prompt_tokens, completion_tokens, transactions, solo_conversations, model_spanning_conversations',
    // A conversation is "solo" in a cell when every one of its rows, on any date, is in that cell.
    reference: `WITH ${CELLS_PER_CONVERSATION}
                SELECT date, region, company, model, ${SUMS},
                       count(DISTINCT conversation_id) FILTER (WHERE n = 1)::int,
                       count(DISTINCT conversation_id) FILTER (WHERE n > 1 AND groups = 1)::int
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
  {
    table: `(SELECT kind, grain, date, region, company, model, block * length(bits) + i AS member
               FROM distinct_sets, generate_series(0, length(bits) - 1) i WHERE get_bit(bits, i) = 1) AS distinct_sets`,
    columns: 'kind, grain, date, region, company, model, member',
    reference: `WITH ${CELLS_PER_CONVERSATION} ${SET_MEMBERS}`,
  },
];

/** Rows that differ between each maintained table and its reference, per table (empty = equal). */
export async function aggregateDifferences(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const differences: Record<string, unknown[]> = {};
  for (const { table, columns, reference } of REFERENCE_TABLES) {
    const name = table.split(' AS ').at(-1) as string;
    const { rows } = await pool.query(
      `WITH maintained AS (SELECT ${columns} FROM ${table}), expected AS (${reference})
       (SELECT 'unexpected' AS side, * FROM (SELECT * FROM maintained EXCEPT ALL SELECT * FROM expected) a)
       UNION ALL
       (SELECT 'missing' AS side, * FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM maintained) b)
       LIMIT 20`,
    );
    if (rows.length) differences[name] = rows;
  }
  return differences;
}
