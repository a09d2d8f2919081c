// The dashboard computed independently, as plain SQL straight over transactions and
// users (SPEC §4 stated directly: no aggregate tables, no solo/spanning decomposition),
// shaped like the GraphQL `dashboard` result.
import type pg from 'pg';
import { referencePreviousFilter, referenceSpendAnomalies } from './insights-reference.js';

export interface FilterInput {
  from?: string | null;
  to?: string | null;
  regions?: string[] | null;
  companies?: string[] | null;
  models?: string[] | null;
}

export type Granularity = 'DAY' | 'WEEK' | 'MONTH';

const listOrNull = (values: string[] | null | undefined) => (values && values.length ? values : null);

// $1 from, $2 to, $3 regions, $4 companies, $5 models; a null parameter does not narrow.
const MATCHING = `(SELECT t.* FROM transactions t
   WHERE ($1::date IS NULL OR t.date >= $1::date) AND ($2::date IS NULL OR t.date <= $2::date)
     AND ($3::text[] IS NULL OR t.region = ANY($3::text[]))
     AND ($4::text[] IS NULL OR nullif(t.company, '') = ANY($4::text[]))
     AND ($5::text[] IS NULL OR t.model = ANY($5::text[])))`;

const USERS_MATCHING = `(SELECT u.* FROM users u
   WHERE ($3::text[] IS NULL OR u.region = ANY($3::text[]))
     AND ($4::text[] IS NULL OR u.company = ANY($4::text[])))`;

