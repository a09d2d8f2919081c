// AGGREGATES stage: add the rows the pending batches wrote into every aggregate and helper
// table, and take out the versions they replaced (aggregate_retractions). The cost is
// proportional to the rows the jobs wrote, not to the rows already stored on their dates:
// sums move by deltas, the helper tables keep row counts per (conversation, cell) and
// (user, cell) so a cell is left exactly when its last row goes, and the distinct sets
// change only for the members whose cells changed.
//
// Each (batch, date) pair is pending until applied; pairs commit together under one
// REPEATABLE READ snapshot and an advisory lock, or, when that fails, are split in halves
// until the failing ones are isolated (they stay pending for the next refresh).
import type pg from 'pg';
import { bumpDataVersion } from '../../src/dashboard/data-version.js';
import { SET_GRAINS, bitOf, blockOf, setNumbering, type SetGrain, type SetKind } from '../../src/dashboard/distinct-sets.js';
import { ADVISORY_LOCKS, withTransaction } from '../../src/infra/pg-pool.js';
import { isConnectionError } from './failures.js';

/** pg_advisory_lock key: exclusive while a refresh applies batches, shared while a chunk retracts rows. */
export const AGGREGATES_LOCK = ADVISORY_LOCKS.aggregates;

/** Deltas below this many (cell, conversation, user) rows are applied by index probes only. */
const SMALL_DELTA_ROWS = 200_000;
const CELL = 'date, region, company, model';

/** A transactions row `t`'s tokens as (prompt_tokens, completion_tokens): what it adds to the aggregates. */
export const TOKEN_COLUMNS = `CASE WHEN t.token_type = 'prompt' THEN t.token_count ELSE 0 END AS prompt_tokens,
       CASE WHEN t.token_type = 'completion' THEN t.token_count ELSE 0 END AS completion_tokens`;

/**
 * The pairs as a relation: $1 batches, $2 dates (parallel arrays), those still pending, so
 * applying a list twice can never add its rows twice.
 */
const PAIRS = `(SELECT batch, date FROM unnest($1::int[], $2::date[]) AS l (batch, date)
                 JOIN aggregate_pending USING (batch, date)) AS p`;

// The pairs' rows (+) and the versions they replaced (−) at (cell, conversation, user)
// grain: every step below is derived from it.
const DELTA_SQL = `CREATE TEMP TABLE agg_delta ON COMMIT DROP AS
   SELECT ${CELL}, conversation_id, user_seq, sum(cost) AS cost, sum(prompt_tokens) AS prompt_tokens,
          sum(completion_tokens) AS completion_tokens, sum(n)::int AS transactions
     FROM (SELECT t.date, t.region, t.company, t.model, t.conversation_id, t.user_seq, t.cost,
                  ${TOKEN_COLUMNS}, 1 AS n
             FROM ${PAIRS} JOIN transactions t ON t.agg_batch = p.batch AND t.date = p.date
           UNION ALL
           SELECT r.date, r.region, r.company, r.model, r.conversation_id, r.user_seq, -r.cost, -r.prompt_tokens,
                  -r.completion_tokens, -1
             FROM ${PAIRS} JOIN aggregate_retractions r ON r.batch = p.batch AND r.date = p.date) x
    GROUP BY 1, 2, 3, 4, 5, 6`;

/**
 * A conversation's span, on each of its conversation_cells rows (window w: the
 * conversation): 'solo' (one cell), 'models' (several cells of one date, region and
 * company: they differ only in model) or 'wide'; first_model marks one row per conversation.
 */
const SPAN_COLUMNS = `CASE WHEN NOT c.spans_cells THEN 'solo'
            WHEN min(c.date) OVER w = max(c.date) OVER w AND min(c.region) OVER w = max(c.region) OVER w
                 AND min(c.company) OVER w = max(c.company) OVER w THEN 'models'
            ELSE 'wide' END AS span,
       c.model = min(c.model) OVER w AS first_model`;

/** Which span each kind of conversation set holds. */
const SPAN_OF = { conversations: 'wide', model_conversations: 'models' } as const;

