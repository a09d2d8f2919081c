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

export type KpiFieldsFragment = { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null };

export type DashboardFiltersQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardFiltersQuery = { dashboard: { id: string, regions: Array<string>, companies: Array<string>, models: Array<string>, dateRange: { min: string, max: string } | null } };

export type DashboardQueryVariables = Exact<{
  filter?: DashboardFilter | null | undefined;
  granularity?: Granularity | null | undefined;
  limit?: number | null | undefined;
}>;


export type DashboardQuery = { dashboard: { id: string, kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, previousPeriod: { from: string, to: string, kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null } } | null, spendTrend: Array<{ bucketStart: string, cost: number, totalTokens: number, conversations: number, activeUsers: number }>, spendAnomalies: Array<{ date: string, cost: number, baseline: number, score: number, direction: AnomalyDirection }>, costByModel: Array<{ model: string, cost: number, promptTokens: number, completionTokens: number, conversations: number, efficiency: number | null }>, costByRegion: Array<{ region: string, cost: number, conversations: number, activeUsers: number }>, topCompanies: Array<{ company: string, cost: number, conversations: number, activeUsers: number, highestUsedModel: string | null }>, subscribers: Array<{ region: string, active: number, inactive: number, engaged: number }>, dateRange: { min: string, max: string } | null, meta: { asOf: string | null, lastJobId: string | null }, exportUrls: { spendTrend: string, costByModel: string, costByRegion: string, topCompanies: string } } };

export type DemoKpisQueryVariables = Exact<{ [key: string]: never; }>;


export type DemoKpisQuery = { dashboard: { id: string, kpis: { totalCost: number, promptTokens: number, completionTokens: number, totalTokens: number, conversations: number, activeDays: number, avgSpendPerDay: number | null, avgTokensPerDay: number | null, avgTokensPerConversation: number | null, highestUsedModel: string | null, leastUsedModel: string | null, costliestModel: string | null, modelEfficiency: number | null, activeSubscriberUtilization: number | null }, dateRange: { min: string, max: string } | null } };

export type JobFieldsFragment = { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> };

export type JobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: JobStatus | null | undefined;
}>;


export type JobsQuery = { jobs: { edges: Array<{ cursor: string, node: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type JobQueryVariables = Exact<{
  id: string | number;
  rejectedFirst?: number | null | undefined;
  rejectedAfter?: string | null | undefined;
}>;


export type JobQuery = { job: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, rejectedRows: { edges: Array<{ node: { id: string, file: FileKind, line: number, column: string | null, reason: string, raw: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } | null };

export type UploadCsvMutationVariables = Exact<{
  users?: File | null | undefined;
  transactions?: File | null | undefined;
  usersFileName?: string | null | undefined;
  transactionsFileName?: string | null | undefined;
}>;


export type UploadCsvMutation = { uploadCsv: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type CancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelJobMutation = { cancelJob: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type RetryJobMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryJobMutation = { retryJob: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } };

export type JobProgressSubscriptionVariables = Exact<{
  jobId: string | number;
}>;


export type JobProgressSubscription = { jobProgress: { jobId: string, status: JobStatus, stage: JobStage | null, processedRows: number, totalRows: number | null, totalRowsEstimated: boolean, processedBytes: number, totalBytes: number, percent: number, rowsPerSecond: number, etaSeconds: number | null, rejectedRows: number, sequence: number, updatedAt: string, publishedAt: string } };

export type JobUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type JobUpdatedSubscription = { jobUpdated: { jobId: string, status: JobStatus, stage: JobStage | null, sequence: number, job: { id: string, status: JobStatus, stage: JobStage | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, warnings: Array<string>, stageTimings: Array<{ stage: JobStage, ms: number }>, files: Array<{ id: string, kind: FileKind, name: string, sizeBytes: number, sha256: string, totalRows: number, insertedRows: number, updatedRows: number, unchangedRows: number, rejectedRows: number }> } | null } };

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
export const DashboardFiltersDocument = new TypedDocumentString(`
    query DashboardFilters {
  dashboard {
    id
    dateRange {
      min
      max
    }
    regions
    companies
    models
  }
}
    `, {"hash":"sha256:66e1c735a089604876650aaf8f6970165ce9148cccb46d8e93d45f8e98a83436"}) as unknown as TypedDocumentString<DashboardFiltersQuery, DashboardFiltersQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {
  dashboard(filter: $filter) {
    id
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
}`, {"hash":"sha256:0e61ae28f8d8680f796035383dcd2de94d8034e56a6a4a00703c1289d7176fca"}) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const DemoKpisDocument = new TypedDocumentString(`
    query DemoKpis {
  dashboard {
    id
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
}`, {"hash":"sha256:95e0260f2714f4a3a259172deb7a0ed2ee9d271a068b0984a4dbe6b68a9fd443"}) as unknown as TypedDocumentString<DemoKpisQuery, DemoKpisQueryVariables>;
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
}`, {"hash":"sha256:61a86a8add13a44be11d7612e985d0b71aa875d5bc1c46e580a3502e510d9094"}) as unknown as TypedDocumentString<JobsQuery, JobsQueryVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {
  job(id: $id) {
    ...JobFields
    rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {
      edges {
        node {
          id
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
}`, {"hash":"sha256:e579340dde2a442e080cfcff7409f54d1c22b23ec059c279b775c5eacff73926"}) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const UploadCsvDocument = new TypedDocumentString(`
    mutation UploadCsv($users: File, $transactions: File, $usersFileName: String, $transactionsFileName: String) {
  uploadCsv(
    users: $users
    transactions: $transactions
    usersFileName: $usersFileName
    transactionsFileName: $transactionsFileName
  ) {
    ...JobFields
  }
}
    fragment JobFields on Job {
  id
  status
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
}`, {"hash":"sha256:c1ffd537ae1f2934a7abc796623b6e62060e4fb16d6dc90f2692266fcc34a0c1"}) as unknown as TypedDocumentString<UploadCsvMutation, UploadCsvMutationVariables>;
export const CancelJobDocument = new TypedDocumentString(`
    mutation CancelJob($id: ID!) {
  cancelJob(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
  id
  status
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
}`, {"hash":"sha256:998d365e4bb2d6a389464e7c5fd8adc8fa5fcdb2ace6205f6e25472514877479"}) as unknown as TypedDocumentString<CancelJobMutation, CancelJobMutationVariables>;
export const RetryJobDocument = new TypedDocumentString(`
    mutation RetryJob($id: ID!) {
  retryJob(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
  id
  status
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
}`, {"hash":"sha256:3ad2bec6c31cdac7014ee01d8760b17c6c9507932f204cd8d78ca817b01df58a"}) as unknown as TypedDocumentString<RetryJobMutation, RetryJobMutationVariables>;
export const JobProgressDocument = new TypedDocumentString(`
    subscription JobProgress($jobId: ID!) {
  jobProgress(jobId: $jobId) {
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
    `, {"hash":"sha256:775e89f4d34959e14796c473dfd15aefd399325ecf41ebc04232a381d8530c37"}) as unknown as TypedDocumentString<JobProgressSubscription, JobProgressSubscriptionVariables>;
export const JobUpdatedDocument = new TypedDocumentString(`
    subscription JobUpdated {
  jobUpdated {
    jobId
    status
    stage
    sequence
    job {
      ...JobFields
    }
  }
}
    fragment JobFields on Job {
  id
  status
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
}`, {"hash":"sha256:a3a9c21a3b5902b25ead2dcca199e16af81e92f05dac6a63f2cfae0893d060fd"}) as unknown as TypedDocumentString<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;