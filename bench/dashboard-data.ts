// The generated data set of the dashboard benchmarks (bench:dashboard, bench:scale), and
// the full dashboard query they send. Data is generated in SQL (generate_series; random()
// seeded, UUIDs random): 2k users (skewed activity), 12 models (skewed popularity), 5
// regions, 20 companies (+ users without one), conversations of 2–10 rows a few minutes
// apart (so some cross midnight) where each row has a 2% chance of another model (~10% of
// conversations touch two models), 30 days. Then the real refreshAggregates builds the
// aggregate tables.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pgConfig } from '../src/infra/migrations.js';
import { migrate } from '../src/migrate.js';
import { refreshAggregates } from '../worker/pipeline/aggregates.js';
import { ADMIN_URL } from './lib.js';

export const USERS = 2_000;
export const DAYS = 30;
export const FIRST_DAY = '2025-06-01';

const GENERATE_SQL = [
  `SELECT setseed(0.42)`,
  `INSERT INTO users (id, name, region, is_active_sub, department, company)
   SELECT gen_random_uuid(), 'user ' || i,
          (ARRAY['US','US','US','EU','EU','JP','BR','IN'])[1 + floor(random() * 8)::int],
          random() < 0.75, 'dept ' || (i % 7),
          CASE WHEN random() < 0.15 THEN NULL ELSE 'Company ' || lpad((1 + floor(random() * 20)::int)::text, 2, '0') END
     FROM generate_series(1, ${USERS}) i`,
  // Conversations: users with skewed activity (power law), models with skewed popularity.
  `CREATE TEMP TABLE bench_conversations AS
   SELECT c, gen_random_uuid() AS conversation_id,
          1 + floor(${USERS} * power(random(), 2))::int AS user_seq,
          1 + floor(12 * power(random(), 1.6))::int AS model_no,
          floor(random() * ${DAYS})::int AS day, floor(random() * 86400)::int AS start_second,
          2 + floor(random() * 9)::int AS rows
     FROM generate_series(1, $1::int) c`,
  `INSERT INTO transactions (row_id, user_id, user_seq, model, conversation_id, token_type, token_count,
                             rate_per_1k, cost, occurred_at, date, region, company, job_id, agg_batch)
   SELECT gen_random_uuid(), u.id, u.seq, r.model, c.conversation_id,
          (CASE WHEN k % 2 = 1 THEN 'prompt' ELSE 'completion' END)::"TokenType",
          r.tokens, r.rate, round(r.tokens * r.rate / 1000, 8),
          r.at, (r.at AT TIME ZONE 'UTC')::date, u.region, coalesce(u.company, ''), $1::uuid, $2::int
     FROM bench_conversations c
     JOIN users u ON u.seq = c.user_seq
     CROSS JOIN LATERAL generate_series(1, c.rows) k
     CROSS JOIN LATERAL (
       SELECT 'model-' || lpad((CASE WHEN random() < 0.02 THEN 1 + floor(random() * 12)::int ELSE c.model_no END)::text, 2, '0') AS model,
              (10 + floor(random() * 4000))::bigint AS tokens,
              (0.0005 * c.model_no)::numeric AS rate,
              timestamptz '${FIRST_DAY} 00:00:00+00' + make_interval(days => c.day)
                + make_interval(secs => c.start_second + k * (30 + floor(random() * 150))) AS at
     ) r
    WHERE (r.at AT TIME ZONE 'UTC')::date < date '${FIRST_DAY}' + ${DAYS}`,
];

