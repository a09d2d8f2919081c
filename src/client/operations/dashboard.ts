import { graphql } from '../generated/index.js';

// The dashboard as a frontend asks for it: the filter bar's choices, then one query for
// the page (KPIs with the previous period, every chart series, anomalies, export links).
// These ship in the persisted documents, so PERSISTED_OPERATIONS_ONLY serves a console.

export const KpiFieldsFragment = graphql(`
  fragment KpiFields on Kpis {
    totalCost
    promptTokens
    completionTokens
    totalTokens
    conversations
    activeDays
    avgSpendPerDay
    avgTokensPerDay
    avgTokensPerConversation
    highestUsedModel
    leastUsedModel
    costliestModel
    modelEfficiency
    activeSubscriberUtilization
  }
`);

/** Every chart series with its CSV export link (operations using it declare $granularity and $limit). */
export const DashboardSeriesFieldsFragment = graphql(`
  fragment DashboardSeriesFields on Dashboard {
    spendTrend(granularity: $granularity) { bucketStart cost totalTokens conversations activeUsers }
    spendAnomalies { date cost baseline score direction }
    costByModel { model cost promptTokens completionTokens conversations efficiency }
    costByRegion { region cost conversations activeUsers }
    topCompanies(limit: $limit) { company cost conversations activeUsers highestUsedModel }
    subscribers { region active inactive engaged }
    exportUrls {
      spendTrend(granularity: $granularity)
      costByModel
      costByRegion
      topCompanies(limit: $limit)
    }
  }
`);

/** What the filter bar offers: the date range and the values of each list. */
export const DashboardFiltersQuery = graphql(`
  query DashboardFilters {
    dashboard {
      id
      dateRange { min max }
      regions
      companies
      models
    }
  }
`);

export const DashboardQuery = graphql(`
  query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
    dashboard(filter: $filter) {
      id
      kpis { ...KpiFields }
      previousPeriod { from to kpis { ...KpiFields } }
      ...DashboardSeriesFields
      dateRange { min max }
      meta { asOf lastJobId }
    }
  }
`);

/**
 * The web console's dashboard as two queries: the KPI cards (the cheapest fields, so the
 * first figures show without waiting for the series) …
 */
export const DashboardKpisQuery = graphql(`
  query DashboardKpis($filter: DashboardFilter) {
    dashboard(filter: $filter) {
      id
      kpis { ...KpiFields }
      previousPeriod { from to kpis { ...KpiFields } }
      meta { asOf lastJobId }
    }
  }
`);

/** … and the charts with their export links (every series of `Dashboard` but the KPIs). */
export const DashboardChartsQuery = graphql(`
  query DashboardCharts($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
    dashboard(filter: $filter) {
      id
      ...DashboardSeriesFields
    }
  }
`);
