/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** HIGH: spend above the baseline; LOW: below it. */
export type AnomalyDirection =
  | 'HIGH'
  | 'LOW';

export type BudgetScopeInput = {
  kind: BudgetScopeKind;
  /** The region or company (as in the data); required unless kind is ALL, null for ALL. */
  value?: string | null | undefined;
};

/** ALL: every transaction; REGION / COMPANY: the transactions of one region or company (its snapshot at ingest). */
export type BudgetScopeKind =
  | 'ALL'
  | 'COMPANY'
  | 'REGION';

/** Inclusive UTC date range and optional lists; an absent or empty list means all values. */
export type DashboardFilter = {
  companies?: Array<string> | null | undefined;
  from?: string | null | undefined;
  models?: Array<string> | null | undefined;
  regions?: Array<string> | null | undefined;
  to?: string | null | undefined;
};

export type FileKind =
  | 'TRANSACTIONS'
  | 'USERS';

/** Trend bucket: a UTC day, an ISO week (starting Monday) or a calendar month. */
export type Granularity =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

export type JobStage =
  | 'AGGREGATES'
  | 'TRANSACTIONS'
  | 'USERS';

export type JobStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'COMPLETED_WITH_ERRORS'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** ADMIN: every operation; VIEWER: queries and subscriptions (AUTH_TOKENS). Without auth every caller is ADMIN. */
export type Role =
  | 'ADMIN'
  | 'VIEWER';

export type SetBudgetInput = {
  /** USD per calendar month (UTC), > 0. */
  monthlyLimit: number;
  scope: BudgetScopeInput;
  /** Percents of the limit that raise an alert, each > 0; default [50, 80, 100]. */
  thresholds?: Array<number> | null | undefined;
};

export type BudgetFieldsFragment = { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } };

export type BudgetAlertFieldsFragment = { __typename: 'BudgetAlert', id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } } };

export type BudgetsQueryVariables = Exact<{
  month?: string | null | undefined;
}>;


export type BudgetsQuery = { __typename: 'Query', budgets: Array<{ __typename: 'BudgetStatus', month: string, spent: number, percentUsed: number, projectedSpend: number, projectedPercent: number, exhaustionDate: string | null, budget: { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } } }> };

export type BudgetAlertsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BudgetAlertsQuery = { __typename: 'Query', budgetAlerts: { __typename: 'BudgetAlertConnection', edges: Array<{ __typename: 'BudgetAlertEdge', cursor: string, node: { __typename: 'BudgetAlert', id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } } } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type BudgetAlertsLiveSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type BudgetAlertsLiveSubscription = { budgetAlerts: { __typename: 'BudgetAlert', id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } } } };

export type SetBudgetMutationVariables = Exact<{
  input: SetBudgetInput;
}>;


export type SetBudgetMutation = { __typename: 'Mutation', setBudget: { __typename: 'Budget', id: string, monthlyLimit: number, thresholds: Array<number>, scope: { __typename: 'BudgetScope', kind: BudgetScopeKind, value: string | null } } };

export type DeleteBudgetMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteBudgetMutation = { __typename: 'Mutation', deleteBudget: string };

export type KpiFieldsFragment = { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null };

export type DashboardSeriesFieldsFragment = { __typename: 'Dashboard', spendTrend: Array<{ __typename: 'TrendPoint', bucketStart: string, cost: number, totalTokens: number, conversations: number, activeUsers: number }>, spendAnomalies: Array<{ __typename: 'SpendAnomaly', date: string, cost: number, baseline: number, score: number, direction: AnomalyDirection }>, costByModel: Array<{ __typename: 'ModelCost', model: string, cost: number, promptTokens: number, completionTokens: number, conversations: number, efficiency: number | null }>, costByRegion: Array<{ __typename: 'RegionCost', region: string, cost: number, conversations: number, activeUsers: number }>, topCompanies: Array<{ __typename: 'CompanyCost', company: string, cost: number, conversations: number, activeUsers: number, highestUsedModel: string | null }>, subscribers: Array<{ __typename: 'RegionSubscribers', region: string, active: number, inactive: number, engaged: number }>, exportUrls: { __typename: 'DashboardExportUrls', spendTrend: string, costByModel: string, costByRegion: string, topCompanies: string } };