/** Steps after the delta, in order, all on temp tables dropped at commit. */
const APPLY_STEPS: string[] = [
  // ---- conversations: row counts per (conversation, cell), then spans_cells of the touched ones
  `CREATE TEMP TABLE agg_conversations ON COMMIT DROP AS SELECT DISTINCT conversation_id FROM agg_delta`,
  `ANALYZE agg_conversations`,
  `CREATE TEMP TABLE agg_conversation_cells_before ON COMMIT DROP AS
   SELECT c.conversation_id, c.date, c.region, c.company, c.model, ${SPAN_COLUMNS}
     FROM agg_conversations a JOIN conversation_cells c USING (conversation_id)
   WINDOW w AS (PARTITION BY c.conversation_id)`,
  `INSERT INTO conversation_cells AS c (conversation_id, ${CELL}, spans_cells, transactions)
   SELECT conversation_id, ${CELL}, false, sum(transactions) FROM agg_delta GROUP BY 1, 2, 3, 4, 5
   HAVING sum(transactions) <> 0
   ON CONFLICT (conversation_id, ${CELL}) DO UPDATE SET transactions = c.transactions + excluded.transactions`,
  `DELETE FROM conversation_cells c USING agg_conversations a
    WHERE c.conversation_id = a.conversation_id AND c.transactions <= 0`,
  `UPDATE conversation_cells c SET spans_cells = s.cells > 1
     FROM (SELECT conversation_id, count(*) AS cells FROM agg_conversations JOIN conversation_cells USING (conversation_id)
            GROUP BY 1) s
    WHERE c.conversation_id = s.conversation_id AND c.spans_cells <> (s.cells > 1)`,
  `CREATE TEMP TABLE agg_conversation_cells_after ON COMMIT DROP AS
   SELECT c.conversation_id, c.date, c.region, c.company, c.model, ${SPAN_COLUMNS}
     FROM agg_conversations a JOIN conversation_cells c USING (conversation_id)
   WINDOW w AS (PARTITION BY c.conversation_id)`,
  // Spanning conversations get two dense numbers (their bits; src/dashboard/distinct-sets.ts):
  // seq in date order, so one date's members sit in few blocks, and company_seq in
  // (company, date, region) order, so a cell's members sit in a run. Numbers are taken
  // after the largest so far (one refresh at a time: the advisory lock).
  `INSERT INTO conversation_seqs (conversation_id, company_seq)
   SELECT conversation_id,
          (SELECT coalesce(max(company_seq), 0) FROM conversation_seqs)
            + row_number() OVER (ORDER BY company, date, region, conversation_id)
     FROM (SELECT a.conversation_id, min(a.date) AS date, min(a.company) AS company, min(a.region) AS region
             FROM agg_conversation_cells_after a
            WHERE a.span <> 'solo' AND NOT EXISTS (SELECT FROM conversation_seqs s WHERE s.conversation_id = a.conversation_id)
            GROUP BY 1) n
    ORDER BY date, conversation_id`,

  // ---- users: row counts per (user, cell); the cells a user entered or left
  `CREATE TEMP TABLE agg_user_moves ON COMMIT DROP AS
   SELECT d.date, d.region, d.company, d.model, d.user_seq, d.transactions, coalesce(u.transactions, 0) > 0 AS was_in,
          coalesce(u.transactions, 0) + d.transactions > 0 AS is_in
     FROM (SELECT ${CELL}, user_seq, sum(transactions)::int AS transactions FROM agg_delta GROUP BY 1, 2, 3, 4, 5
           HAVING sum(transactions) <> 0) d
     LEFT JOIN user_cells u USING (${CELL}, user_seq)`,
  `INSERT INTO user_cells AS u (${CELL}, user_seq, transactions)
   SELECT ${CELL}, user_seq, transactions FROM agg_user_moves
   ON CONFLICT (${CELL}, user_seq) DO UPDATE SET transactions = u.transactions + excluded.transactions`,
  `DELETE FROM user_cells u USING agg_user_moves m
    WHERE (u.date, u.region, u.company, u.model, u.user_seq) = (m.date, m.region, m.company, m.model, m.user_seq)
      AND NOT m.is_in`,

  // ---- cells: sums by delta; the conversation counts by the touched conversations' change
  // (the before rows count −1, the after rows +1): solo (one cell), model_spanning (each
  // cell of a 'models' conversation) and group_solo (one cell per 'models' conversation, so
  // the rollups without models count it once).
  `CREATE TEMP TABLE agg_cells ON COMMIT DROP AS
   SELECT ${CELL}, sum(cost) AS cost, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
          sum(transactions)::int AS transactions, sum(solo)::int AS solo, sum(model_spanning)::int AS model_spanning,
          sum(group_solo)::int AS group_solo
     FROM (SELECT ${CELL}, cost, prompt_tokens, completion_tokens, transactions, 0 AS solo, 0 AS model_spanning,
                  0 AS group_solo
             FROM agg_delta
           UNION ALL
           SELECT ${CELL}, 0, 0, 0, 0, sign * (span = 'solo')::int, sign * (span = 'models')::int,
                  sign * (span = 'models' AND first_model)::int
             FROM (SELECT *, -1 AS sign FROM agg_conversation_cells_before
                   UNION ALL
                   SELECT *, 1 FROM agg_conversation_cells_after) c
            WHERE span <> 'wide') x
    GROUP BY 1, 2, 3, 4`,
  `ANALYZE agg_cells`,
  ...(
    [
      ['daily_cell_metrics', CELL],
      ['daily_metrics', 'date, region'],
      ['daily_model_metrics', 'date, region, model'],
      ['daily_company_metrics', 'date, region, company'],
    ] as const
  ).flatMap(([table, key]) => {
    const rollup = table !== 'daily_cell_metrics';
    const hasModel = key.includes('model');
    // With models: solo and model-spanning apart; without: both solo, each conversation once.
    const counts = hasModel
      ? { columns: 'solo_conversations, model_spanning_conversations', values: 'sum(solo), sum(model_spanning)' }
      : { columns: 'solo_conversations', values: 'sum(solo + group_solo)' };
    return [
      // New rollup rows get their distinct counts at the end (from the sets).
      `INSERT INTO ${table} AS m (${key}, cost, prompt_tokens, completion_tokens, transactions, ${counts.columns}
                                 ${rollup ? ', conversations, active_users' : ''})
       SELECT ${key}, sum(cost), sum(prompt_tokens), sum(completion_tokens), sum(transactions), ${counts.values}
              ${rollup ? ', 0, 0' : ''} FROM agg_cells
        GROUP BY ${key}
       ON CONFLICT (${key}) DO UPDATE SET cost = m.cost + excluded.cost, prompt_tokens = m.prompt_tokens + excluded.prompt_tokens,
          completion_tokens = m.completion_tokens + excluded.completion_tokens,
          transactions = m.transactions + excluded.transactions,
          solo_conversations = m.solo_conversations + excluded.solo_conversations
          ${hasModel ? ', model_spanning_conversations = m.model_spanning_conversations + excluded.model_spanning_conversations' : ''}`,
      `DELETE FROM ${table} m USING (SELECT DISTINCT ${key} FROM agg_cells) c
        WHERE (${columnsOf('m', key)}) = (${columnsOf('c', key)}) AND m.transactions <= 0`,
    ];
  }),

  // ---- distinct sets: a conversation leaves the sets of its cells before and joins those
  // of its cells after (those of its span: 'wide' in conversations, 'models' in
  // model_conversations at the grains with models); a user leaves a set when no cell of
  // it still holds the user.
  ...SET_GRAINS.flatMap((grain) => [
    ...(grain.model === 'model' ? (['conversations', 'model_conversations'] as const) : (['conversations'] as const)).map(
      (kind) =>
        setChange(kind, grain, `
      SELECT date, ${grain.region} AS region, ${grain.company} AS company, ${grain.model} AS model,
             s.${setNumbering(kind, grain).column} AS member, bool_or(after) AS present
        FROM (SELECT conversation_id, ${CELL}, false AS after FROM agg_conversation_cells_before WHERE span = '${SPAN_OF[kind]}'
              UNION ALL
              SELECT conversation_id, ${CELL}, true FROM agg_conversation_cells_after WHERE span = '${SPAN_OF[kind]}') x
        JOIN conversation_seqs s USING (conversation_id)
       GROUP BY 1, 2, 3, 4, 5`),
    ),
    setChange('users', grain, `
      SELECT m.*, EXISTS (SELECT FROM user_cells u WHERE u.user_seq = m.member AND u.date = m.date
                            ${grain.region === 'region' ? 'AND u.region = m.region' : ''}
                            ${grain.company === 'company' ? 'AND u.company = m.company' : ''}
                            ${grain.model === 'model' ? 'AND u.model = m.model' : ''}) AS present
        FROM (SELECT DISTINCT date, ${grain.region} AS region, ${grain.company} AS company, ${grain.model} AS model,
                     user_seq AS member
                FROM agg_user_moves WHERE was_in <> is_in) m`),
  ]),
  // Sets left empty (per kind and grain: the primary key's prefix, then the touched dates).
  ...(['conversations', 'model_conversations', 'users'] as const).flatMap((kind) =>
    SET_GRAINS.map(
      (grain) => `DELETE FROM distinct_sets WHERE kind = '${kind}' AND grain = '${grain.name}'
                   AND date = ANY(ARRAY(SELECT DISTINCT date FROM agg_cells)) AND bit_count(bits) = 0`,
    ),
  ),

  // ---- per-day rollups' distinct counts, from the sets just updated
  ...SET_GRAINS.filter((grain) => grain.table !== 'daily_cell_metrics').map(
    (grain) => `
    UPDATE ${grain.table} m SET conversations = m.solo_conversations + coalesce(c.n, 0), active_users = coalesce(u.n, 0)
      FROM (SELECT DISTINCT date, region, ${grain.company} AS company, ${grain.model} AS model FROM agg_cells) k
      LEFT JOIN LATERAL (SELECT sum(bit_count(bits))::int AS n FROM distinct_sets s
                          WHERE s.kind IN ('conversations', 'model_conversations') AND s.grain = '${grain.name}' AND s.date = k.date AND s.region = k.region
                            AND s.company = k.company AND s.model = k.model) c ON true
      LEFT JOIN LATERAL (SELECT sum(bit_count(bits))::int AS n FROM distinct_sets s
                          WHERE s.kind = 'users' AND s.grain = '${grain.name}' AND s.date = k.date AND s.region = k.region
                            AND s.company = k.company AND s.model = k.model) u ON true
     WHERE m.date = k.date AND m.region = k.region
       ${grain.company === 'company' ? 'AND m.company = k.company' : ''} ${grain.model === 'model' ? 'AND m.model = k.model' : ''}`,
  ),
];

