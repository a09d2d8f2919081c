// Exact distinct conversations and users for any filter, counted in PostgreSQL from bit
// sets (distinct_sets) kept by the worker's AGGREGATES stage at five grains. A filter is a
// union of cells; the coarsest grain that has every dimension a question filters or
// groups by answers it, so a wide question ORs a few hundred rows and only a question on
// companies and models reads cells. No API process holds a copy of the history: memory
// does not grow with it, and nothing is reloaded when the data changes.
//
// Conversations are counted by their span (the cells their rows lie in):
// - 'solo' (one cell): additive everywhere (solo_conversations);
// - 'models' (several cells of one date, region and company, i.e. several models): one
//   row of a grain without models, so additive there (in its solo_conversations); at a
//   grain with models, additive when the question is grouped by model, where each has one
//   cell per group (model_spanning_conversations), else the OR of model_conversations sets;
// - 'wide' (dates, regions or companies differ): the OR of the conversations sets.
// Users: the OR of the matching user sets.
import type { DashboardFilter, Granularity } from './filter.js';
import { Params, bucketExpression, dimensionsUsed, filterPredicate, sumsTable, type Dimension } from './sql.js';
import type { Queryable } from './queries.js';

export type SetKind = 'users' | 'conversations' | 'model_conversations';

/**
 * Members and blocks. A set is cut into blocks (bit_or needs equal lengths), and a row per
 * block costs the same to OR whatever its bits hold, so a grain reads fewest rows when the
 * members it groups sit close together:
 * - users are numbered by `users.seq`, blocks of 4096;
 * - spanning conversations have two numbers (conversation_seqs): `seq` in date order for
 *   the grains without companies (one date's members in a few blocks of 4096), and
 *   `company_seq` in (company, date, region) order for the grains with companies, whose
 *   cells then hold a run of members: blocks of 256 bits, OR-ed ~4× faster than 4096.
 * Each grain reads one numbering throughout, so counts stay exact.
 */
export interface SetNumbering {
  /** The conversation_seqs column that numbers conversations (users are numbered by users.seq). */
  column: 'seq' | 'company_seq';
  blockBits: number;
}

export const USER_BLOCK_BITS = 4096;

export function setNumbering(kind: SetKind, grain: SetGrain): SetNumbering {
  if (kind === 'users') return { column: 'seq', blockBits: USER_BLOCK_BITS };
  return grain.company === 'company' ? { column: 'company_seq', blockBits: 256 } : { column: 'seq', blockBits: 4096 };
}

export const blockOf = (member: string, bits: number) => `${member} / ${bits}`;
/** A one-member set (bits count from the left, as get_bit does). */
export const bitOf = (member: string, bits: number) => `B'1'::bit(${bits}) >> (${member} % ${bits})`;

/**
 * The grains, cells first; `region`/`company`/`model` are the column, or '' when the grain
 * has not got it. `table` is the daily table with the grain's sums and solo counts (cells
 * for date_company_model: Σ solo is additive at any grain). date_company_model answers
 * questions on companies and models not narrowed to regions (top companies' models) from
 * a fifth of the cells' rows.
 */
export const SET_GRAINS = [
  { name: 'date_region_company_model', table: 'daily_cell_metrics', region: 'region', company: 'company', model: 'model' },
  { name: 'date_region', table: 'daily_metrics', region: 'region', company: `''`, model: `''` },
  { name: 'date_region_model', table: 'daily_model_metrics', region: 'region', company: `''`, model: 'model' },
  { name: 'date_region_company', table: 'daily_company_metrics', region: 'region', company: 'company', model: `''` },
  { name: 'date_company_model', table: 'daily_cell_metrics', region: `''`, company: 'company', model: 'model' },
] as const;

export type SetGrain = (typeof SET_GRAINS)[number];

export type Grouping =
  | { by: 'none' }
  | { by: 'region' }
  | { by: 'company' }
  | { by: 'model' }
  | { by: 'companyModel' }
  | { by: 'bucket'; granularity: Granularity };

/** Separator inside (company, model) group names (PostgreSQL text never holds NUL). */
export const COMPANY_MODEL_SEPARATOR = '\u0000';

const GROUPING_DIMENSIONS: Record<Grouping['by'], Dimension[]> = {
  none: [],
  region: ['region'],
  company: ['company'],
  model: ['model'],
  companyModel: ['company', 'model'],
  bucket: [],
};

/** The daily table and set grain of a question: the smallest with every dimension it uses. */
function grainOf(filter: DashboardFilter, grouping: Grouping) {
  const table = sumsTable(dimensionsUsed(filter, GROUPING_DIMENSIONS[grouping.by]));
  // A question at cells that does not ask about regions takes the grain without them.
  const withoutRegions = table === 'daily_cell_metrics' && filter.regions === null && grouping.by !== 'region';
  const grain = SET_GRAINS.find((g) => g.table === table && (g.region === `''`) === withoutRegions);
  if (!grain) throw new Error(`no set grain for ${table}`);
  return grain;
}

/** The group key as two text columns (the second is '' unless grouping by company and model). */
function keyColumns(grouping: Grouping): [string, string] {
  switch (grouping.by) {
    case 'none':
      return [`''`, `''`];
    case 'region':
    case 'company':
    case 'model':
      return [grouping.by, `''`];
    case 'companyModel':
      return ['company', 'model'];
    case 'bucket':
      return [`${bucketExpression(grouping.granularity)}::text`, `''`];
  }
}

const keyName = (grouping: Grouping, k1: string, k2: string) =>
  grouping.by === 'companyModel' ? `${k1}${COMPANY_MODEL_SEPARATOR}${k2}` : k1;