export type DashboardFiltersQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardFiltersQuery = { __typename: 'Query', dashboard: { __typename: 'Dashboard', id: string, regions: Array<string>, companies: Array<string>, models: Array<string>, dateRange: { __typename: 'DateRange', min: string, max: string } | null } };

export type DashboardQueryVariables = Exact<{
  filter?: DashboardFilter | null | undefined;
  granularity?: Granularity | null | undefined;
  limit?: number | null | undefined;
}>;


export type DashboardQuery = { __typename: 'Query', dashboard: { __typename: 'Dashboard', id: string, kpis: { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, previousPeriod: { __typename: 'PeriodKpis', from: string, to: string, kpis: { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null } } | null, dateRange: { __typename: 'DateRange', min: string, max: string } | null, meta: { __typename: 'DashboardMeta', asOf: string | null, lastJobId: string | null }, spendTrend: Array<{ __typename: 'TrendPoint', bucketStart: string, cost: number, totalTokens: number, conversations: number, activeUsers: number }>, spendAnomalies: Array<{ __typename: 'SpendAnomaly', date: string, cost: number, baseline: number, score: number, direction: AnomalyDirection }>, costByModel: Array<{ __typename: 'ModelCost', model: string, cost: number, promptTokens: number, completionTokens: number, conversations: number, efficiency: number | null }>, costByRegion: Array<{ __typename: 'RegionCost', region: string, cost: number, conversations: number, activeUsers: number }>, topCompanies: Array<{ __typename: 'CompanyCost', company: string, cost: number, conversations: number, activeUsers: number, highestUsedModel: string | null }>, subscribers: Array<{ __typename: 'RegionSubscribers', region: string, active: number, inactive: number, engaged: number }>, exportUrls: { __typename: 'DashboardExportUrls', spendTrend: string, costByModel: string, costByRegion: string, topCompanies: string } } };

export type DashboardKpisQueryVariables = Exact<{
  filter?: DashboardFilter | null | undefined;
}>;


export type DashboardKpisQuery = { __typename: 'Query', dashboard: { __typename: 'Dashboard', id: string, kpis: { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, previousPeriod: { __typename: 'PeriodKpis', from: string, to: string, kpis: { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null } } | null, meta: { __typename: 'DashboardMeta', asOf: string | null, lastJobId: string | null } } };

export type DashboardChartsQueryVariables = Exact<{
  filter?: DashboardFilter | null | undefined;
  granularity?: Granularity | null | undefined;
  limit?: number | null | undefined;
}>;


export type DashboardChartsQuery = { __typename: 'Query', dashboard: { __typename: 'Dashboard', id: string, spendTrend: Array<{ __typename: 'TrendPoint', bucketStart: string, cost: number, totalTokens: number, conversations: number, activeUsers: number }>, spendAnomalies: Array<{ __typename: 'SpendAnomaly', date: string, cost: number, baseline: number, score: number, direction: AnomalyDirection }>, costByModel: Array<{ __typename: 'ModelCost', model: string, cost: number, promptTokens: number, completionTokens: number, conversations: number, efficiency: number | null }>, costByRegion: Array<{ __typename: 'RegionCost', region: string, cost: number, conversations: number, activeUsers: number }>, topCompanies: Array<{ __typename: 'CompanyCost', company: string, cost: number, conversations: number, activeUsers: number, highestUsedModel: string | null }>, subscribers: Array<{ __typename: 'RegionSubscribers', region: string, active: number, inactive: number, engaged: number }>, exportUrls: { __typename: 'DashboardExportUrls', spendTrend: string, costByModel: string, costByRegion: string, topCompanies: string } } };

export type DemoKpisQueryVariables = Exact<{ [key: string]: never; }>;


export type DemoKpisQuery = { __typename: 'Query', dashboard: { __typename: 'Dashboard', id: string, kpis: { __typename: 'Kpis', totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, dateRange: { __typename: 'DateRange', min: string, max: string } | null } };

export type JobFieldsFragment = { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> };

export type JobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: JobStatus | null | undefined;
}>;


export type JobsQuery = { __typename: 'Query', jobs: { __typename: 'JobConnection', edges: Array<{ __typename: 'JobEdge', cursor: string, node: { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type JobQueryVariables = Exact<{
  id: string | number;
  rejectedFirst?: number | null | undefined;
  rejectedAfter?: string | null | undefined;
}>;


export type JobQuery = { __typename: 'Query', job: { __typename: 'Job', rejectedRowsCsvUrl: string, id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, rejectedRows: { __typename: 'RejectedRowConnection', edges: Array<{ __typename: 'RejectedRowEdge', node: { __typename: 'RejectedRow', id: string, file: FileKind, line: number, column: string | null, reason: string, raw: string } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } }, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } | null };

export type UploadCsvMutationVariables = Exact<{
  users?: Blob | null | undefined;
  transactions?: Blob | null | undefined;
  dryRun?: boolean | null | undefined;
  usersFileName?: string | null | undefined;
  transactionsFileName?: string | null | undefined;
}>;


export type UploadCsvMutation = { __typename: 'Mutation', uploadCsv: { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type CancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelJobMutation = { __typename: 'Mutation', cancelJob: { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type RetryJobMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryJobMutation = { __typename: 'Mutation', retryJob: { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type JobProgressSubscriptionVariables = Exact<{
  jobId: string | number;
}>;


export type JobProgressSubscription = { jobProgress: { __typename: 'JobProgress', jobId: string, status: JobStatus, stage: JobStage | null, processedRows: number, totalRows: number | null, totalRowsEstimated: boolean, processedBytes: number, totalBytes: number, percent: number, rowsPerSecond: number, etaSeconds: number | null, rejectedRows: number, sequence: number, updatedAt: string, publishedAt: string } };

export type JobUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type JobUpdatedSubscription = { jobUpdated: { __typename: 'JobUpdate', jobId: string, status: JobStatus, stage: JobStage | null, sequence: number, job: { __typename: 'Job', id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ __typename: 'StageTiming', stage: JobStage, ms: number }>, files: Array<{ __typename: 'JobFile', id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } | null } };

export type ViewerRoleQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerRoleQuery = { __typename: 'Query', viewerRole: Role };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const BudgetFieldsFragmentDoc = new TypedDocumentString(`
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}
    `, {"fragmentName":"BudgetFields"}) as unknown as TypedDocumentString<BudgetFieldsFragment, unknown>;
export const BudgetAlertFieldsFragmentDoc = new TypedDocumentString(`
    fragment BudgetAlertFields on BudgetAlert {
  __typename
  id
  budget {
    __typename
    ...BudgetFields
  }
  month
  threshold
  spent
  percentUsed
  jobId
  createdAt
}
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"fragmentName":"BudgetAlertFields"}) as unknown as TypedDocumentString<BudgetAlertFieldsFragment, unknown>;
export const KpiFieldsFragmentDoc = new TypedDocumentString(`
    fragment KpiFields on Kpis {
  __typename
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
    `, {"fragmentName":"KpiFields"}) as unknown as TypedDocumentString<KpiFieldsFragment, unknown>;
export const DashboardSeriesFieldsFragmentDoc = new TypedDocumentString(`
    fragment DashboardSeriesFields on Dashboard {
  __typename
  spendTrend(granularity: $granularity) {
    __typename
    bucketStart
    cost
    totalTokens
    conversations
    activeUsers
  }
  spendAnomalies {
    __typename
    date
    cost
    baseline
    score
    direction
  }
  costByModel {
    __typename
    model
    cost
    promptTokens
    completionTokens
    conversations
    efficiency
  }
  costByRegion {
    __typename
    region
    cost
    conversations
    activeUsers
  }
  topCompanies(limit: $limit) {
    __typename
    company
    cost
    conversations
    activeUsers
    highestUsedModel
  }
  subscribers {
    __typename
    region
    active
    inactive
    engaged
  }
  exportUrls {
    __typename
    spendTrend(granularity: $granularity)
    costByModel
    costByRegion
    topCompanies(limit: $limit)
  }
}
    `, {"fragmentName":"DashboardSeriesFields"}) as unknown as TypedDocumentString<DashboardSeriesFieldsFragment, unknown>;
export const JobFieldsFragmentDoc = new TypedDocumentString(`
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}
    `, {"fragmentName":"JobFields"}) as unknown as TypedDocumentString<JobFieldsFragment, unknown>;
export const BudgetsDocument = new TypedDocumentString(`
    query Budgets($month: String) {
  __typename
  budgets(month: $month) {
    __typename
    budget {
      __typename
      ...BudgetFields
    }
    month
    spent
    percentUsed
    projectedSpend
    projectedPercent
    exhaustionDate
  }
}
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"hash":"sha256:3a2b8b98647eacb32ed5458b576f907790f7c6ac511cbfa59b42901721b643a3"}) as unknown as TypedDocumentString<BudgetsQuery, BudgetsQueryVariables>;
export const BudgetAlertsDocument = new TypedDocumentString(`
    query BudgetAlerts($first: Int, $after: String) {
  __typename
  budgetAlerts(first: $first, after: $after) {
    __typename
    edges {
      __typename
      cursor
      node {
        __typename
        ...BudgetAlertFields
      }
    }
    pageInfo {
      __typename
      hasNextPage
      endCursor
    }
  }
}
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}
fragment BudgetAlertFields on BudgetAlert {
  __typename
  id
  budget {
    __typename
    ...BudgetFields
  }
  month
  threshold
  spent
  percentUsed
  jobId
  createdAt
}`, {"hash":"sha256:ac74cf12121ff39bc404fee03ba306fa3918653f9d11f9a14b44ec10324f31eb"}) as unknown as TypedDocumentString<BudgetAlertsQuery, BudgetAlertsQueryVariables>;
export const BudgetAlertsLiveDocument = new TypedDocumentString(`
    subscription BudgetAlertsLive {
  budgetAlerts {
    __typename
    ...BudgetAlertFields
  }
}
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}
fragment BudgetAlertFields on BudgetAlert {
  __typename
  id
  budget {
    __typename
    ...BudgetFields
  }
  month
  threshold
  spent
  percentUsed
  jobId
  createdAt
}`, {"hash":"sha256:165586b57482d91338d72c966ae005f5026a6b6bd454e2df1ed84c52e1ed4edd"}) as unknown as TypedDocumentString<BudgetAlertsLiveSubscription, BudgetAlertsLiveSubscriptionVariables>;
export const SetBudgetDocument = new TypedDocumentString(`
    mutation SetBudget($input: SetBudgetInput!) {
  __typename
  setBudget(input: $input) {
    __typename
    ...BudgetFields
  }
}
    fragment BudgetFields on Budget {
  __typename
  id
  scope {
    __typename
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"hash":"sha256:991f5d0d09cccbd14f6eed7341878f6108fdbc7ff957c082bd41886f11d7988c"}) as unknown as TypedDocumentString<SetBudgetMutation, SetBudgetMutationVariables>;
export const DeleteBudgetDocument = new TypedDocumentString(`
    mutation DeleteBudget($id: ID!) {
  __typename
  deleteBudget(id: $id)
}
    `, {"hash":"sha256:d336f19a6307b1d346e1d6c8ec92d46b7b7203e39dcc993ad209ea5105f82424"}) as unknown as TypedDocumentString<DeleteBudgetMutation, DeleteBudgetMutationVariables>;
export const DashboardFiltersDocument = new TypedDocumentString(`
    query DashboardFilters {
  __typename
  dashboard {
    __typename
    id
    dateRange {
      __typename
      min
      max
    }
    regions
    companies
    models
  }
}
    `, {"hash":"sha256:46dc7f0e4a9d56ea1208b80ae888f4ad8eb998a8e01fe05f5dfdd9eb02ddb071"}) as unknown as TypedDocumentString<DashboardFiltersQuery, DashboardFiltersQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
  __typename
  dashboard(filter: $filter) {
    __typename
    id
    kpis {
      __typename
      ...KpiFields
    }
    previousPeriod {
      __typename
      from
      to
      kpis {
        __typename
        ...KpiFields
      }
    }
    ...DashboardSeriesFields
    dateRange {
      __typename
      min
      max
    }
    meta {
      __typename
      asOf
      lastJobId
    }
  }
}
    fragment KpiFields on Kpis {
  __typename
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
fragment DashboardSeriesFields on Dashboard {
  __typename
  spendTrend(granularity: $granularity) {
    __typename
    bucketStart
    cost
    totalTokens
    conversations
    activeUsers
  }
  spendAnomalies {
    __typename
    date
    cost
    baseline
    score
    direction
  }
  costByModel {
    __typename
    model
    cost
    promptTokens
    completionTokens
    conversations
    efficiency
  }
  costByRegion {
    __typename
    region
    cost
    conversations
    activeUsers
  }
  topCompanies(limit: $limit) {
    __typename
    company
    cost
    conversations
    activeUsers
    highestUsedModel
  }
  subscribers {
    __typename
    region
    active
    inactive
    engaged
  }
  exportUrls {
    __typename
    spendTrend(granularity: $granularity)
    costByModel
    costByRegion
    topCompanies(limit: $limit)
  }
}`, {"hash":"sha256:992af1eb975f30adb4707a13debd926bae9757c841629cb586287ebc5e5e7d97"}) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const DashboardKpisDocument = new TypedDocumentString(`
    query DashboardKpis($filter: DashboardFilter) {
  __typename
  dashboard(filter: $filter) {
    __typename
    id
    kpis {
      __typename
      ...KpiFields
    }
    previousPeriod {
      __typename
      from
      to
      kpis {
        __typename
        ...KpiFields
      }
    }
    meta {
      __typename
      asOf
      lastJobId
    }
  }
}
    fragment KpiFields on Kpis {
  __typename
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
}`, {"hash":"sha256:dac58691e7455702001d125b09620dc3291b544aa03522e643c330b154015bae"}) as unknown as TypedDocumentString<DashboardKpisQuery, DashboardKpisQueryVariables>;
export const DashboardChartsDocument = new TypedDocumentString(`
    query DashboardCharts($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
  __typename
  dashboard(filter: $filter) {
    __typename
    id
    ...DashboardSeriesFields
  }
}
    fragment DashboardSeriesFields on Dashboard {
  __typename
  spendTrend(granularity: $granularity) {
    __typename
    bucketStart
    cost
    totalTokens
    conversations
    activeUsers
  }
  spendAnomalies {
    __typename
    date
    cost
    baseline
    score
    direction
  }
  costByModel {
    __typename
    model
    cost
    promptTokens
    completionTokens
    conversations
    efficiency
  }
  costByRegion {
    __typename
    region
    cost
    conversations
    activeUsers
  }
  topCompanies(limit: $limit) {
    __typename
    company
    cost
    conversations
    activeUsers
    highestUsedModel
  }
  subscribers {
    __typename
    region
    active
    inactive
    engaged
  }
  exportUrls {
    __typename
    spendTrend(granularity: $granularity)
    costByModel
    costByRegion
    topCompanies(limit: $limit)
  }
}`, {"hash":"sha256:3abecb6ac26d9984f971ee2e54bf7974790dcc9dc2b090569d33672a9e7fc576"}) as unknown as TypedDocumentString<DashboardChartsQuery, DashboardChartsQueryVariables>;
export const DemoKpisDocument = new TypedDocumentString(`
    query DemoKpis {
  __typename
  dashboard {
    __typename
    id
    kpis {
      __typename
      ...KpiFields
    }
    dateRange {
      __typename
      min
      max
    }
  }
}
    fragment KpiFields on Kpis {
  __typename
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
}`, {"hash":"sha256:e7c12724f3c2b03388d8a5c65812c8096aec8896bc781d28127c3d6fd44298e2"}) as unknown as TypedDocumentString<DemoKpisQuery, DemoKpisQueryVariables>;
export const JobsDocument = new TypedDocumentString(`
    query Jobs($first: Int, $after: String, $status: JobStatus) {
  __typename
  jobs(first: $first, after: $after, status: $status) {
    __typename
    edges {
      __typename
      cursor
      node {
        __typename
        ...JobFields
      }
    }
    pageInfo {
      __typename
      hasNextPage
      endCursor
    }
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:4c20f40a0544c7fe973ffd2da2bac3e90d5a72969e2cebf0084503df992d1ca3"}) as unknown as TypedDocumentString<JobsQuery, JobsQueryVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {
  __typename
  job(id: $id) {
    __typename
    ...JobFields
    rejectedRowsCsvUrl
    rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {
      __typename
      edges {
        __typename
        node {
          __typename
          id
          file
          line
          column
          reason
          raw
        }
      }
      pageInfo {
        __typename
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:9c5360a377e7a5fba3234d10d0ac3ab5d3109a4d84a29477c1fcafd8a206bfac"}) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const UploadCsvDocument = new TypedDocumentString(`
    mutation UploadCsv($users: File, $transactions: File, $dryRun: Boolean = false, $usersFileName: String, $transactionsFileName: String) {
  __typename
  uploadCsv(
    users: $users
    transactions: $transactions
    dryRun: $dryRun
    usersFileName: $usersFileName
    transactionsFileName: $transactionsFileName
  ) {
    __typename
    ...JobFields
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:3a615ae2ec005de043c47e2871bbdc4ce6f9c1f0be4c270ec3a8559f82786ea8"}) as unknown as TypedDocumentString<UploadCsvMutation, UploadCsvMutationVariables>;
export const CancelJobDocument = new TypedDocumentString(`
    mutation CancelJob($id: ID!) {
  __typename
  cancelJob(id: $id) {
    __typename
    ...JobFields
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:b57c6b18e1833d78115a475ac142771bfddbc8089f9e994bd8fc8c98778f031d"}) as unknown as TypedDocumentString<CancelJobMutation, CancelJobMutationVariables>;
export const RetryJobDocument = new TypedDocumentString(`
    mutation RetryJob($id: ID!) {
  __typename
  retryJob(id: $id) {
    __typename
    ...JobFields
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:f8480b4a4eb8ea3b4c7a7fbc314a8f1a5545d7b4cebd2500d7a4f000268b7ac4"}) as unknown as TypedDocumentString<RetryJobMutation, RetryJobMutationVariables>;
export const JobProgressDocument = new TypedDocumentString(`
    subscription JobProgress($jobId: ID!) {
  jobProgress(jobId: $jobId) {
    __typename
    jobId
    status
    stage
    processedRows
    totalRows
    totalRowsEstimated
    processedBytes
    totalBytes
    percent
    rowsPerSecond
    etaSeconds
    rejectedRows
    sequence
    updatedAt
    publishedAt
  }
}
    `, {"hash":"sha256:00065af78ffe705d412ef2f3fffc5266ae21804a0c6ddd1d892938a12a5f1921"}) as unknown as TypedDocumentString<JobProgressSubscription, JobProgressSubscriptionVariables>;
export const JobUpdatedDocument = new TypedDocumentString(`
    subscription JobUpdated {
  jobUpdated {
    __typename
    jobId
    status
    stage
    sequence
    job {
      __typename
      ...JobFields
    }
  }
}
    fragment JobFields on Job {
  __typename
  id
  status
  dryRun
  stage
  createdAt
  startedAt
  finishedAt
  error
  warnings
  stageTimings {
    __typename
    stage
    ms
  }
  files {
    __typename
    id
    kind
    name
    sizeBytes
    sha256
    totalRows
    insertedRows
    updatedRows
    unchangedRows
    rejectedRows
  }
}`, {"hash":"sha256:511875f57980c9a52516bf58496c4234c8a6ae5ba4aca35564c6c6f50a43c3d0"}) as unknown as TypedDocumentString<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;
export const ViewerRoleDocument = new TypedDocumentString(`
    query ViewerRole {
  __typename
  viewerRole
}
    `, {"hash":"sha256:bc07031af51577c9e0b44d8df60637aa3d8ffcdb34fc60105ff77e1f07e661d2"}) as unknown as TypedDocumentString<ViewerRoleQuery, ViewerRoleQueryVariables>;