function columnsOf(alias: string, key: string): string {
  return key
    .split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

/**
 * Applies membership changes to one kind and grain of distinct_sets. `changes` yields
 * (date, region, company, model, member, present) at that grain: present members are
 * set, the others cleared.
 */
function setChange(kind: SetKind, grain: SetGrain, changes: string): string {
  const key = '(s.date, s.region, s.company, s.model, s.block) = (c.date, c.region, c.company, c.model, c.block)';
  const { blockBits } = setNumbering(kind, grain);
  const noBits = `B'0'::bit(${blockBits})`;
  return `
  WITH c AS (
    SELECT date, region, company, model, ${blockOf('member', blockBits)} AS block,
           coalesce(bit_or(${bitOf('member', blockBits)}) FILTER (WHERE present), ${noBits}) AS added,
           coalesce(bit_or(${bitOf('member', blockBits)}) FILTER (WHERE NOT present), ${noBits}) AS removed
      FROM (${changes}) x GROUP BY 1, 2, 3, 4, 5),
  updated AS (
    UPDATE distinct_sets s SET bits = (s.bits & ~c.removed) | c.added FROM c
     WHERE s.kind = '${kind}' AND s.grain = '${grain.name}' AND ${key}
    RETURNING s.date, s.region, s.company, s.model, s.block)
  INSERT INTO distinct_sets (kind, grain, date, region, company, model, block, bits)
  SELECT '${kind}', '${grain.name}', c.date, c.region, c.company, c.model, c.block, c.added FROM c
   WHERE bit_count(c.added) > 0 AND NOT EXISTS (SELECT FROM updated s WHERE ${key})`;
}

// The pairs to apply: this job's, and those of jobs not running now (a failed or
// cancelled run, a refresh that failed or was interrupted). A running job's batch may
// still be growing: that job applies it itself.
const PENDING_SQL = `
SELECT p.batch, p.date::text AS date, b.job_id = $1 AS own
  FROM aggregate_pending p JOIN aggregate_batches b ON b.id = p.batch
 WHERE b.job_id = $1 OR NOT EXISTS (SELECT FROM ingest_jobs j WHERE j.id = b.job_id AND j.status = 'RUNNING')
 ORDER BY p.batch, p.date`;

/** Called with the share (0–1) of a refresh's steps done; progress only, never awaited. */
export type RefreshProgress = (done: number) => void;

interface Pair {
  batch: number;
  date: string;
  own: boolean;
}

export interface RefreshResult {
  /** Number of dates brought up to date. */
  dates: number;
  /** Dates whose refresh failed: they stay pending. */
  failed: string[];
  /** The job's own dates among `failed`: its rows are stored, their aggregates lag. */
  ownFailed: string[];
  /** The first error met (for the log), when `failed` is not empty. */
  error?: unknown;
}

/**
 * Applies every pending (batch, date) pair of `jobId`, and those left pending by jobs not
 * running now. A refresh that fails is split in halves until the failing pairs are
 * isolated: one date that cannot be refreshed (a constraint, a value no validation caught)
 * leaves the others current and makes no later job fail; it stays pending, and the job
 * whose date it is says so. A lost connection is thrown (the job's retry applies again).
 */
export async function refreshAggregates(pool: pg.Pool, jobId: string, onProgress?: RefreshProgress): Promise<RefreshResult> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [AGGREGATES_LOCK]);
    try {
      const { rows: pairs } = await client.query<Pair>(PENDING_SQL, [jobId]);
      const failures: Failure = { pairs: [] };
      await applyIsolating(client, jobId, pairs, failures, onProgress);
      const failed = [...new Set(failures.pairs.map((pair) => pair.date))].sort();
      return {
        dates: new Set(pairs.map((pair) => pair.date)).size - failed.length,
        failed,
        ownFailed: [...new Set(failures.pairs.filter((pair) => pair.own).map((pair) => pair.date))].sort(),
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
  pairs: Pair[];
  error?: unknown;
}

/** Applies `pairs` in one transaction, or, if that fails, each half the same way. */
async function applyIsolating(
  client: pg.PoolClient,
  jobId: string,
  pairs: Pair[],
  failures: Failure,
  onProgress?: RefreshProgress,
): Promise<void> {
  if (!pairs.length) return;
  try {
    await applyOnce(client, jobId, pairs, onProgress);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    if (pairs.length === 1) {
      failures.pairs.push(pairs[0]!);
      failures.error ??= error;
      return;
    }
    const half = Math.ceil(pairs.length / 2);
    await applyIsolating(client, jobId, pairs.slice(0, half), failures, onProgress);
    await applyIsolating(client, jobId, pairs.slice(half), failures, onProgress);
  }
}

/** One REPEATABLE READ snapshot: apply, clear the pairs (and their retractions), bump the data version. */
async function applyOnce(client: pg.PoolClient, jobId: string, pairs: Pair[], onProgress?: RefreshProgress): Promise<void> {
  const params = [pairs.map((pair) => pair.batch), pairs.map((pair) => pair.date)];
  let deltaRows = 0;
  await withTransaction(
    client,
    async () => {
      // The hash tables and sorts below stay in memory. One refresh runs at a time (lock).
      await client.query(`SET LOCAL work_mem = '256MB'`);
      deltaRows = (await client.query(DELTA_SQL, params)).rowCount ?? 0;
      // Statistics, so joins with the large tables probe their indexes for a small delta.
      await client.query('ANALYZE agg_delta');
      // A delta small next to the tables (any daily upload): probe their indexes, never scan
      // them. The planner prefers hash or merge joins over the whole helper tables for a few
      // thousand touched conversations (148 ms against a few at 1M rows); a first load keeps them.
      if (deltaRows < SMALL_DELTA_ROWS) await client.query('SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
      for (const [step, sql] of APPLY_STEPS.entries()) {
        await client.query(sql, sql.includes('$1') ? params : []);
        onProgress?.((step + 1) / APPLY_STEPS.length);
      }
      await client.query(`DELETE FROM aggregate_retractions r USING ${PAIRS} WHERE r.batch = p.batch AND r.date = p.date`, params);
      await client.query(`DELETE FROM aggregate_pending a USING ${PAIRS} WHERE a.batch = p.batch AND a.date = p.date`, params);
      await bumpDataVersion(client, jobId);
    },
    { mode: 'ISOLATION LEVEL REPEATABLE READ' },
  );
  // A large delta (a first load) grew the tables far past the planner's statistics, which
  // the next refreshes' plans rely on; autovacuum would catch up only later. Best effort.
  if (deltaRows >= SMALL_DELTA_ROWS) {
    await client
      .query('ANALYZE conversation_cells, user_cells, daily_cell_metrics, distinct_sets, conversation_seqs')
      .catch(() => undefined);
  }
}
