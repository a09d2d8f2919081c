/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment BudgetFields on Budget {\n    id\n    scope { kind value }\n    monthlyLimit\n    thresholds\n  }\n": typeof types.BudgetFieldsFragmentDoc,
    "\n  fragment BudgetAlertFields on BudgetAlert {\n    id\n    budget { ...BudgetFields }\n    month\n    threshold\n    spent\n    percentUsed\n    jobId\n    createdAt\n  }\n": typeof types.BudgetAlertFieldsFragmentDoc,
    "\n  query Budgets($month: String) {\n    budgets(month: $month) {\n      budget { ...BudgetFields }\n      month\n      spent\n      percentUsed\n      projectedSpend\n      projectedPercent\n      exhaustionDate\n    }\n  }\n": typeof types.BudgetsDocument,
    "\n  query BudgetAlerts($first: Int, $after: String) {\n    budgetAlerts(first: $first, after: $after) {\n      edges { cursor node { ...BudgetAlertFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.BudgetAlertsDocument,
    "\n  subscription BudgetAlertsLive {\n    budgetAlerts { ...BudgetAlertFields }\n  }\n": typeof types.BudgetAlertsLiveDocument,
    "\n  mutation SetBudget($input: SetBudgetInput!) {\n    setBudget(input: $input) { ...BudgetFields }\n  }\n": typeof types.SetBudgetDocument,
    "\n  mutation DeleteBudget($id: ID!) {\n    deleteBudget(id: $id)\n  }\n": typeof types.DeleteBudgetDocument,
    "\n  fragment KpiFields on Kpis {\n    totalCost\n    promptTokens\n    completionTokens\n    totalTokens\n    conversations\n    activeDays\n    avgSpendPerDay\n    avgTokensPerDay\n    avgTokensPerConversation\n    highestUsedModel\n    leastUsedModel\n    costliestModel\n    modelEfficiency\n    activeSubscriberUtilization\n  }\n": typeof types.KpiFieldsFragmentDoc,
    "\n  fragment DashboardSeriesFields on Dashboard {\n    spendTrend(granularity: $granularity) { bucketStart cost totalTokens conversations activeUsers }\n    spendAnomalies { date cost baseline score direction }\n    costByModel { model cost promptTokens completionTokens conversations efficiency }\n    costByRegion { region cost conversations activeUsers }\n    topCompanies(limit: $limit) { company cost conversations activeUsers highestUsedModel }\n    subscribers { region active inactive engaged }\n    exportUrls {\n      spendTrend(granularity: $granularity)\n      costByModel\n      costByRegion\n      topCompanies(limit: $limit)\n    }\n  }\n": typeof types.DashboardSeriesFieldsFragmentDoc,
    "\n  query DashboardFilters {\n    dashboard {\n      id\n      dateRange { min max }\n      regions\n      companies\n      models\n    }\n  }\n": typeof types.DashboardFiltersDocument,
    "\n  query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      ...DashboardSeriesFields\n      dateRange { min max }\n      meta { asOf lastJobId }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  query DashboardKpis($filter: DashboardFilter) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      meta { asOf lastJobId }\n    }\n  }\n": typeof types.DashboardKpisDocument,
    "\n  query DashboardCharts($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      ...DashboardSeriesFields\n    }\n  }\n": typeof types.DashboardChartsDocument,
    "\n  query DemoKpis {\n    dashboard {\n      id\n      kpis { ...KpiFields }\n      dateRange { min max }\n    }\n  }\n": typeof types.DemoKpisDocument,
    "\n  fragment JobFields on Job {\n    id\n    status\n    dryRun\n    stage\n    createdAt\n    startedAt\n    finishedAt\n    error\n    warnings\n    stageTimings { stage ms }\n    files { id kind name sizeBytes sha256 totalRows insertedRows updatedRows unchangedRows rejectedRows }\n  }\n": typeof types.JobFieldsFragmentDoc,
    "\n  query Jobs($first: Int, $after: String, $status: JobStatus) {\n    jobs(first: $first, after: $after, status: $status) {\n      edges { cursor node { ...JobFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.JobsDocument,
    "\n  query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {\n    job(id: $id) {\n      ...JobFields\n      rejectedRowsCsvUrl\n      rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {\n        edges { node { id file line column reason raw } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.JobDocument,
    "\n  mutation UploadCsv(\n    $users: File\n    $transactions: File\n    $dryRun: Boolean = false\n    $usersFileName: String\n    $transactionsFileName: String\n  ) {\n    uploadCsv(\n      users: $users\n      transactions: $transactions\n      dryRun: $dryRun\n      usersFileName: $usersFileName\n      transactionsFileName: $transactionsFileName\n    ) { ...JobFields }\n  }\n": typeof types.UploadCsvDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { ...JobFields }\n  }\n": typeof types.CancelJobDocument,
    "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { ...JobFields }\n  }\n": typeof types.RetryJobDocument,
    "\n  subscription JobProgress($jobId: ID!) {\n    jobProgress(jobId: $jobId) {\n      jobId\n      status\n      stage\n      processedRows\n      totalRows\n      totalRowsEstimated\n      processedBytes\n      totalBytes\n      percent\n      rowsPerSecond\n      etaSeconds\n      rejectedRows\n      sequence\n      updatedAt\n      publishedAt\n    }\n  }\n": typeof types.JobProgressDocument,
    "\n  subscription JobUpdated {\n    jobUpdated {\n      jobId\n      status\n      stage\n      sequence\n      job { ...JobFields }\n    }\n  }\n": typeof types.JobUpdatedDocument,
    "\n  query ViewerRole {\n    viewerRole\n  }\n": typeof types.ViewerRoleDocument,
};
const documents: Documents = {
    "\n  fragment BudgetFields on Budget {\n    id\n    scope { kind value }\n    monthlyLimit\n    thresholds\n  }\n": types.BudgetFieldsFragmentDoc,
    "\n  fragment BudgetAlertFields on BudgetAlert {\n    id\n    budget { ...BudgetFields }\n    month\n    threshold\n    spent\n    percentUsed\n    jobId\n    createdAt\n  }\n": types.BudgetAlertFieldsFragmentDoc,
    "\n  query Budgets($month: String) {\n    budgets(month: $month) {\n      budget { ...BudgetFields }\n      month\n      spent\n      percentUsed\n      projectedSpend\n      projectedPercent\n      exhaustionDate\n    }\n  }\n": types.BudgetsDocument,
    "\n  query BudgetAlerts($first: Int, $after: String) {\n    budgetAlerts(first: $first, after: $after) {\n      edges { cursor node { ...BudgetAlertFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.BudgetAlertsDocument,
    "\n  subscription BudgetAlertsLive {\n    budgetAlerts { ...BudgetAlertFields }\n  }\n": types.BudgetAlertsLiveDocument,
    "\n  mutation SetBudget($input: SetBudgetInput!) {\n    setBudget(input: $input) { ...BudgetFields }\n  }\n": types.SetBudgetDocument,
    "\n  mutation DeleteBudget($id: ID!) {\n    deleteBudget(id: $id)\n  }\n": types.DeleteBudgetDocument,
    "\n  fragment KpiFields on Kpis {\n    totalCost\n    promptTokens\n    completionTokens\n    totalTokens\n    conversations\n    activeDays\n    avgSpendPerDay\n    avgTokensPerDay\n    avgTokensPerConversation\n    highestUsedModel\n    leastUsedModel\n    costliestModel\n    modelEfficiency\n    activeSubscriberUtilization\n  }\n": types.KpiFieldsFragmentDoc,
    "\n  fragment DashboardSeriesFields on Dashboard {\n    spendTrend(granularity: $granularity) { bucketStart cost totalTokens conversations activeUsers }\n    spendAnomalies { date cost baseline score direction }\n    costByModel { model cost promptTokens completionTokens conversations efficiency }\n    costByRegion { region cost conversations activeUsers }\n    topCompanies(limit: $limit) { company cost conversations activeUsers highestUsedModel }\n    subscribers { region active inactive engaged }\n    exportUrls {\n      spendTrend(granularity: $granularity)\n      costByModel\n      costByRegion\n      topCompanies(limit: $limit)\n    }\n  }\n": types.DashboardSeriesFieldsFragmentDoc,
    "\n  query DashboardFilters {\n    dashboard {\n      id\n      dateRange { min max }\n      regions\n      companies\n      models\n    }\n  }\n": types.DashboardFiltersDocument,
    "\n  query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      ...DashboardSeriesFields\n      dateRange { min max }\n      meta { asOf lastJobId }\n    }\n  }\n": types.DashboardDocument,
    "\n  query DashboardKpis($filter: DashboardFilter) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      meta { asOf lastJobId }\n    }\n  }\n": types.DashboardKpisDocument,
    "\n  query DashboardCharts($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      ...DashboardSeriesFields\n    }\n  }\n": types.DashboardChartsDocument,
    "\n  query DemoKpis {\n    dashboard {\n      id\n      kpis { ...KpiFields }\n      dateRange { min max }\n    }\n  }\n": types.DemoKpisDocument,
    "\n  fragment JobFields on Job {\n    id\n    status\n    dryRun\n    stage\n    createdAt\n    startedAt\n    finishedAt\n    error\n    warnings\n    stageTimings { stage ms }\n    files { id kind name sizeBytes sha256 totalRows insertedRows updatedRows unchangedRows rejectedRows }\n  }\n": types.JobFieldsFragmentDoc,
    "\n  query Jobs($first: Int, $after: String, $status: JobStatus) {\n    jobs(first: $first, after: $after, status: $status) {\n      edges { cursor node { ...JobFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.JobsDocument,
    "\n  query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {\n    job(id: $id) {\n      ...JobFields\n      rejectedRowsCsvUrl\n      rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {\n        edges { node { id file line column reason raw } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.JobDocument,
    "\n  mutation UploadCsv(\n    $users: File\n    $transactions: File\n    $dryRun: Boolean = false\n    $usersFileName: String\n    $transactionsFileName: String\n  ) {\n    uploadCsv(\n      users: $users\n      transactions: $transactions\n      dryRun: $dryRun\n      usersFileName: $usersFileName\n      transactionsFileName: $transactionsFileName\n    ) { ...JobFields }\n  }\n": types.UploadCsvDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { ...JobFields }\n  }\n": types.CancelJobDocument,
    "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { ...JobFields }\n  }\n": types.RetryJobDocument,
    "\n  subscription JobProgress($jobId: ID!) {\n    jobProgress(jobId: $jobId) {\n      jobId\n      status\n      stage\n      processedRows\n      totalRows\n      totalRowsEstimated\n      processedBytes\n      totalBytes\n      percent\n      rowsPerSecond\n      etaSeconds\n      rejectedRows\n      sequence\n      updatedAt\n      publishedAt\n    }\n  }\n": types.JobProgressDocument,
    "\n  subscription JobUpdated {\n    jobUpdated {\n      jobId\n      status\n      stage\n      sequence\n      job { ...JobFields }\n    }\n  }\n": types.JobUpdatedDocument,
    "\n  query ViewerRole {\n    viewerRole\n  }\n": types.ViewerRoleDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BudgetFields on Budget {\n    id\n    scope { kind value }\n    monthlyLimit\n    thresholds\n  }\n"): typeof import('./graphql.js').BudgetFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BudgetAlertFields on BudgetAlert {\n    id\n    budget { ...BudgetFields }\n    month\n    threshold\n    spent\n    percentUsed\n    jobId\n    createdAt\n  }\n"): typeof import('./graphql.js').BudgetAlertFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Budgets($month: String) {\n    budgets(month: $month) {\n      budget { ...BudgetFields }\n      month\n      spent\n      percentUsed\n      projectedSpend\n      projectedPercent\n      exhaustionDate\n    }\n  }\n"): typeof import('./graphql.js').BudgetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BudgetAlerts($first: Int, $after: String) {\n    budgetAlerts(first: $first, after: $after) {\n      edges { cursor node { ...BudgetAlertFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').BudgetAlertsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BudgetAlertsLive {\n    budgetAlerts { ...BudgetAlertFields }\n  }\n"): typeof import('./graphql.js').BudgetAlertsLiveDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetBudget($input: SetBudgetInput!) {\n    setBudget(input: $input) { ...BudgetFields }\n  }\n"): typeof import('./graphql.js').SetBudgetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteBudget($id: ID!) {\n    deleteBudget(id: $id)\n  }\n"): typeof import('./graphql.js').DeleteBudgetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment KpiFields on Kpis {\n    totalCost\n    promptTokens\n    completionTokens\n    totalTokens\n    conversations\n    activeDays\n    avgSpendPerDay\n    avgTokensPerDay\n    avgTokensPerConversation\n    highestUsedModel\n    leastUsedModel\n    costliestModel\n    modelEfficiency\n    activeSubscriberUtilization\n  }\n"): typeof import('./graphql.js').KpiFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DashboardSeriesFields on Dashboard {\n    spendTrend(granularity: $granularity) { bucketStart cost totalTokens conversations activeUsers }\n    spendAnomalies { date cost baseline score direction }\n    costByModel { model cost promptTokens completionTokens conversations efficiency }\n    costByRegion { region cost conversations activeUsers }\n    topCompanies(limit: $limit) { company cost conversations activeUsers highestUsedModel }\n    subscribers { region active inactive engaged }\n    exportUrls {\n      spendTrend(granularity: $granularity)\n      costByModel\n      costByRegion\n      topCompanies(limit: $limit)\n    }\n  }\n"): typeof import('./graphql.js').DashboardSeriesFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardFilters {\n    dashboard {\n      id\n      dateRange { min max }\n      regions\n      companies\n      models\n    }\n  }\n"): typeof import('./graphql.js').DashboardFiltersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      ...DashboardSeriesFields\n      dateRange { min max }\n      meta { asOf lastJobId }\n    }\n  }\n"): typeof import('./graphql.js').DashboardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardKpis($filter: DashboardFilter) {\n    dashboard(filter: $filter) {\n      id\n      kpis { ...KpiFields }\n      previousPeriod { from to kpis { ...KpiFields } }\n      meta { asOf lastJobId }\n    }\n  }\n"): typeof import('./graphql.js').DashboardKpisDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardCharts($filter: DashboardFilter, $granularity: Granularity = DAY, $limit: Int = 10) {\n    dashboard(filter: $filter) {\n      id\n      ...DashboardSeriesFields\n    }\n  }\n"): typeof import('./graphql.js').DashboardChartsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DemoKpis {\n    dashboard {\n      id\n      kpis { ...KpiFields }\n      dateRange { min max }\n    }\n  }\n"): typeof import('./graphql.js').DemoKpisDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobFields on Job {\n    id\n    status\n    dryRun\n    stage\n    createdAt\n    startedAt\n    finishedAt\n    error\n    warnings\n    stageTimings { stage ms }\n    files { id kind name sizeBytes sha256 totalRows insertedRows updatedRows unchangedRows rejectedRows }\n  }\n"): typeof import('./graphql.js').JobFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Jobs($first: Int, $after: String, $status: JobStatus) {\n    jobs(first: $first, after: $after, status: $status) {\n      edges { cursor node { ...JobFields } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').JobsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {\n    job(id: $id) {\n      ...JobFields\n      rejectedRowsCsvUrl\n      rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {\n        edges { node { id file line column reason raw } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): typeof import('./graphql.js').JobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadCsv(\n    $users: File\n    $transactions: File\n    $dryRun: Boolean = false\n    $usersFileName: String\n    $transactionsFileName: String\n  ) {\n    uploadCsv(\n      users: $users\n      transactions: $transactions\n      dryRun: $dryRun\n      usersFileName: $usersFileName\n      transactionsFileName: $transactionsFileName\n    ) { ...JobFields }\n  }\n"): typeof import('./graphql.js').UploadCsvDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { ...JobFields }\n  }\n"): typeof import('./graphql.js').CancelJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { ...JobFields }\n  }\n"): typeof import('./graphql.js').RetryJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobProgress($jobId: ID!) {\n    jobProgress(jobId: $jobId) {\n      jobId\n      status\n      stage\n      processedRows\n      totalRows\n      totalRowsEstimated\n      processedBytes\n      totalBytes\n      percent\n      rowsPerSecond\n      etaSeconds\n      rejectedRows\n      sequence\n      updatedAt\n      publishedAt\n    }\n  }\n"): typeof import('./graphql.js').JobProgressDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobUpdated {\n    jobUpdated {\n      jobId\n      status\n      stage\n      sequence\n      job { ...JobFields }\n    }\n  }\n"): typeof import('./graphql.js').JobUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerRole {\n    viewerRole\n  }\n"): typeof import('./graphql.js').ViewerRoleDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
