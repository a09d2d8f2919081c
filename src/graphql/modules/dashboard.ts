// Dashboard: Query.dashboard(filter) returns a DashboardView carrying the validated
// filter; each field runs only its own queries (src/dashboard) over the aggregate tables.
import {
  DashboardView,
  type CompanyCost,
  type Kpis,
  type ModelCost,
  type PeriodKpis,
  type RegionCost,
  type TrendPoint,
} from '../../dashboard/dashboard.js';
import type { SubscriberCounts } from '../../dashboard/distinct-sets.js';
import {
  GRANULARITIES,
  filterKey,
  validateFilter,
  validateGranularity,
  validateTopCompaniesLimit,
} from '../../dashboard/filter.js';
import { type SpendAnomaly } from '../../dashboard/insights.js';
import type { DataVersion } from '../../dashboard/data-version.js';
import type { DateRange } from '../../dashboard/queries.js';
import type { SeriesName, SeriesOptions } from '../../exports/dashboard-series.js';
import { dashboardSeriesPath } from '../../exports/paths.js';
import { builder, EMBEDDED } from '../builder.js';

const GranularityEnum = builder.enumType('Granularity', {
  description: 'Trend bucket: a UTC day, an ISO week (starting Monday) or a calendar month.',
  values: GRANULARITIES,
});

const DashboardFilterInput = builder.inputType('DashboardFilter', {
  description: 'Inclusive UTC date range and optional lists; an absent or empty list means all values.',
  fields: (t) => ({
    from: t.field({ type: 'Date' }),
    to: t.field({ type: 'Date' }),
    regions: t.stringList(),
    companies: t.stringList(),
    models: t.stringList(),
  }),
});

const KpisRef = builder.objectRef<Kpis>('Kpis').implement({
  description: `Figures over the matching transactions. Ratios over empty sets are null. ${EMBEDDED}`,
  fields: (t) => ({
    totalCost: t.exposeFloat('totalCost'),
    promptTokens: t.exposeFloat('promptTokens'),
    completionTokens: t.exposeFloat('completionTokens'),
    totalTokens: t.exposeFloat('totalTokens'),
    conversations: t.exposeFloat('conversations', { description: 'Distinct conversations (exact).' }),
    activeDays: t.exposeFloat('activeDays'),
    avgSpendPerDay: t.exposeFloat('avgSpendPerDay', { nullable: true }),
    avgTokensPerDay: t.exposeFloat('avgTokensPerDay', { nullable: true }),
    avgTokensPerConversation: t.exposeFloat('avgTokensPerConversation', { nullable: true }),
    highestUsedModel: t.exposeString('highestUsedModel', { nullable: true }),
    leastUsedModel: t.exposeString('leastUsedModel', { nullable: true }),
    costliestModel: t.exposeString('costliestModel', { nullable: true }),
    modelEfficiency: t.exposeFloat('modelEfficiency', { nullable: true, description: 'completionTokens / promptTokens.' }),
    activeSubscriberUtilization: t.exposeFloat('activeSubscriberUtilization', { nullable: true }),
  }),
});

const PeriodKpisRef = builder.objectRef<PeriodKpis>('PeriodKpis').implement({
  description: `kpis over the same filter shifted to the N = to − from + 1 days immediately before \`from\`. ${EMBEDDED}`,
  fields: (t) => ({
    from: t.expose('from', { type: 'Date' }),
    to: t.expose('to', { type: 'Date' }),
    kpis: t.field({ type: KpisRef, resolve: (period) => period.kpis }),
  }),
});

const AnomalyDirectionEnum = builder.enumType('AnomalyDirection', {
  description: 'HIGH: spend above the baseline; LOW: below it.',
  values: ['HIGH', 'LOW'] as const,
});

const SpendAnomalyRef = builder.objectRef<SpendAnomaly>('SpendAnomaly').implement({
  description:
    `A date whose spend is far from the median of the 28 days before it: |score| ≥ 3.5 with score = (cost − baseline) / (1.4826 × MAD). ${EMBEDDED}`,
  fields: (t) => ({
    date: t.expose('date', { type: 'Date' }),
    cost: t.exposeFloat('cost', { description: "The filter's spend on the date (0 when none)." }),
    baseline: t.exposeFloat('baseline', { description: 'Median spend over the window (up to 28 days before the date).' }),
    score: t.exposeFloat('score'),
    direction: t.field({ type: AnomalyDirectionEnum, resolve: (anomaly) => anomaly.direction }),
  }),
});

const TrendPointRef = builder.objectRef<TrendPoint>('TrendPoint').implement({
  description: EMBEDDED,
  fields: (t) => ({
    bucketStart: t.expose('bucketStart', { type: 'Date', description: 'First day of the bucket.' }),
    cost: t.exposeFloat('cost'),
    totalTokens: t.exposeFloat('totalTokens'),
    conversations: t.exposeFloat('conversations'),
    activeUsers: t.exposeFloat('activeUsers'),
  }),
});

const ModelCostRef = builder.objectRef<ModelCost>('ModelCost').implement({
  description: EMBEDDED,
  fields: (t) => ({
    model: t.exposeString('model'),
    cost: t.exposeFloat('cost'),
    promptTokens: t.exposeFloat('promptTokens'),
    completionTokens: t.exposeFloat('completionTokens'),
    conversations: t.exposeFloat('conversations'),
    efficiency: t.exposeFloat('efficiency', { nullable: true }),
  }),
});

const RegionCostRef = builder.objectRef<RegionCost>('RegionCost').implement({
  description: EMBEDDED,
  fields: (t) => ({
    region: t.exposeString('region'),
    cost: t.exposeFloat('cost'),
    conversations: t.exposeFloat('conversations'),
    activeUsers: t.exposeFloat('activeUsers'),
  }),
});

