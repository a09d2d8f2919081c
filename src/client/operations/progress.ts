import { graphql } from '../generated/index.js';

export const JobProgressSubscription = graphql(`
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
`);

export const JobUpdatedSubscription = graphql(`
  subscription JobUpdated {
    jobUpdated {
      jobId
      status
      stage
      sequence
      job { ...JobFields }
    }
  }
`);