export async function referenceDashboard(
  pool: pg.Pool,
  filter: FilterInput,
  granularity: Granularity,
  limit: number,
  insights = true,
): Promise<Record<string, unknown>> {
  const params = [
    filter.from ?? null,
    filter.to ?? null,
    listOrNull(filter.regions),
    listOrNull(filter.companies),
    listOrNull(filter.models),
  ];
  // The unused CTE types every parameter, whether or not the statement reads it.
  const q = async <T extends pg.QueryResultRow>(sql: string, extra: unknown[] = []) =>
    (
      await pool.query<T>(
        `WITH typed AS (SELECT $1::date, $2::date, $3::text[], $4::text[], $5::text[]) ${sql}`,
        [...params, ...extra],
      )
    ).rows;

  const [totals] = await q<{
    cost: string | null;
    prompt: string | null;
    completion: string | null;
    conversations: number;
    days: number;
    active_in_m: number;
  }>(`SELECT sum(cost)::text AS cost,
             sum(token_count) FILTER (WHERE token_type = 'prompt')::text AS prompt,
             sum(token_count) FILTER (WHERE token_type = 'completion')::text AS completion,
             count(DISTINCT conversation_id)::int AS conversations, count(DISTINCT date)::int AS days,
             (SELECT count(DISTINCT m2.user_id) FROM ${MATCHING} m2 JOIN users u ON u.id = m2.user_id
               WHERE u.is_active_sub)::int AS active_in_m
        FROM ${MATCHING} m`);
  const [denominator] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${USERS_MATCHING} u WHERE is_active_sub`);

  const byModel = await q<{ model: string; cost: string; prompt: string; completion: string; conversations: number }>(
    `SELECT model, sum(cost)::text AS cost,
            coalesce(sum(token_count) FILTER (WHERE token_type = 'prompt'), 0)::text AS prompt,
            coalesce(sum(token_count) FILTER (WHERE token_type = 'completion'), 0)::text AS completion,
            count(DISTINCT conversation_id)::int AS conversations
       FROM ${MATCHING} m GROUP BY model ORDER BY sum(cost) DESC, model COLLATE "C"`,
  );
  const pickModel = async (order: string) =>
    (
      await q<{ model: string }>(
        `SELECT model FROM ${MATCHING} m GROUP BY model ORDER BY ${order}, model COLLATE "C" LIMIT 1`,
      )
    )[0]?.model ?? null;

  const prompt = Number(totals?.prompt ?? 0);
  const completion = Number(totals?.completion ?? 0);
  const cost = Number(totals?.cost ?? 0);
  const conversations = totals?.conversations ?? 0;
  const days = totals?.days ?? 0;
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

  const kpis = {
    totalCost: cost,
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    conversations,
    activeDays: days,
    avgSpendPerDay: ratio(cost, days),
    avgTokensPerDay: ratio(prompt + completion, days),
    avgTokensPerConversation: ratio(prompt + completion, conversations),
    highestUsedModel: await pickModel('count(DISTINCT conversation_id) DESC'),
    leastUsedModel: await pickModel('count(DISTINCT conversation_id) ASC'),
    costliestModel: await pickModel('sum(cost) DESC'),
    modelEfficiency: ratio(completion, prompt),
    activeSubscriberUtilization: ratio(totals?.active_in_m ?? 0, denominator?.n ?? 0),
  };

  // Bucket starts written differently from the implementation (isodow / make_date).
  const bucket = {
    DAY: 'm.date',
    WEEK: 'm.date - (extract(isodow FROM m.date)::int - 1)',
    MONTH: 'make_date(extract(year FROM m.date)::int, extract(month FROM m.date)::int, 1)',
  }[granularity];
  const trend = await q<{ b: string; cost: string; tokens: string; conversations: number; users: number }>(
    `SELECT (${bucket})::text AS b, sum(cost)::text AS cost, sum(token_count)::text AS tokens,
            count(DISTINCT conversation_id)::int AS conversations, count(DISTINCT user_id)::int AS users
       FROM ${MATCHING} m GROUP BY 1 ORDER BY 1`,
  );
  const byRegion = await q<{ region: string; cost: string; conversations: number; users: number }>(
    `SELECT region, sum(cost)::text AS cost, count(DISTINCT conversation_id)::int AS conversations,
            count(DISTINCT user_id)::int AS users
       FROM ${MATCHING} m GROUP BY region ORDER BY sum(cost) DESC, region COLLATE "C"`,
  );
  const companies = await q<{ company: string; cost: string; conversations: number; users: number; top: string }>(
    `SELECT company, sum(cost)::text AS cost, count(DISTINCT conversation_id)::int AS conversations,
            count(DISTINCT user_id)::int AS users,
            (SELECT m2.model FROM ${MATCHING} m2 WHERE m2.company = m.company GROUP BY m2.model
              ORDER BY count(DISTINCT m2.conversation_id) DESC, m2.model COLLATE "C" LIMIT 1) AS top
       FROM ${MATCHING} m WHERE company <> '' GROUP BY company
      ORDER BY sum(cost) DESC, company COLLATE "C" LIMIT $6`,
    [limit],
  );
  const subscribers = await q<{ region: string; active: number; inactive: number; engaged: number }>(
    `SELECT u.region, count(*) FILTER (WHERE u.is_active_sub)::int AS active,
            count(*) FILTER (WHERE NOT u.is_active_sub)::int AS inactive,
            count(*) FILTER (WHERE u.is_active_sub AND EXISTS (SELECT 1 FROM ${MATCHING} m WHERE m.user_id = u.id))::int AS engaged
       FROM ${USERS_MATCHING} u GROUP BY u.region ORDER BY u.region COLLATE "C"`,
  );
  const [range] = (
    await pool.query<{ min: string | null; max: string | null }>(
      'SELECT min(date)::text AS min, max(date)::text AS max FROM transactions',
    )
  ).rows;
  const values = async (sql: string) => (await pool.query<{ v: string }>(sql)).rows.map((row) => row.v);
  const previous = insights ? referencePreviousFilter(filter) : null;

  return {
    kpis,
    spendTrend: trend.map((row) => ({
      bucketStart: row.b,
      cost: Number(row.cost),
      totalTokens: Number(row.tokens),
      conversations: row.conversations,
      activeUsers: row.users,
    })),
    costByModel: byModel.map((row) => ({
      model: row.model,
      cost: Number(row.cost),
      promptTokens: Number(row.prompt),
      completionTokens: Number(row.completion),
      conversations: row.conversations,
      efficiency: ratio(Number(row.completion), Number(row.prompt)),
    })),
    costByRegion: byRegion.map((row) => ({
      region: row.region,
      cost: Number(row.cost),
      conversations: row.conversations,
      activeUsers: row.users,
    })),
    topCompanies: companies.map((row) => ({
      company: row.company,
      cost: Number(row.cost),
      conversations: row.conversations,
      activeUsers: row.users,
      highestUsedModel: row.top,
    })),
    subscribers,
    dateRange: range?.min && range.max ? { min: range.min, max: range.max } : null,
    regions: await values('SELECT region AS v FROM transactions GROUP BY 1 ORDER BY region COLLATE "C"'),
    companies: await values(`SELECT company AS v FROM transactions WHERE company <> '' GROUP BY 1 ORDER BY company COLLATE "C"`),
    models: await values('SELECT model AS v FROM transactions GROUP BY 1 ORDER BY model COLLATE "C"'),
    previousPeriod: previous && {
      from: previous.from,
      to: previous.to,
      kpis: (await referenceDashboard(pool, previous, granularity, limit, false)).kpis,
    },
    spendAnomalies: insights ? await referenceSpendAnomalies(pool, filter) : [],
  };
}
