// One dashboard request: the validated filter plus per-request memos, so each GraphQL
// field runs only its own queries and fields needing the same figures (kpis and
// costByModel both need per-model sums) share one query.
import { dashboardCacheFor, type DashboardCache } from './cache.js';
import { filterKey, type DashboardFilter, type Granularity } from './filter.js';
import * as queries from './queries.js';
import type { Queryable } from './queries.js';

export interface Kpis {
  totalCost: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  conversations: number;
  activeDays: number;
  avgSpendPerDay: number | null;
  avgTokensPerDay: number | null;
  avgTokensPerConversation: number | null;
  highestUsedModel: string | null;
  leastUsedModel: string | null;
  costliestModel: string | null;
  modelEfficiency: number | null;
  activeSubscriberUtilization: number | null;
}

export interface ModelCost extends queries.ModelRow {
  efficiency: number | null;
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

/** Name order of the database's "C" collation (UTF-8 bytes), used for every tie. */
export const compareNames = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The model with the most (or fewest) conversations; ties by name ascending. */
function pickModel(rows: readonly queries.ModelRow[], direction: 'most' | 'fewest'): string | null {
  let best: queries.ModelRow | null = null;
  for (const row of rows) {
    if (row.conversations < 1) continue;
    const better =
      !best ||
      (direction === 'most' ? row.conversations > best.conversations : row.conversations < best.conversations) ||
      (row.conversations === best.conversations && compareNames(row.model, best.model) < 0);
    if (better) best = row;
  }
  return best?.model ?? null;
}

export class DashboardView {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly cache: DashboardCache;
  private readonly key: string;

  constructor(
    private readonly db: Queryable,
    readonly filter: DashboardFilter,
  ) {
    this.cache = dashboardCacheFor(db);
    this.key = filterKey(filter);
  }

  /** data_version, read once per request. */
  version(): Promise<queries.DataVersion> {
    return this.once('version', () => queries.dataVersion(this.db));
  }

  private once<T>(name: string, compute: () => Promise<T>): Promise<T> {
    let promise = this.memo.get(name) as Promise<T> | undefined;
    if (!promise) {
      promise = compute();
      this.memo.set(name, promise);
    }
    return promise;
  }

  /** Memoised per request, and cached across requests under the current data version. */
  private figures<T>(name: string, compute: () => Promise<T>): Promise<T> {
    return this.once(name, async () => {
      if (!this.cache.enabled) return compute();
      const { version } = await this.version();
      return this.cache.getOrCompute(`${version}|${name}|${this.key}`, compute);
    });
  }

  costByModel(): Promise<ModelCost[]> {
    return this.figures('costByModel', async () =>
      (await queries.costByModel(this.db, this.filter)).map((row) => ({
        ...row,
        efficiency: ratio(row.completionTokens, row.promptTokens),
      })),
    );
  }

  kpis(): Promise<Kpis> {
    return this.figures('kpis', async () => {
      const [totals, byModel] = await Promise.all([queries.totals(this.db, this.filter), this.costByModel()]);
      const totalTokens = totals.promptTokens + totals.completionTokens;
      return {
        totalCost: totals.cost,
        promptTokens: totals.promptTokens,
        completionTokens: totals.completionTokens,
        totalTokens,
        conversations: totals.conversations,
        activeDays: totals.activeDays,
        avgSpendPerDay: ratio(totals.cost, totals.activeDays),
        avgTokensPerDay: ratio(totalTokens, totals.activeDays),
        avgTokensPerConversation: ratio(totalTokens, totals.conversations),
        highestUsedModel: pickModel(byModel, 'most'),
        leastUsedModel: pickModel(byModel, 'fewest'),
        // byModel is ordered by cost desc, then name (in SQL, on the exact NUMERIC sums).
        costliestModel: byModel[0]?.model ?? null,
        modelEfficiency: ratio(totals.completionTokens, totals.promptTokens),
        activeSubscriberUtilization: ratio(totals.activeSubscribersInM, totals.activeSubscribers),
      };
    });
  }

  spendTrend(granularity: Granularity): Promise<queries.TrendRow[]> {
    return this.figures(`spendTrend:${granularity}`, () => queries.spendTrend(this.db, this.filter, granularity));
  }

  costByRegion(): Promise<queries.RegionRow[]> {
    return this.figures('costByRegion', () => queries.costByRegion(this.db, this.filter));
  }

  topCompanies(limit: number): Promise<queries.CompanyRow[]> {
    return this.figures(`topCompanies:${limit}`, () => queries.topCompanies(this.db, this.filter, limit));
  }

  subscribers(): Promise<queries.SubscriberRow[]> {
    return this.figures('subscribers', () => queries.subscribers(this.db, this.filter));
  }

  dateRange(): Promise<queries.DateRange | null> {
    return this.figures('dateRange', () => queries.dateRange(this.db));
  }

  filterValues(kind: 'regions' | 'companies' | 'models'): Promise<string[]> {
    return this.figures(kind, () => queries.filterValues(this.db, kind));
  }
}
