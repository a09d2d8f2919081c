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

export type SetBudgetInput = {
  /** USD per calendar month (UTC), > 0. */
  monthlyLimit: number;
  scope: BudgetScopeInput;
  /** Percents of the limit that raise an alert, each > 0; default [50, 80, 100]. */
  thresholds?: Array<number> | null | undefined;
};

export type BudgetFieldsFragment = { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } };

export type BudgetAlertFieldsFragment = { id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } } };

export type BudgetsQueryVariables = Exact<{
  month?: string | null | undefined;
}>;


export type BudgetsQuery = { budgets: Array<{ month: string, spent: number, percentUsed: number, projectedSpend: number, projectedPercent: number, exhaustionDate: string | null, budget: { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } } }> };

export type BudgetAlertsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BudgetAlertsQuery = { budgetAlerts: { edges: Array<{ cursor: string, node: { id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type BudgetAlertsLiveSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type BudgetAlertsLiveSubscription = { budgetAlerts: { id: string, month: string, threshold: number, spent: number, percentUsed: number, jobId: string, createdAt: string, budget: { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } } } };

export type SetBudgetMutationVariables = Exact<{
  input: SetBudgetInput;
}>;


export type SetBudgetMutation = { setBudget: { id: string, monthlyLimit: number, thresholds: Array<number>, scope: { kind: BudgetScopeKind, value: string | null } } };

export type DeleteBudgetMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteBudgetMutation = { deleteBudget: string };

export type KpiFieldsFragment = { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null };

export type DashboardFiltersQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardFiltersQuery = { dashboard: { regions: Array<string>, companies: Array<string>, models: Array<string>, dateRange: { min: string, max: string } | null } };

export type DashboardQueryVariables = Exact<{
  filter?: DashboardFilter | null | undefined;
  granularity?: Granularity | null | undefined;
  limit?: number | null | undefined;
}>;


export type DashboardQuery = { dashboard: { kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, previousPeriod: { from: string, to: string, kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null } } | null, spendTrend: Array<{ bucketStart: string, cost: number, totalTokens: number, conversations: number, activeUsers: number }>, spendAnomalies: Array<{ date: string, cost: number, baseline: number, score: number, direction: AnomalyDirection }>, costByModel: Array<{ model: string, cost: number, promptTokens: number, completionTokens: number, conversations: number, efficiency: number | null }>, costByRegion: Array<{ region: string, cost: number, conversations: number, activeUsers: number }>, topCompanies: Array<{ company: string, cost: number, conversations: number, activeUsers: number, highestUsedModel: string | null }>, subscribers: Array<{ region: string, active: number, inactive: number, engaged: number }>, dateRange: { min: string, max: string } | null, meta: { asOf: string | null, lastJobId: string | null }, exportUrls: { spendTrend: string, costByModel: string, costByRegion: string, topCompanies: string } } };

export type DemoKpisQueryVariables = Exact<{ [key: string]: never; }>;


export type DemoKpisQuery = { dashboard: { kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, dateRange: { min: string, max: string } | null } };

export type JobFieldsFragment = { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> };

export type JobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: JobStatus | null | undefined;
}>;


export type JobsQuery = { jobs: { edges: Array<{ cursor: string, node: { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type JobQueryVariables = Exact<{
  id: string | number;
  rejectedFirst?: number | null | undefined;
  rejectedAfter?: string | null | undefined;
}>;


export type JobQuery = { job: { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, rejectedRows: { edges: Array<{ node: { file: FileKind, line: number, column: string | null, reason: string, raw: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } | null };

export type UploadCsvMutationVariables = Exact<{
  users?: File | null | undefined;
  transactions?: File | null | undefined;
  dryRun?: boolean | null | undefined;
}>;


export type UploadCsvMutation = { uploadCsv: { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type CancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelJobMutation = { cancelJob: { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type RetryJobMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryJobMutation = { retryJob: { id: string, status: JobStatus, dryRun: boolean, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type JobProgressSubscriptionVariables = Exact<{
  jobId: string | number;
}>;


export type JobProgressSubscription = { jobProgress: { jobId: string, status: JobStatus, stage: JobStage | null, processedRows: number, totalRows: number | null, processedBytes: number, totalBytes: number, percent: number, rowsPerSecond: number, etaSeconds: number | null, rejectedRows: number, sequence: number, updatedAt: string, publishedAt: string } };

export type JobUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type JobUpdatedSubscription = { jobUpdated: { jobId: string, status: JobStatus, stage: JobStage | null, job: { id: string, status: JobStatus, stage: JobStage | null, finishedAt: string | null } | null } };

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
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}
    `, {"fragmentName":"BudgetFields"}) as unknown as TypedDocumentString<BudgetFieldsFragment, unknown>;
export const BudgetAlertFieldsFragmentDoc = new TypedDocumentString(`
    fragment BudgetAlertFields on BudgetAlert {
  id
  budget {
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
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"fragmentName":"BudgetAlertFields"}) as unknown as TypedDocumentString<BudgetAlertFieldsFragment, unknown>;
export const KpiFieldsFragmentDoc = new TypedDocumentString(`
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
    `, {"fragmentName":"KpiFields"}) as unknown as TypedDocumentString<KpiFieldsFragment, unknown>;
export const JobFieldsFragmentDoc = new TypedDocumentString(`
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
  budgets(month: $month) {
    budget {
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
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"hash":"sha256:53d604e170a5b143e522d313d4860456a562a40e048862560d87beacb97fff44"}) as unknown as TypedDocumentString<BudgetsQuery, BudgetsQueryVariables>;
export const BudgetAlertsDocument = new TypedDocumentString(`
    query BudgetAlerts($first: Int, $after: String) {
  budgetAlerts(first: $first, after: $after) {
    edges {
      cursor
      node {
        ...BudgetAlertFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment BudgetFields on Budget {
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}
fragment BudgetAlertFields on BudgetAlert {
  id
  budget {
    ...BudgetFields
  }
  month
  threshold
  spent
  percentUsed
  jobId
  createdAt
}`, {"hash":"sha256:1f9ec9f4136ae5d4e7251dd6ba7deebe7fda4e20eca646e961eca797417fa297"}) as unknown as TypedDocumentString<BudgetAlertsQuery, BudgetAlertsQueryVariables>;
export const BudgetAlertsLiveDocument = new TypedDocumentString(`
    subscription BudgetAlertsLive {
  budgetAlerts {
    ...BudgetAlertFields
  }
}
    fragment BudgetFields on Budget {
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}
fragment BudgetAlertFields on BudgetAlert {
  id
  budget {
    ...BudgetFields
  }
  month
  threshold
  spent
  percentUsed
  jobId
  createdAt
}`, {"hash":"sha256:31effa99fa1b649ba091c51fb5b2d91d32fd2fa3b2fbd3e177f191b036f95462"}) as unknown as TypedDocumentString<BudgetAlertsLiveSubscription, BudgetAlertsLiveSubscriptionVariables>;
export const SetBudgetDocument = new TypedDocumentString(`
    mutation SetBudget($input: SetBudgetInput!) {
  setBudget(input: $input) {
    ...BudgetFields
  }
}
    fragment BudgetFields on Budget {
  id
  scope {
    kind
    value
  }
  monthlyLimit
  thresholds
}`, {"hash":"sha256:d3cce448443e840710f5239937fb8425d3e4ef6e699ec31e16536bd40f3eee6e"}) as unknown as TypedDocumentString<SetBudgetMutation, SetBudgetMutationVariables>;
export const DeleteBudgetDocument = new TypedDocumentString(`
    mutation DeleteBudget($id: ID!) {
  deleteBudget(id: $id)
}
    `, {"hash":"sha256:5cad4ff63d95849b99c46eeaec1c528c456790a70122a6c2357e41a590e17b34"}) as unknown as TypedDocumentString<DeleteBudgetMutation, DeleteBudgetMutationVariables>;
export const DashboardFiltersDocument = new TypedDocumentString(`
    query DashboardFilters {
  dashboard {
    dateRange {
      min
      max
    }
    regions
    companies
    models
  }
}
    `, {"hash":"sha256:ef4c2376f608c73017d76edf827e4d1ed1261e810755fb73c8cc28ecff5a6d8a"}) as unknown as TypedDocumentString<DashboardFiltersQuery, DashboardFiltersQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
  dashboard(filter: $filter) {
    kpis {
      ...KpiFields
    }
    previousPeriod {
      from
      to
      kpis {
        ...KpiFields
      }
    }
    spendTrend(granularity: $granularity) {
      bucketStart
      cost
      totalTokens
      conversations
      activeUsers
    }
    spendAnomalies {
      date
      cost
      baseline
      score
      direction
    }
    costByModel {
      model
      cost
      promptTokens
      completionTokens
      conversations
      efficiency
    }
    costByRegion {
      region
      cost
      conversations
      activeUsers
    }
    topCompanies(limit: $limit) {
      company
      cost
      conversations
      activeUsers
      highestUsedModel
    }
    subscribers {
      region
      active
      inactive
      engaged
    }
    dateRange {
      min
      max
    }
    meta {
      asOf
      lastJobId
    }
    exportUrls {
      spendTrend(granularity: $granularity)
      costByModel
      costByRegion
      topCompanies(limit: $limit)
    }
  }
}
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
}`, {"hash":"sha256:1ed7a7ca99017086e5e8c278765a084cea5f2bcbce1c15127c11ef40bef99385"}) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const DemoKpisDocument = new TypedDocumentString(`
    query DemoKpis {
  dashboard {
    kpis {
      ...KpiFields
    }
    dateRange {
      min
      max
    }
  }
}
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
}`, {"hash":"sha256:df41c506fde43227d64ed491e38160d135800b727b1d74e8694935f8b4ae4dea"}) as unknown as TypedDocumentString<DemoKpisQuery, DemoKpisQueryVariables>;
export const JobsDocument = new TypedDocumentString(`
    query Jobs($first: Int, $after: String, $status: JobStatus) {
  jobs(first: $first, after: $after, status: $status) {
    edges {
      cursor
      node {
        ...JobFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
}`, {"hash":"sha256:529ef74a4e092bf77e5e4328ebbe78bf6c285ebe9afe3d20b78f4c7f05774753"}) as unknown as TypedDocumentString<JobsQuery, JobsQueryVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {
  job(id: $id) {
    ...JobFields
    rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {
      edges {
        node {
          file
          line
          column
          reason
          raw
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
}`, {"hash":"sha256:23086c9dd9dac16065d453818f2a5e5e480c7c3373bb162811c3d5ab27ac7e57"}) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const UploadCsvDocument = new TypedDocumentString(`
    mutation UploadCsv($users: File, $transactions: File, $dryRun: Boolean = false) {
  uploadCsv(users: $users, transactions: $transactions, dryRun: $dryRun) {
    ...JobFields
  }
}
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
}`, {"hash":"sha256:e20266a135ca7b7cc2fb87b6f1e37c62e9db91f991ab04328eab25e180f16645"}) as unknown as TypedDocumentString<UploadCsvMutation, UploadCsvMutationVariables>;
export const CancelJobDocument = new TypedDocumentString(`
    mutation CancelJob($id: ID!) {
  cancelJob(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
}`, {"hash":"sha256:e6393c4f3ef2de4513ff371aaac03ee505b46cc5f953c113c2086712eee68ff6"}) as unknown as TypedDocumentString<CancelJobMutation, CancelJobMutationVariables>;
export const RetryJobDocument = new TypedDocumentString(`
    mutation RetryJob($id: ID!) {
  retryJob(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
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
    stage
    ms
  }
  files {
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
}`, {"hash":"sha256:de24a9bcddbbcf3cd6697034c07d051bcf215dbbbb02443bb4f7a2108b0f51da"}) as unknown as TypedDocumentString<RetryJobMutation, RetryJobMutationVariables>;
export const JobProgressDocument = new TypedDocumentString(`
    subscription JobProgress($jobId: ID!) {
  jobProgress(jobId: $jobId) {
    jobId
    status
    stage
    processedRows
    totalRows
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
    `, {"hash":"sha256:204ba59378ec372f60c68cd140033f9eecaac90ffd6c4ec84583110e8dd69da5"}) as unknown as TypedDocumentString<JobProgressSubscription, JobProgressSubscriptionVariables>;
export const JobUpdatedDocument = new TypedDocumentString(`
    subscription JobUpdated {
  jobUpdated {
    jobId
    status
    stage
    job {
      id
      status
      stage
      finishedAt
    }
  }
}
    `, {"hash":"sha256:db856d854da323fb628b535645f2b5fcc465e15acd2000e295998aeb5910acc6"}) as unknown as TypedDocumentString<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;