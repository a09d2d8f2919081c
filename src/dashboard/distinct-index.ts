// Exact distinct conversations and users for any filter, counted in memory from a
// columnar copy of the helper tables (user_cells, the spanning rows of
// conversation_cells, the solo counts of daily_cell_metrics) and of users. The copy is
// read in one snapshot together with data_version and kept per pool until the version
// moves, so every API process answers from the same data without sharing memory.
//
// Why: count(DISTINCT) in SQL over ~150k user cells and ~40k spanning conversation cells
// costs 50–150 ms per grouping at 1M transactions (bench/RESULTS.md); the same counts over
// dictionary-encoded typed arrays take one to a few milliseconds.
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
  /**
   * false: rows sorted by day (date ranges by binary search). true: rows of one value
   * (conversation) are contiguous, so distinct counting needs no bitset.
   */
  byValue: boolean;
  day: Int32Array;
  region: Int32Array;
  company: Int32Array;
  model: Int32Array;
  value: Int32Array;
}

export interface DistinctIndex {
  version: string;
  regions: Dictionary;
  companies: Dictionary;
  models: Dictionary;
  /** user_cells; value = user_seq; sorted by day. */
  userCells: CellColumns;
  /** user_cells without the model (model = ''), deduplicated: for questions not on models. */
  userDayCells: CellColumns;
  /** daily_cell_metrics with solo conversations; value = solo_conversations; sorted by day. */
  soloCells: CellColumns;
  /**
   * Solo counts at (day, region, company) grain, for questions not on models: soloCells
   * summed over models plus the conversations that span models only.
   */
  soloDayCells: CellColumns;
  /** conversation_cells of spanning conversations; value = dense conversation number; by value. */
  spanCells: CellColumns;
  /** The conversations still spanning at (day, region, company) grain, one row per such cell; by value. */
  spanDayCells: CellColumns;
  spanningConversations: number;
  users: { seq: Int32Array; region: Int32Array; company: Int32Array; active: Uint8Array; length: number };
  /** 1 at [user_seq] for active subscribers. */
  activeSubscriber: Uint8Array;
  maxUserSeq: number;
  /** Day numbers (days since 1970-01-01) of the first and last cell. */
  firstDay: number;
  lastDay: number;
}

type CellRow = [day: number, region: string, company: string, model: string, value: number];
type GroupedCellRow = [day: number, region: string, company: string, model: string, values: string];

/** One CellRow per value of a comma-separated list. */
function ungroup(rows: readonly GroupedCellRow[]): CellRow[] {
  const out: CellRow[] = [];
  for (const [day, region, company, model, values] of rows) {
    for (const value of values.split(',')) out.push([day, region, company, model, Number(value)]);
  }
  return out;
}

function allocateColumns(length: number): CellColumns {
  return {
    length,
    byValue: false,
    day: new Int32Array(length),
    region: new Int32Array(length),
    company: new Int32Array(length),
    model: new Int32Array(length),
    value: new Int32Array(length),
  };
}

function columns(rows: readonly CellRow[], index: Pick<DistinctIndex, 'regions' | 'companies' | 'models'>): CellColumns {
  const length = rows.length;
  const out = allocateColumns(length);
  rows.forEach(([day, region, company, model, value], i) => {
    out.day[i] = day;
    out.region[i] = index.regions.id(region);
    out.company[i] = index.companies.id(company);
    out.model[i] = index.models.id(model);
    out.value[i] = value;
  });
  return out;
}

/**
 * The same cells with the model dimension dropped (model = `noModel`): values summed, or
 * kept once per (day, region, company). The output keeps the input's order (by day, or
 * by value for 'distinct').
 */