const CompanyCostRef = builder.objectRef<CompanyCost>('CompanyCost').implement({
  description: EMBEDDED,
  fields: (t) => ({
    company: t.exposeString('company'),
    cost: t.exposeFloat('cost'),
    conversations: t.exposeFloat('conversations'),
    activeUsers: t.exposeFloat('activeUsers'),
    highestUsedModel: t.exposeString('highestUsedModel', { nullable: true }),
  }),
});

const RegionSubscribersRef = builder.objectRef<SubscriberCounts>('RegionSubscribers').implement({
  description: EMBEDDED,
  fields: (t) => ({
    region: t.exposeString('region'),
    active: t.exposeFloat('active'),
    inactive: t.exposeFloat('inactive'),
    engaged: t.exposeFloat('engaged', { description: 'Active subscribers with at least one matching transaction.' }),
  }),
});

const DateRangeRef = builder.objectRef<DateRange>('DateRange').implement({
  description: EMBEDDED,
  fields: (t) => ({
    min: t.expose('min', { type: 'Date' }),
    max: t.expose('max', { type: 'Date' }),
  }),
});

const DashboardMetaRef = builder.objectRef<DataVersion>('DashboardMeta').implement({
  description: `Freshness of the aggregates the dashboard reads. ${EMBEDDED}`,
  fields: (t) => ({
    asOf: t.expose('asOf', { type: 'DateTime', nullable: true }),
    lastJobId: t.exposeID('lastJobId', { nullable: true }),
  }),
});

/** Options of a series without one: any value, the path leaves it out. */
const NO_OPTIONS: SeriesOptions = { granularity: 'DAY', limit: 10 };
const seriesPath = (view: DashboardView, name: SeriesName, options: Partial<SeriesOptions> = {}) =>
  dashboardSeriesPath(name, view.filter, { ...NO_OPTIONS, ...options });

const DashboardExportUrlsRef = builder.objectRef<DashboardView>('DashboardExportUrls').implement({
  description:
    'CSV downloads of the series of the same names, for this filter: paths relative to the API origin ' +
    `(GET with the same Authorization header as /graphql). Arguments as on the Dashboard field. ${EMBEDDED}`,
  fields: (t) => ({
    spendTrend: t.string({
      args: { granularity: t.arg({ type: GranularityEnum, defaultValue: 'DAY' }) },
      resolve: (view, args) => seriesPath(view, 'spend-trend', { granularity: validateGranularity(args.granularity) }),
    }),
    costByModel: t.string({ resolve: (view) => seriesPath(view, 'cost-by-model') }),
    costByRegion: t.string({ resolve: (view) => seriesPath(view, 'cost-by-region') }),
    topCompanies: t.string({
      args: { limit: t.arg.int({ defaultValue: 10 }) },
      resolve: (view, args) => seriesPath(view, 'top-companies', { limit: validateTopCompaniesLimit(args.limit) }),
    }),
  }),
});

const DashboardRef = builder.objectRef<DashboardView>('Dashboard').implement({
  description: 'KPIs and chart series over the transactions matching the filter.',
  fields: (t) => ({
    id: t.id({
      description:
        'Derived from the filter alone: equal filters give equal ids (list order, repeated values and empty lists do not count). ' +
        'The figures behind an id change as uploads land; refetch to refresh them.',
      resolve: (view) => filterKey(view.filter),
    }),
    kpis: t.field({ type: KpisRef, resolve: (view) => view.kpis() }),
    previousPeriod: t.field({
      type: PeriodKpisRef,
      nullable: true,
      description: 'The same figures for the N days before `from`; null unless the filter has both `from` and `to`.',
      resolve: (view) => view.previousPeriod(),
    }),
    spendAnomalies: t.field({
      type: [SpendAnomalyRef],
      description:
        'Dates in [from, to] (absent: the first data date / the last) with unusual spend for the filter, by date. Dates without data count as 0.',
      resolve: (view) => view.spendAnomalies(),
    }),
    spendTrend: t.field({
      type: [TrendPointRef],
      args: { granularity: t.arg({ type: GranularityEnum, defaultValue: 'DAY' }) },
      resolve: (view, args) => view.spendTrend(validateGranularity(args.granularity)),
    }),
    costByModel: t.field({ type: [ModelCostRef], resolve: (view) => view.costByModel() }),
    costByRegion: t.field({ type: [RegionCostRef], resolve: (view) => view.costByRegion() }),
    topCompanies: t.field({
      type: [CompanyCostRef],
      args: { limit: t.arg.int({ defaultValue: 10 }) },
      resolve: (view, args) => view.topCompanies(validateTopCompaniesLimit(args.limit)),
    }),
    subscribers: t.field({ type: [RegionSubscribersRef], resolve: (view) => view.subscribers() }),
    dateRange: t.field({
      type: DateRangeRef,
      nullable: true,
      description: 'First and last transaction date in the database; null when there is no data.',
      resolve: (view) => view.dateRange(),
    }),
    regions: t.stringList({ resolve: (view) => view.filterValues('regions') }),
    companies: t.stringList({ resolve: (view) => view.filterValues('companies') }),
    models: t.stringList({ resolve: (view) => view.filterValues('models') }),
    meta: t.field({ type: DashboardMetaRef, resolve: (view) => view.version() }),
    exportUrls: t.field({ type: DashboardExportUrlsRef, resolve: (view) => view }),
  }),
});

builder.queryField('dashboard', (t) =>
  t.field({
    type: DashboardRef,
    args: { filter: t.arg({ type: DashboardFilterInput }) },
    resolve: (_root, args, ctx) => new DashboardView(ctx.db.pool, ctx.caches.dashboard, validateFilter(args.filter), ctx.defaultView),
  }),
);
