// Exact distinct conversations and users for any filter, counted in memory from a
// columnar copy of the helper tables (user_cells, the spanning rows of
// conversation_cells, the solo counts of daily_cell_metrics) and of users. The copy is
// read in one snapshot together with data_version and kept per pool until the version
// moves, so every API process answers from the same data without sharing memory.
//
// Why: count(DISTINCT) in SQL over ~150k user cells and ~40k spanning conversation cells
// costs 50–150 ms per grouping at 1M transactions (bench/RESULTS.md); the same counts over
// dictionary-encoded typed arrays with bitsets take about a millisecond.
import type pg from 'pg';
import type { DashboardFilter, Granularity } from './filter.js';

const EPOCH_DAY = 'date - date \'1970-01-01\'';
const DAY_MS = 86_400_000;

/** Dictionary encoding of one text dimension. */
class Dictionary {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  /** ids of the names asked for (unknown names match nothing); null = every id. */
  mask(names: readonly string[] | null, exclude?: string): Uint8Array | null {
    if (!names && exclude === undefined) return null;
    const mask = new Uint8Array(this.names.length).fill(names ? 0 : 1);
    for (const name of names ?? []) {
      const id = this.ids.get(name);
      if (id !== undefined) mask[id] = 1;
    }
    const excluded = exclude === undefined ? undefined : this.ids.get(exclude);
    if (excluded !== undefined) mask[excluded] = 0;
    return mask;
  }
}

/** Rows keyed by (day, region, company, model) plus one int column, as typed arrays. */
interface CellColumns {
  length: number;
  day: Int32Array;
  region: Uint16Array;
  company: Uint16Array;
  model: Uint16Array;
  value: Int32Array;
}

export interface DistinctIndex {
  version: string;
  regions: Dictionary;
  companies: Dictionary;
  models: Dictionary;
  /** user_cells; value = user_seq. Every column set is sorted by day. */
  userCells: CellColumns;
  /** user_cells without the model (model = 0), deduplicated: for filters not on models. */
  userDayCells: CellColumns;
  /** daily_cell_metrics with solo conversations; value = solo_conversations. */
  soloCells: CellColumns;
  /** soloCells summed over models (model = ''): for questions not on models. */
  soloDayCells: CellColumns;
  /** conversation_cells of conversations spanning cells; value = dense conversation number. */
  spanCells: CellColumns;
  /** spanCells without the model, deduplicated: for questions not on models. */
  spanDayCells: CellColumns;
  spanningConversations: number;
  users: { seq: Int32Array; region: Uint16Array; company: Int32Array; active: Uint8Array; length: number };
  /** 1 at [user_seq] for active subscribers. */
  activeSubscriber: Uint8Array;
  maxUserSeq: number;
  /** Day numbers (days since 1970-01-01) of the first and last cell. */
  firstDay: number;
  lastDay: number;
}

type CellRow = [day: number, region: string, company: string, model: string, value: number];

function columns(rows: readonly CellRow[], index: Pick<DistinctIndex, 'regions' | 'companies' | 'models'>): CellColumns {
  const length = rows.length;
  const out: CellColumns = {
    length,
    day: new Int32Array(length),
    region: new Uint16Array(length),
    company: new Uint16Array(length),
    model: new Uint16Array(length),
    value: new Int32Array(length),
  };
  rows.forEach(([day, region, company, model, value], i) => {
    out.day[i] = day;
    out.region[i] = index.regions.id(region);
    out.company[i] = index.companies.id(company);
    out.model[i] = index.models.id(model);
    out.value[i] = value;
  });
  return out;
}