function withoutModels(cells: CellColumns, values: 'sum' | 'distinct', noModel: number): CellColumns {
  const day: number[] = [];
  const region: number[] = [];
  const company: number[] = [];
  const value: number[] = [];
  if (cells.byValue) {
    // A value's rows are contiguous and few: compare with the rows already kept for it.
    let valueStart = 0;
    for (let i = 0; i < cells.length; i++) {
      const v = cells.value[i] as number;
      if (value[valueStart] !== v) valueStart = value.length;
      let kept = false;
      for (let k = valueStart; k < value.length && !kept; k++) {
        kept = day[k] === cells.day[i] && region[k] === cells.region[i] && company[k] === cells.company[i];
      }
      if (kept) continue;
      day.push(cells.day[i] as number);
      region.push(cells.region[i] as number);
      company.push(cells.company[i] as number);
      value.push(v);
    }
    return {
      length: day.length,
      byValue: true,
      day: Int32Array.from(day),
      region: Int32Array.from(region),
      company: Int32Array.from(company),
      model: new Int32Array(day.length).fill(noModel),
      value: Int32Array.from(value),
    };
  }
  let currentDay = Number.NaN;
  let seen = new Map<number, Map<number, number>>(); // (region, company) → value → output row
  for (let i = 0; i < cells.length; i++) {
    if (cells.day[i] !== currentDay) {
      currentDay = cells.day[i] as number;
      seen = new Map();
    }
    const place = (cells.region[i] as number) * 2_147_483_648 + (cells.company[i] as number);
    let rows = seen.get(place);
    if (!rows) {
      rows = new Map();
      seen.set(place, rows);
    }
    const v = cells.value[i] as number;
    const key = values === 'sum' ? 0 : v;
    const row = rows.get(key);
    if (row === undefined) {
      rows.set(key, value.length);
      day.push(currentDay);
      region.push(cells.region[i] as number);
      company.push(cells.company[i] as number);
      value.push(v);
    } else if (values === 'sum') {
      value[row] = (value[row] as number) + v;
    }
  }
  return {
    length: day.length,
    byValue: cells.byValue,
    day: Int32Array.from(day),
    region: Int32Array.from(region),
    company: Int32Array.from(company),
    model: new Int32Array(day.length).fill(noModel),
    value: Int32Array.from(value),
  };
}

/**
 * The rows of day-sorted cells ordered by (value, day): each value's rows become
 * contiguous. Values are dense (0..n-1), so a counting sort does it in linear time.
 */
function sortByValue(cells: CellColumns, values: number): CellColumns {
  const start = new Int32Array(values + 1);
  for (let i = 0; i < cells.length; i++) start[(cells.value[i] as number) + 1] = (start[(cells.value[i] as number) + 1] as number) + 1;
  for (let v = 0; v < values; v++) start[v + 1] = (start[v + 1] as number) + (start[v] as number);
  const out: CellColumns = {
    length: cells.length,
    byValue: true,
    day: new Int32Array(cells.length),
    region: new Int32Array(cells.length),
    company: new Int32Array(cells.length),
    model: new Int32Array(cells.length),
    value: new Int32Array(cells.length),
  };
  // Stable: within a value, rows keep their day order.
  for (let i = 0; i < cells.length; i++) {
    const value = cells.value[i] as number;
    const k = start[value] as number;
    start[value] = k + 1;
    out.day[k] = cells.day[i] as number;
    out.region[k] = cells.region[i] as number;
    out.company[k] = cells.company[i] as number;
    out.model[k] = cells.model[i] as number;
    out.value[k] = value;
  }
  return out;
}

/** Rows of two day-sorted column sets, still sorted by day. */
function mergeByDay(a: CellColumns, b: CellColumns): CellColumns {
  const length = a.length + b.length;
  const out = allocateColumns(length);
  for (let i = 0, j = 0, k = 0; k < length; k++) {
    const fromA = j >= b.length || (i < a.length && (a.day[i] as number) <= (b.day[j] as number));
    const source = fromA ? a : b;
    const row = fromA ? i++ : j++;
    out.day[k] = source.day[row] as number;
    out.region[k] = source.region[row] as number;
    out.company[k] = source.company[row] as number;
    out.model[k] = source.model[row] as number;
    out.value[k] = source.value[row] as number;
  }
  return out;
}

/**
 * Conversation cells for questions not on models, at (day, region, company) grain. Most
 * spanning conversations only switch model within one day: at this grain they are solo,
 * so they move into the additive solo counts and only the few that still span stay in
 * the distinct part (at 10M: ~190k spanning conversations → a few thousand).
 */
