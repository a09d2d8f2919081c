// One dashboard request: the validated filter plus per-request memos, so each GraphQL
// field runs only its own queries and fields needing the same figures (kpis and
// costByModel both need per-model sums) share one query. Sums come from SQL over the
// daily tables; exact distinct counts from their bit sets (./distinct-sets.ts).
import type { DashboardCache } from './cache.js';
import { dataVersion, type DataVersion } from './data-version.js';
import type { SharedDefaultView } from './default-view.js';
import {
  COMPANY_MODEL_SEPARATOR,
  countConversations,
  countSubscribers,
  countUsers,
  type SubscriberCounts,
} from './distinct-sets.js';
import { filterKey, validateTopCompaniesLimit, type DashboardFilter, type Granularity } from './filter.js';
import { anomalySpan, detectSpendAnomalies, previousPeriodFilter, type SpendAnomaly } from './insights.js';
import * as queries from './queries.js';
import { batchStatements, type StatementRunner } from './statement-batch.js';

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

export interface ModelCost {
  model: string;
  cost: number;
  promptTokens: number;
  completionTokens: number;
  conversations: number;
  efficiency: number | null;
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

/** Name order of the database's "C" collation (UTF-8 bytes), used for every tie. */
export const compareNames = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The model with the most (or fewest) conversations; ties by name ascending. */
function pickModel(rows: readonly ModelCost[], direction: 'most' | 'fewest'): string | null {
  let best: ModelCost | null = null;
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

export interface TrendPoint {
  bucketStart: string;
  cost: number;
  totalTokens: number;
  conversations: number;
  activeUsers: number;
}

export interface RegionCost {
  region: string;
  cost: number;
  conversations: number;
  activeUsers: number;
}

export interface CompanyCost {
  company: string;
  cost: number;
  conversations: number;
  activeUsers: number;
  highestUsedModel: string | null;
}

export interface PeriodKpis {
  from: string;
  to: string;
  kpis: Kpis;
}

const isDefaultFilter = (filter: DashboardFilter): boolean =>
  filter.from === null && filter.to === null && !filter.regions && !filter.companies && !filter.models;

export class DashboardView {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly key: string;

  /** Set for the default view (no filter): its figures are shared across processes. */
  private readonly shared: SharedDefaultView | null;

  constructor(
    private readonly pool: StatementRunner,
    private readonly cache: DashboardCache,
    readonly filter: DashboardFilter,
    shared: SharedDefaultView | null = null,
    /** The request's statements: those its fields issue together share one round trip. */
    private readonly db: StatementRunner = batchStatements(pool),
  ) {
    this.key = filterKey(filter);
    this.shared = isDefaultFilter(filter) ? shared : null;
  }

  /**
   * Computes every figure of the dashboard with the fields' default arguments (what the
   * worker precomputes for the default view before it reports a job done).
   */
  async precompute(): Promise<void> {
    await Promise.all([
      this.kpis(),
      this.spendAnomalies(),
      this.spendTrend('DAY'),
      this.costByModel(),
      this.costByRegion(),
      this.topCompanies(validateTopCompaniesLimit(null)),
      this.subscribers(),
      this.filterValues('regions'),
      this.filterValues('companies'),
      this.filterValues('models'),
    ]);
  }

  /** data_version, read once per request. */
  version(): Promise<DataVersion> {
    return this.once('version', () => dataVersion(this.db));
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
  private figures<T>(name: string, compute: () => Promise<T>, dependsOnFilter = true): Promise<T> {
    return this.once(name, async () => {
      const { shared } = this;
      if (!this.cache.enabled && !shared) return compute();
      const { version } = await this.version();
      const computeOrShared = shared ? () => shared.getOrCompute(version, name, compute) : compute;
      if (!this.cache.enabled) return computeOrShared();
      return this.cache.getOrCompute(`${version}|${name}|${dependsOnFilter ? this.key : ''}`, computeOrShared);
    });
  }

  /** The same request over another filter: reads the data version this request read. */
  private withFilter(filter: DashboardFilter): DashboardView {
    const view = new DashboardView(this.pool, this.cache, filter, this.shared, this.db);
    view.memo.set('version', this.version());
    return view;
  }

  /** Subscribers and active-subscriber counts, shared by kpis and subscribers. */
  private subscriberCounts(): ReturnType<typeof countSubscribers> {
    return this.once('subscriberCounts', () => countSubscribers(this.db, this.filter));
  }

  costByModel(): Promise<ModelCost[]> {
    return this.figures('costByModel', async () => {
      const [rows, conversations] = await Promise.all([
        queries.sums(this.db, this.filter, 'model'),
        countConversations(this.db, this.filter, { by: 'model' }),
      ]);
      return rows.map((row) => ({
        model: row.key,
        cost: row.cost,
        promptTokens: row.promptTokens,
        completionTokens: row.completionTokens,
        conversations: conversations.get(row.key) ?? 0,
        efficiency: ratio(row.completionTokens, row.promptTokens),
      }));
    });
  }

  kpis(): Promise<Kpis> {
    return this.figures('kpis', async () => {
      const [[totals], byModel, conversationCounts, { activeSubscribers, activeInMatching }] = await Promise.all([
        queries.sums(this.db, this.filter, 'none'),
        this.costByModel(),
        countConversations(this.db, this.filter, { by: 'none' }),
        this.subscriberCounts(),
      ]);
      const cost = totals?.cost ?? 0;
      const promptTokens = totals?.promptTokens ?? 0;
      const completionTokens = totals?.completionTokens ?? 0;
      const activeDays = totals?.activeDays ?? 0;
      const totalTokens = promptTokens + completionTokens;
      const conversations = conversationCounts.get('') ?? 0;
      return {
        totalCost: cost,
        promptTokens,
        completionTokens,
        totalTokens,
        conversations,
        activeDays,
        avgSpendPerDay: ratio(cost, activeDays),
        avgTokensPerDay: ratio(totalTokens, activeDays),
        avgTokensPerConversation: ratio(totalTokens, conversations),
        highestUsedModel: pickModel(byModel, 'most'),
        leastUsedModel: pickModel(byModel, 'fewest'),
        // byModel is ordered by cost desc, then name (in SQL, on the exact NUMERIC sums).
        costliestModel: byModel[0]?.model ?? null,
        modelEfficiency: ratio(completionTokens, promptTokens),
        activeSubscriberUtilization: ratio(activeInMatching, activeSubscribers),
      };
    });
  }

  /** kpis over the N days before `from` (SPEC §8); null unless the filter has both dates. */
  previousPeriod(): Promise<PeriodKpis | null> {
    const previous = previousPeriodFilter(this.filter);
    if (!previous) return Promise.resolve(null);
    // kpis of the shifted filter, memoised and cached under that filter like any kpis.
    return this.once('previousPeriod', async () => ({
      from: previous.from,
      to: previous.to,
      kpis: await this.withFilter(previous).kpis(),
    }));
  }

  /** Dates of unusual spend for the filter (SPEC §8: median/MAD over the 28 days before each). */
  spendAnomalies(): Promise<SpendAnomaly[]> {
    return this.figures('spendAnomalies', async () => {
      const range = await this.dateRange();
      const span = range && anomalySpan(this.filter, range.min, range.max);
      if (!span) return [];
      const spend = await queries.dailySpend(this.db, { ...this.filter, from: span.seriesStart, to: span.to });
      return detectSpendAnomalies(spend, span);
    });
  }

  spendTrend(granularity: Granularity): Promise<TrendPoint[]> {
    return this.figures(`spendTrend:${granularity}`, async () => {
      const grouping = { by: 'bucket', granularity } as const;
      const [rows, conversations, users] = await Promise.all([
        queries.sums(this.db, this.filter, { bucket: granularity }),
        countConversations(this.db, this.filter, grouping),
        countUsers(this.db, this.filter, grouping),
      ]);
      return rows.map((row) => ({
        bucketStart: row.key,
        cost: row.cost,
        totalTokens: row.promptTokens + row.completionTokens,
        conversations: conversations.get(row.key) ?? 0,
        activeUsers: users.get(row.key) ?? 0,
      }));
    });
  }

  costByRegion(): Promise<RegionCost[]> {
    return this.figures('costByRegion', async () => {
      const [rows, conversations, users] = await Promise.all([
        queries.sums(this.db, this.filter, 'region'),
        countConversations(this.db, this.filter, { by: 'region' }),
        countUsers(this.db, this.filter, { by: 'region' }),
      ]);
      return rows.map((row) => ({
        region: row.key,
        cost: row.cost,
        conversations: conversations.get(row.key) ?? 0,
        activeUsers: users.get(row.key) ?? 0,
      }));
    });
  }

  /** Companies by cost desc then name (users without a company left out), first `limit`. */
  topCompanies(limit: number): Promise<CompanyCost[]> {
    return this.figures(`topCompanies:${limit}`, async () => {
      // Alone, not in the request's batch: the counts below wait for it, and a batch answers
      // only when its slowest statement has run.
      const rows = await queries.sums(this.pool, this.filter, 'company');
      const top = rows.slice(0, limit);
      // Distinct counts only for the companies shown: a company's own counts do not depend
      // on the others, and the (company, model) sets are the dashboard's largest read.
      const shown = rows.length > limit ? { ...this.filter, companies: top.map((row) => row.key).sort() } : this.filter;
      const [conversations, users, byCompanyModel] = await Promise.all([
        countConversations(this.db, shown, { by: 'company' }),
        countUsers(this.db, shown, { by: 'company' }),
        countConversations(this.db, shown, { by: 'companyModel' }),
      ]);
      const topModel = new Map<string, { model: string; conversations: number }>();
      for (const [key, count] of byCompanyModel) {
        const [company = '', model = ''] = key.split(COMPANY_MODEL_SEPARATOR);
        const best = topModel.get(company);
        if (!best || count > best.conversations || (count === best.conversations && compareNames(model, best.model) < 0)) {
          topModel.set(company, { model, conversations: count });
        }
      }
      return top.map((row) => ({
        company: row.key,
        cost: row.cost,
        conversations: conversations.get(row.key) ?? 0,
        activeUsers: users.get(row.key) ?? 0,
        highestUsedModel: topModel.get(row.key)?.model ?? null,
      }));
    });
  }

  subscribers(): Promise<SubscriberCounts[]> {
    return this.figures('subscribers', async () =>
      (await this.subscriberCounts()).byRegion.sort((a, b) => compareNames(a.region, b.region)),
    );
  }

  dateRange(): Promise<queries.DateRange | null> {
    return this.figures('dateRange', () => queries.dateRange(this.db), false);
  }

  filterValues(kind: 'regions' | 'companies' | 'models'): Promise<string[]> {
    return this.figures(kind, () => queries.filterValues(this.db, kind), false);
  }
}
