import { graphql } from '../generated/index.js';

export const JobFieldsFragment = graphql(`
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
    stageTimings { stage ms }
    files { id kind name sizeBytes sha256 totalRows insertedRows updatedRows unchangedRows rejectedRows }
  }
`);

export const JobsQuery = graphql(`
  query Jobs($first: Int, $after: String, $status: JobStatus) {
    jobs(first: $first, after: $after, status: $status) {
      edges { cursor node { ...JobFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const JobQuery = graphql(`
  query Job($id: ID!, $rejectedFirst: Int, $rejectedAfter: String) {
    job(id: $id) {
      ...JobFields
      rejectedRowsCsvUrl
      rejectedRows(first: $rejectedFirst, after: $rejectedAfter) {
        edges { node { id file line column reason raw } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const UploadCsvMutation = graphql(`
  mutation UploadCsv(
    $users: File
    $transactions: File
    $dryRun: Boolean = false
    $usersFileName: String
    $transactionsFileName: String
  ) {
    uploadCsv(
      users: $users
      transactions: $transactions
      dryRun: $dryRun
      usersFileName: $usersFileName
      transactionsFileName: $transactionsFileName
    ) { ...JobFields }
  }
`);

export const CancelJobMutation = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) { ...JobFields }
  }
`);

export const RetryJobMutation = graphql(`
  mutation RetryJob($id: ID!) {
    retryJob(id: $id) { ...JobFields }
  }
`);