function modelFreeConversations(
  soloCells: CellColumns,
  spanCells: CellColumns,
  spanningConversations: number,
  noModel: number,
): { soloDayCells: CellColumns; spanDayCells: CellColumns } {
  const span = withoutModels(spanCells, 'distinct', noModel);
  const cellsOf = new Int32Array(spanningConversations);
  for (let i = 0; i < span.length; i++) {
    const conversation = span.value[i] as number;
    cellsOf[conversation] = (cellsOf[conversation] as number) + 1;
  }
  const keep: number[] = [];
  const solo: number[] = [];
  for (let i = 0; i < span.length; i++) ((cellsOf[span.value[i] as number] as number) > 1 ? keep : solo).push(i);
  const pick = (rows: number[], value: (i: number) => number, byValue: boolean): CellColumns => ({
    length: rows.length,
    byValue,
    day: Int32Array.from(rows, (i) => span.day[i] as number),
    region: Int32Array.from(rows, (i) => span.region[i] as number),
    company: Int32Array.from(rows, (i) => span.company[i] as number),
    model: Int32Array.from(rows, () => noModel),
    value: Int32Array.from(rows, value),
  });
  solo.sort((a, b) => (span.day[a] as number) - (span.day[b] as number));
  const becameSolo = pick(solo, () => 1, false);
  return {
    soloDayCells: withoutModels(mergeByDay(soloCells, becameSolo), 'sum', noModel),
    spanDayCells: pick(keep, (i) => span.value[i] as number, span.byValue),
  };
}