export async function loadData(url: string, transactions: number): Promise<{ rows: number; conversations: number; loadSeconds: number; aggregateSeconds: number }> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 2 });
  try {
    const jobId = randomUUID();
    await pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED')`, [jobId]);
    // The rows as one job run leaves them: in an aggregate batch pending on every date.
    const { rows: created } = await pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [jobId]);
    const batch = created[0]!.id;
    const started = Date.now();
    const client = await pool.connect();
    try {
      // Average 6 rows per conversation (a few fall past the last day and are dropped).
      const conversations = Math.round(transactions / 6);
      for (const sql of GENERATE_SQL) {
        // $1, $2 are the job and its batch in the INSERT into transactions; $1 the conversation count elsewhere.
        const params: unknown[] = sql.includes('INSERT INTO transactions') ? [jobId, batch] : sql.includes('$1') ? [conversations] : [];
        await client.query(sql, params);
      }
    } finally {
      client.release();
    }
    await pool.query(`INSERT INTO aggregate_pending (batch, date) SELECT $1, d::date
                        FROM generate_series(date '${FIRST_DAY}', date '${FIRST_DAY}' + ${DAYS - 1}, '1 day') d`, [batch]);
    const loaded = Date.now();
    await refreshAggregates(pool, jobId);
    await pool.query('VACUUM ANALYZE');
    const { rows } = await pool.query<{ rows: number; conversations: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT conversation_id)::int AS conversations FROM transactions',
    );
    return {
      rows: rows[0]?.rows ?? 0,
      conversations: rows[0]?.conversations ?? 0,
      loadSeconds: (loaded - started) / 1000,
      aggregateSeconds: (Date.now() - loaded) / 1000,
    };
  } finally {
    await pool.end();
  }
}

/** Drops the database of `url` if it exists and creates it migrated; returns its name. */
export async function recreateDatabase(url: string): Promise<string> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await migrate(url);
  return database;
}

export async function freshData(url: string, size: number): ReturnType<typeof loadData> {
  const database = await recreateDatabase(url);
  console.log(`loading ${size} transactions into ${database}…`);
  return loadData(url, size);
}

export async function databaseExists(database: string): Promise<boolean> {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}

export async function existingData(url: string): ReturnType<typeof loadData> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 1 });
  try {
    const { rows } = await pool.query<{ rows: number; conversations: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT conversation_id)::int AS conversations FROM transactions',
    );
    return { rows: rows[0]?.rows ?? 0, conversations: rows[0]?.conversations ?? 0, loadSeconds: NaN, aggregateSeconds: NaN };
  } finally {
    await pool.end();
  }
}

export async function tableSizes(url: string): Promise<string> {
  const pool = new pg.Pool({ ...pgConfig(url), max: 1 });
  try {
    const { rows } = await pool.query<{ name: string; rows: string }>(
      `SELECT relname AS name, n_live_tup::text AS rows FROM pg_stat_user_tables
        WHERE relname IN ('daily_metrics','daily_model_metrics','daily_company_metrics','daily_cell_metrics',
                          'conversation_cells','user_cells','distinct_sets')
        ORDER BY relname`,
    );
    const spanning = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM conversation_cells WHERE spans_cells');
    return `${rows.map((row) => `${row.name} ${row.rows}`).join(', ')}; conversation_cells spanning ${spanning.rows[0]?.n}`;
  } finally {
    await pool.end();
  }
}

/** Every field of the dashboard, as a frontend asks for it. */
export const DASHBOARD_QUERY = `query Dashboard($filter: DashboardFilter) {
  dashboard(filter: $filter) {
    kpis { totalCost promptTokens completionTokens totalTokens conversations activeDays avgSpendPerDay
           avgTokensPerDay avgTokensPerConversation highestUsedModel leastUsedModel costliestModel
           modelEfficiency activeSubscriberUtilization }
    spendTrend(granularity: DAY) { bucketStart cost totalTokens conversations activeUsers }
    costByModel { model cost promptTokens completionTokens conversations efficiency }
    costByRegion { region cost conversations activeUsers }
    topCompanies(limit: 10) { company cost conversations activeUsers highestUsedModel }
    subscribers { region active inactive engaged }
    dateRange { min max } regions companies models meta { asOf lastJobId }
  }
}`;