/** Reads the helper tables and users in one REPEATABLE READ snapshot with data_version. */
export async function loadDistinctIndex(pool: pg.Pool): Promise<DistinctIndex> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const array = <T>(text: string) => client.query<T extends unknown[] ? T : never>({ text, rowMode: 'array' }).then((r) => r.rows as T[]);
    const [version] = await array<[string]>(`SELECT coalesce((SELECT version::text FROM data_version WHERE id = 1), '0')`);
    const userRows = await array<CellRow>(
      `SELECT ${EPOCH_DAY}, region, company, model, user_seq FROM user_cells ORDER BY date`,
    );
    const userDayRows = await array<CellRow>(
      `SELECT DISTINCT ${EPOCH_DAY}, region, company, '', user_seq FROM user_cells ORDER BY 1`,
    );
    const soloRows = await array<CellRow>(
      `SELECT ${EPOCH_DAY}, region, company, model, solo_conversations FROM daily_cell_metrics
        WHERE solo_conversations > 0 ORDER BY date`,
    );
    const soloDayRows = await array<CellRow>(
      `SELECT ${EPOCH_DAY}, region, company, '', sum(solo_conversations)::int FROM daily_cell_metrics
        WHERE solo_conversations > 0 GROUP BY 1, 2, 3 ORDER BY 1`,
    );
    // Conversation UUIDs become dense numbers in SQL (dense_rank), so only ints travel.
    const spanning = `SELECT ${EPOCH_DAY} AS day, region, company, model,
                             (dense_rank() OVER (ORDER BY conversation_id))::int - 1 AS n
                        FROM conversation_cells WHERE spans_cells`;
    const spanRows = await array<CellRow>(`SELECT * FROM (${spanning}) s ORDER BY day`);
    const spanDayRows = await array<CellRow>(
      `SELECT DISTINCT day, region, company, '', n FROM (${spanning}) s ORDER BY day`,
    );
    const userList = await array<[number, string, string | null, boolean]>(
      'SELECT seq, region, company, is_active_sub FROM users',
    );
    await client.query('COMMIT');

    const dictionaries = { regions: new Dictionary(), companies: new Dictionary(), models: new Dictionary() };
    const users = {
      length: userList.length,
      seq: new Int32Array(userList.length),
      region: new Uint16Array(userList.length),
      company: new Int32Array(userList.length),
      active: new Uint8Array(userList.length),
    };
    let maxUserSeq = 0;
    userList.forEach(([seq, region, company, active], i) => {
      users.seq[i] = seq;
      users.region[i] = dictionaries.regions.id(region);
      // -1 = no company (never matches a company filter).
      users.company[i] = company === null ? -1 : dictionaries.companies.id(company);
      users.active[i] = active ? 1 : 0;
      maxUserSeq = Math.max(maxUserSeq, seq);
    });
    const userCells = columns(userRows, dictionaries);
    for (const seq of userCells.value) maxUserSeq = Math.max(maxUserSeq, seq);
    const activeSubscriber = new Uint8Array(maxUserSeq + 1);
    for (let i = 0; i < users.length; i++) if (users.active[i] === 1) activeSubscriber[users.seq[i] as number] = 1;
    const soloCells = columns(soloRows, dictionaries);
    const spanCells = columns(spanRows, dictionaries);
    let spanningConversations = 0;
    for (const n of spanCells.value) spanningConversations = Math.max(spanningConversations, n + 1);
    // Every copy covers the days of these three.
    const days = [userCells, soloCells, spanCells].flatMap((cells) =>
      cells.length ? [cells.day[0] as number, cells.day[cells.length - 1] as number] : [],
    );
    return {
      version: version?.[0] ?? '0',
      ...dictionaries,
      userCells,
      userDayCells: columns(userDayRows, dictionaries),
      soloCells,
      soloDayCells: columns(soloDayRows, dictionaries),
      spanCells,
      spanDayCells: columns(spanDayRows, dictionaries),
      spanningConversations,
      users,
      activeSubscriber,
      maxUserSeq,
      firstDay: days.length ? Math.min(...days) : 0,
      lastDay: days.length ? Math.max(...days) : 0,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// ------------------------------------------------------------------ counting

export type Grouping =
  | { by: 'none' }
  | { by: 'region' }
  | { by: 'company' }
  | { by: 'model' }
  | { by: 'companyModel' }
  | { by: 'bucket'; granularity: Granularity };

const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** First day of the bucket: ISO week starts Monday (1970-01-01 was a Thursday). */
function bucketStart(day: number, granularity: Granularity): number {
  if (granularity === 'DAY') return day;
  if (granularity === 'WEEK') return day - ((((day + 3) % 7) + 7) % 7);
  const date = new Date(day * DAY_MS);
  return Math.round(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS);
}

/** First index in [0, length) whose day is ≥ `day` (rows are sorted by day). */
function lowerBound(days: Int32Array, length: number, day: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((days[mid] as number) < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows a filter matches: a day range (binary search) plus per-dimension id masks. */
class Matcher {
  private readonly from: number;
  private readonly to: number;
  readonly regions: Uint8Array | null;
  readonly companies: Uint8Array | null;
  readonly models: Uint8Array | null;

  constructor(index: DistinctIndex, filter: DashboardFilter) {
    this.from = filter.from === null ? -2_147_483_648 : dayNumber(filter.from);
    this.to = filter.to === null ? 2_147_483_647 : dayNumber(filter.to);
    this.regions = index.regions.mask(filter.regions);
    // An asked-for company is a name: '' (no company) never matches a company filter.
    this.companies = filter.companies ? index.companies.mask(filter.companies, '') : null;
    this.models = index.models.mask(filter.models);
  }

  /** Calls visit(i) for every matching row. */
  each(cells: CellColumns, visit: (i: number) => void): void {
    const end = lowerBound(cells.day, cells.length, this.to + 1);
    const { regions, companies, models } = this;
    for (let i = lowerBound(cells.day, cells.length, this.from); i < end; i++) {
      if (regions && regions[cells.region[i] as number] !== 1) continue;
      if (companies && companies[cells.company[i] as number] !== 1) continue;
      if (models && models[cells.model[i] as number] !== 1) continue;
      visit(i);
    }
  }
}

/** Dense group keys 0..size-1 for the rows of one column set, and their names. */
interface Keys {
  size: number;
  of(cells: CellColumns, i: number): number;
  name(key: number): string;
}

function keysFor(index: DistinctIndex, grouping: Grouping): Keys {
  const { regions, companies, models } = index;
  switch (grouping.by) {
    case 'none':
      return { size: 1, of: () => 0, name: () => '' };
    case 'region':
      return { size: regions.names.length, of: (c, i) => c.region[i] as number, name: (k) => regions.names[k] as string };
    case 'company':
      return { size: companies.names.length, of: (c, i) => c.company[i] as number, name: (k) => companies.names[k] as string };
    case 'model':
      return { size: models.names.length, of: (c, i) => c.model[i] as number, name: (k) => models.names[k] as string };
    case 'companyModel': {
      const width = models.names.length;
      return {
        size: companies.names.length * width,
        of: (c, i) => (c.company[i] as number) * width + (c.model[i] as number),
        name: (k) => `${companies.names[Math.floor(k / width)]}${COMPANY_MODEL_SEPARATOR}${models.names[k % width]}`,
      };
    }
    case 'bucket': {
      // Every day of the index maps to its bucket's number.
      const bucketOfDay = new Int32Array(index.lastDay - index.firstDay + 1);
      const starts: number[] = [];
      for (let day = index.firstDay; day <= index.lastDay; day++) {
        const start = bucketStart(day, grouping.granularity);
        if (starts[starts.length - 1] !== start) starts.push(start);
        bucketOfDay[day - index.firstDay] = starts.length - 1;
      }
      return {
        size: Math.max(starts.length, 1),
        of: (c, i) => bucketOfDay[(c.day[i] as number) - index.firstDay] as number,
        name: (k) => dayText(starts[k] as number),
      };
    }
  }
}

/** Distinct values per dense key, one bitset per key. */
class DistinctCounter {
  private readonly sets: (Uint32Array | undefined)[];
  readonly counts: Int32Array;

  constructor(
    keys: number,
    private readonly universe: number,
  ) {
    this.sets = new Array<Uint32Array | undefined>(keys);
    this.counts = new Int32Array(keys);
  }

  add(key: number, value: number): void {
    let set = this.sets[key];
    if (!set) {
      set = new Uint32Array((this.universe >>> 5) + 1);
      this.sets[key] = set;
    }
    const word = value >>> 5;
    const bit = 1 << (value & 31);
    if (((set[word] as number) & bit) === 0) {
      set[word] = (set[word] as number) | bit;
      this.counts[key] = (this.counts[key] as number) + 1;
    }
  }
}

function named(keys: Keys, counts: ArrayLike<number>): Map<string, number> {
  const out = new Map<string, number>();
  for (let key = 0; key < counts.length; key++) if ((counts[key] as number) > 0) out.set(keys.name(key), counts[key] as number);
  return out;
}

const usesModels = (matcher: Matcher, grouping: Grouping) =>
  matcher.models !== null || grouping.by === 'model' || grouping.by === 'companyModel';

/** Exact distinct conversations per group name: Σ solo + distinct spanning. */
export function countConversations(index: DistinctIndex, filter: DashboardFilter, grouping: Grouping): Map<string, number> {
  const matcher = new Matcher(index, filter);
  const keys = keysFor(index, grouping);
  // Solo counts are additive and spanning ones distinct, so summing over models first is exact.
  const onModels = usesModels(matcher, grouping);
  const soloCells = onModels ? index.soloCells : index.soloDayCells;
  const spanCells = onModels ? index.spanCells : index.spanDayCells;
  const totals = new Int32Array(keys.size);
  matcher.each(soloCells, (i) => {
    const key = keys.of(soloCells, i);
    totals[key] = (totals[key] as number) + (soloCells.value[i] as number);
  });
  const spanning = new DistinctCounter(keys.size, index.spanningConversations);
  matcher.each(spanCells, (i) => spanning.add(keys.of(spanCells, i), spanCells.value[i] as number));
  for (let key = 0; key < keys.size; key++) totals[key] = (totals[key] as number) + (spanning.counts[key] as number);
  return named(keys, totals);
}

/** Exact distinct users per group name (only active subscribers when asked). */
export function countUsers(
  index: DistinctIndex,
  filter: DashboardFilter,
  grouping: Grouping,
  options: { activeSubscribersOnly?: boolean } = {},
): Map<string, number> {
  const matcher = new Matcher(index, filter);
  const keys = keysFor(index, grouping);
  // Without a model filter or model key, the smaller model-free copy gives the same sets.
  const cells = usesModels(matcher, grouping) ? index.userCells : index.userDayCells;
  const allowed = options.activeSubscribersOnly ? index.activeSubscriber : null;
  const counter = new DistinctCounter(keys.size, index.maxUserSeq);
  matcher.each(cells, (i) => {
    const seq = cells.value[i] as number;
    if (!allowed || allowed[seq] === 1) counter.add(keys.of(cells, i), seq);
  });
  return named(keys, counter.counts);
}

/** Separator of the (company, model) group names of countConversations. */
export const COMPANY_MODEL_SEPARATOR = '\u0000';

export interface SubscriberCounts {
  region: string;
  active: number;
  inactive: number;
  engaged: number;
}

/** Users whose region and company match (dates and models don't narrow users), per region. */
export function countSubscribers(index: DistinctIndex, filter: DashboardFilter): {
  byRegion: SubscriberCounts[];
  activeSubscribers: number;
} {
  const regionMask = index.regions.mask(filter.regions);
  const companyMask = filter.companies ? index.companies.mask(filter.companies) : null;
  // Users with at least one matching transaction.
  const engaged = new Uint8Array(index.maxUserSeq + 1);
  const matcher = new Matcher(index, filter);
  const { users } = index;
  const cells = matcher.models ? index.userCells : index.userDayCells;
  matcher.each(cells, (i) => {
    engaged[cells.value[i] as number] = 1;
  });
  const byRegion = new Map<number, SubscriberCounts>();
  let activeSubscribers = 0;
  for (let i = 0; i < users.length; i++) {
    const region = users.region[i] as number;
    const company = users.company[i] as number;
    if (regionMask && regionMask[region] !== 1) continue;
    if (companyMask && (company < 0 || companyMask[company] !== 1)) continue;
    let row = byRegion.get(region);
    if (!row) {
      row = { region: index.regions.names[region] as string, active: 0, inactive: 0, engaged: 0 };
      byRegion.set(region, row);
    }
    if (users.active[i] === 1) {
      row.active++;
      activeSubscribers++;
      if (engaged[users.seq[i] as number] === 1) row.engaged++;
    } else {
      row.inactive++;
    }
  }
  return { byRegion: [...byRegion.values()], activeSubscribers };
}