/** Reads the helper tables and users in one REPEATABLE READ snapshot with data_version. */
export async function loadDistinctIndex(pool: pg.Pool): Promise<DistinctIndex> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const array = <T>(text: string) => client.query<T extends unknown[] ? T : never>({ text, rowMode: 'array' }).then((r) => r.rows as T[]);
    const [version] = await array<[string]>(`SELECT coalesce((SELECT version::text FROM data_version WHERE id = 1), '0')`);
    // Values travel as one comma-separated list per cell: 2–3× faster than a row each.
    const userRows = await array<GroupedCellRow>(
      `SELECT ${EPOCH_DAY}, region, company, model, string_agg(user_seq::text, ',') FROM user_cells
        GROUP BY date, region, company, model ORDER BY date`,
    );
    const soloRows = await array<CellRow>(
      `SELECT ${EPOCH_DAY}, region, company, model, solo_conversations FROM daily_cell_metrics
        WHERE solo_conversations > 0 ORDER BY date`,
    );
    // Conversation UUIDs become dense numbers in SQL (dense_rank), so only ints travel.
    const spanRows = await array<GroupedCellRow>(
      `SELECT day, region, company, model, string_agg(n::text, ',') FROM (
         SELECT ${EPOCH_DAY} AS day, region, company, model,
                (dense_rank() OVER (ORDER BY conversation_id))::int - 1 AS n
           FROM conversation_cells WHERE spans_cells) s
        GROUP BY 1, 2, 3, 4 ORDER BY 1`,
    );
    const userList = await array<[number, string, string | null, boolean]>(
      'SELECT seq, region, company, is_active_sub FROM users',
    );
    await client.query('COMMIT');

    const dictionaries = { regions: new Dictionary(), companies: new Dictionary(), models: new Dictionary() };
    const users = {
      length: userList.length,
      seq: new Int32Array(userList.length),
      region: new Int32Array(userList.length),
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
    const userCells = columns(ungroup(userRows), dictionaries);
    for (const seq of userCells.value) maxUserSeq = Math.max(maxUserSeq, seq);
    const activeSubscriber = new Uint8Array(maxUserSeq + 1);
    for (let i = 0; i < users.length; i++) if (users.active[i] === 1) activeSubscriber[users.seq[i] as number] = 1;
    const soloCells = columns(soloRows, dictionaries);
    const spanByDay = columns(ungroup(spanRows), dictionaries);
    let spanningConversations = 0;
    for (const n of spanByDay.value) spanningConversations = Math.max(spanningConversations, n + 1);
    const spanCells = sortByValue(spanByDay, spanningConversations);
    // Every copy covers the days of these three (spanCells is ordered by conversation).
    const days = [userCells, soloCells].flatMap((cells) =>
      cells.length ? [cells.day[0] as number, cells.day[cells.length - 1] as number] : [],
    );
    for (const day of spanCells.day) days.push(day);
    return {
      version: version?.[0] ?? '0',
      ...dictionaries,
      userCells,
      userDayCells: withoutModels(userCells, 'distinct', dictionaries.models.id('')),
      soloCells,
      spanCells,
      ...modelFreeConversations(soloCells, spanCells, spanningConversations, dictionaries.models.id('')),
      spanningConversations,
      users,
      activeSubscriber,
      maxUserSeq,
      firstDay: days.reduce((min, day) => Math.min(min, day), days[0] ?? 0),
      lastDay: days.reduce((max, day) => Math.max(max, day), days[0] ?? 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// ------------------------------------------------------------------ counting

/** Separator inside (company, model) group names (PostgreSQL text never holds NUL). */
export const COMPANY_MODEL_SEPARATOR = '\u0000';

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

  /** [first, end) of the rows that may be inside the date range. */
  first(cells: CellColumns): number {
    return cells.byValue ? 0 : lowerBound(cells.day, cells.length, this.from);
  }

  end(cells: CellColumns): number {
    return cells.byValue ? cells.length : lowerBound(cells.day, cells.length, this.to + 1);
  }

  /** Whether row i matches the filter. */
  accepts(cells: CellColumns, i: number): boolean {
    const day = cells.day[i] as number;
    return (
      day >= this.from &&
      day <= this.to &&
      (this.regions === null || this.regions[cells.region[i] as number] === 1) &&
      (this.companies === null || this.companies[cells.company[i] as number] === 1) &&
      (this.models === null || this.models[cells.model[i] as number] === 1)
    );
  }
}

/**
 * Dense group keys 0..size-1 and their names. The hot loops call keyAt, one small
 * monomorphic function, instead of a closure per grouping.
 */
class Keys {
  readonly size: number;
  private readonly mode: 'none' | 'region' | 'company' | 'model' | 'companyModel' | 'bucket';
  private readonly width: number;
  private readonly bucketOfDay: Int32Array;
  private readonly firstDay: number;
  private readonly names: (key: number) => string;

  constructor(index: DistinctIndex, grouping: Grouping) {
    const { regions, companies, models } = index;
    this.mode = grouping.by;
    this.width = models.names.length;
    this.firstDay = index.firstDay;
    this.bucketOfDay = new Int32Array(0);
    switch (grouping.by) {
      case 'none':
        this.size = 1;
        this.names = () => '';
        break;
      case 'region':
        this.size = regions.names.length;
        this.names = (k) => regions.names[k] as string;
        break;
      case 'company':
        this.size = companies.names.length;
        this.names = (k) => companies.names[k] as string;
        break;
      case 'model':
        this.size = models.names.length;
        this.names = (k) => models.names[k] as string;
        break;
      case 'companyModel':
        this.size = companies.names.length * this.width;
        this.names = (k) =>
          `${companies.names[Math.floor(k / this.width)]}${COMPANY_MODEL_SEPARATOR}${models.names[k % this.width]}`;
        break;
      case 'bucket': {
        // Every day of the index maps to its bucket's number.
        this.bucketOfDay = new Int32Array(index.lastDay - index.firstDay + 1);
        const starts: number[] = [];
        for (let day = index.firstDay; day <= index.lastDay; day++) {
          const start = bucketStart(day, grouping.granularity);
          if (starts[starts.length - 1] !== start) starts.push(start);
          this.bucketOfDay[day - index.firstDay] = starts.length - 1;
        }
        this.size = Math.max(starts.length, 1);
        this.names = (k) => dayText(starts[k] as number);
        break;
      }
    }
  }

  keyAt(cells: CellColumns, i: number): number {
    switch (this.mode) {
      case 'none':
        return 0;
      case 'region':
        return cells.region[i] as number;
      case 'company':
        return cells.company[i] as number;
      case 'model':
        return cells.model[i] as number;
      case 'companyModel':
        return (cells.company[i] as number) * this.width + (cells.model[i] as number);
      case 'bucket':
        return this.bucketOfDay[(cells.day[i] as number) - this.firstDay] as number;
    }
  }

  /** Non-zero counts by group name. */
  named(counts: Int32Array): Map<string, number> {
    const out = new Map<string, number>();
    for (let key = 0; key < counts.length; key++) if ((counts[key] as number) > 0) out.set(this.names(key), counts[key] as number);
    return out;
  }
}

/** Σ value of the matching rows per key. */
function sumPerKey(cells: CellColumns, matcher: Matcher, keys: Keys): Int32Array {
  const totals = new Int32Array(keys.size);
  for (let i = matcher.first(cells), end = matcher.end(cells); i < end; i++) {
    if (!matcher.accepts(cells, i)) continue;
    const key = keys.keyAt(cells, i);
    totals[key] = (totals[key] as number) + (cells.value[i] as number);
  }
  return totals;
}

/**
 * Distinct values of the matching rows per key, with one bitset per key; `allowed`
 * (indexed by value) restricts the values counted.
 */
function distinctPerKey(cells: CellColumns, matcher: Matcher, keys: Keys, universe: number, allowed: Uint8Array | null): Int32Array {
  if (cells.byValue && allowed === null) return distinctPerKeyContiguous(cells, matcher, keys);
  const counts = new Int32Array(keys.size);
  const words = (universe >>> 5) + 1;
  const sets: (Uint32Array | undefined)[] = new Array<Uint32Array | undefined>(keys.size);
  for (let i = matcher.first(cells), end = matcher.end(cells); i < end; i++) {
    const value = cells.value[i] as number;
    if (allowed !== null && allowed[value] !== 1) continue;
    if (!matcher.accepts(cells, i)) continue;
    const key = keys.keyAt(cells, i);
    let set = sets[key];
    if (set === undefined) {
      set = new Uint32Array(words);
      sets[key] = set;
    }
    const word = value >>> 5;
    const bit = 1 << (value & 31);
    if (((set[word] as number) & bit) === 0) {
      set[word] = (set[word] as number) | bit;
      counts[key] = (counts[key] as number) + 1;
    }
  }
  return counts;
}

/** distinctPerKey for rows whose values are contiguous: a value counts once per key. */
function distinctPerKeyContiguous(cells: CellColumns, matcher: Matcher, keys: Keys): Int32Array {
  const counts = new Int32Array(keys.size);
  const lastValue = new Int32Array(keys.size).fill(-1);
  for (let i = 0; i < cells.length; i++) {
    if (!matcher.accepts(cells, i)) continue;
    const key = keys.keyAt(cells, i);
    const value = cells.value[i] as number;
    if (lastValue[key] !== value) {
      lastValue[key] = value;
      counts[key] = (counts[key] as number) + 1;
    }
  }
  return counts;
}

const usesModels = (matcher: Matcher, grouping: Grouping) =>
  matcher.models !== null || grouping.by === 'model' || grouping.by === 'companyModel';

/** Exact distinct conversations per group name: Σ solo + distinct spanning. */
export function countConversations(index: DistinctIndex, filter: DashboardFilter, grouping: Grouping): Map<string, number> {
  const matcher = new Matcher(index, filter);
  const keys = new Keys(index, grouping);
  // Solo counts are additive and spanning ones distinct, so summing over models first is exact.
  const onModels = usesModels(matcher, grouping);
  const totals = sumPerKey(onModels ? index.soloCells : index.soloDayCells, matcher, keys);
  const spanning = distinctPerKey(
    onModels ? index.spanCells : index.spanDayCells,
    matcher,
    keys,
    index.spanningConversations,
    null,
  );
  for (let key = 0; key < keys.size; key++) totals[key] = (totals[key] as number) + (spanning[key] as number);
  return keys.named(totals);
}

/** Exact distinct users per group name (only active subscribers when asked). */
export function countUsers(
  index: DistinctIndex,
  filter: DashboardFilter,
  grouping: Grouping,
  options: { activeSubscribersOnly?: boolean } = {},
): Map<string, number> {
  const matcher = new Matcher(index, filter);
  const keys = new Keys(index, grouping);
  // Without a model filter or model key, the smaller model-free copy gives the same sets.
  const cells = usesModels(matcher, grouping) ? index.userCells : index.userDayCells;
  const allowed = options.activeSubscribersOnly ? index.activeSubscriber : null;
  return keys.named(distinctPerKey(cells, matcher, keys, index.maxUserSeq, allowed));
}

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
  for (let i = matcher.first(cells), end = matcher.end(cells); i < end; i++) {
    if (matcher.accepts(cells, i)) engaged[cells.value[i] as number] = 1;
  }
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