/**
 * The rows of some kinds at one grain matching `where`. The dimensions the grain has not got
 * are stated ('' = '') so the key (kind, grain, company, model, region, date) is descended
 * through the filter's lists instead of walked.
 */
function setRows(kinds: readonly SetKind[], grain: SetGrain, where: string): string {
  const absent = (['company', 'model', 'region'] as const).filter((column) => grain[column] === `''`);
  return `distinct_sets WHERE kind IN (${kinds.map((kind) => `'${kind}'`).join(', ')}) AND grain = '${grain.name}'
            ${absent.map((column) => `AND ${column} = ''`).join(' ')} AND ${where}`;
}

/** Members of the union of the matching sets (of one numbering), per group: `SELECT k1, k2, n`. */
function unionSizes(kinds: readonly SetKind[], grain: SetGrain, where: string, grouping: Grouping): string {
  const [k1, k2] = keyColumns(grouping);
  return `SELECT k1, k2, sum(bit_count(bits)) AS n FROM (
            SELECT ${k1} AS k1, ${k2} AS k2, block, bit_or(bits) AS bits FROM ${setRows(kinds, grain, where)}
             GROUP BY 1, 2, 3) s
          GROUP BY 1, 2`;
}

async function counts(db: Queryable, grouping: Grouping, text: string, values: unknown[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ k1: string; k2: string; n: number }>(text, values);
  return new Map(rows.filter((row) => row.n > 0).map((row) => [keyName(grouping, row.k1, row.k2), row.n]));
}

/** Exact distinct conversations per group name. */
export function countConversations(db: Queryable, filter: DashboardFilter, grouping: Grouping): Promise<Map<string, number>> {
  const params = new Params();
  const grain = grainOf(filter, grouping);
  const where = filterPredicate(filter, params);
  const [k1, k2] = keyColumns(grouping);
  // Grouped by model, a 'models' conversation has one cell per group: additive.
  const byModel = grouping.by === 'model' || grouping.by === 'companyModel';
  const additive = byModel ? 'solo_conversations + model_spanning_conversations' : 'solo_conversations';
  const kinds: SetKind[] = grain.model === 'model' && !byModel ? ['conversations', 'model_conversations'] : ['conversations'];
  const text = `SELECT k1, k2, sum(n)::int AS n FROM (
      SELECT ${k1} AS k1, ${k2} AS k2, sum(${additive}) AS n FROM ${grain.table} WHERE ${where} GROUP BY 1, 2
      UNION ALL ${unionSizes(kinds, grain, where, grouping)}) x
    GROUP BY 1, 2`;
  return counts(db, grouping, text, params.values);
}

/** Exact distinct users (with at least one matching transaction) per group name. */
export function countUsers(db: Queryable, filter: DashboardFilter, grouping: Grouping): Promise<Map<string, number>> {
  const params = new Params();
  const grain = grainOf(filter, grouping);
  const text = `SELECT k1, k2, n::int AS n FROM (${unionSizes(['users'], grain, filterPredicate(filter, params), grouping)}) u`;
  return counts(db, grouping, text, params.values);
}

export interface SubscriberCounts {
  region: string;
  active: number;
  inactive: number;
  engaged: number;
}

/**
 * Subscribers per region over the users whose region and company match the filter (dates
 * and models don't narrow users), and the distinct active subscribers among the matching
 * transactions' users (activeSubscriberUtilization's numerator) and in scope (its denominator).
 */
export async function countSubscribers(
  db: Queryable,
  filter: DashboardFilter,
): Promise<{ byRegion: SubscriberCounts[]; activeSubscribers: number; activeInMatching: number }> {
  const params = new Params();
  const grain = grainOf(filter, { by: 'none' });
  const scope = [
    filter.regions ? `u.region = ANY(${params.add(filter.regions, 'text[]')})` : 'true',
    filter.companies ? `coalesce(u.company = ANY(${params.add(filter.companies, 'text[]')}), false)` : 'true',
  ].join(' AND ');
  const matched = `get_bit(m.bits, u.seq % ${USER_BLOCK_BITS}) = 1`;
  const { rows } = await db.query<SubscriberCounts & { inScope: number; activeInMatching: number }>(
    `WITH matched AS (
       SELECT block, bit_or(bits) AS bits FROM ${setRows(['users'], grain, filterPredicate(filter, params))} GROUP BY block)
     SELECT u.region,
            count(*) FILTER (WHERE in_scope)::int AS "inScope",
            count(*) FILTER (WHERE in_scope AND u.is_active_sub)::int AS active,
            count(*) FILTER (WHERE in_scope AND NOT u.is_active_sub)::int AS inactive,
            count(*) FILTER (WHERE in_scope AND u.is_active_sub AND ${matched})::int AS engaged,
            count(*) FILTER (WHERE u.is_active_sub AND ${matched})::int AS "activeInMatching"
       FROM (SELECT region, company, seq, is_active_sub, ${scope} AS in_scope FROM users u) u
       LEFT JOIN matched m ON m.block = ${blockOf('u.seq', USER_BLOCK_BITS)}
      GROUP BY u.region`,
    params.values,
  );
  let activeSubscribers = 0;
  let activeInMatching = 0;
  const byRegion: SubscriberCounts[] = [];
  for (const { region, inScope, active, inactive, engaged, activeInMatching: n } of rows) {
    activeInMatching += n;
    if (inScope === 0) continue;
    activeSubscribers += active;
    byRegion.push({ region, active, inactive, engaged });
  }
  return { byRegion, activeSubscribers, activeInMatching };
}
