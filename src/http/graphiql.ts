// What GraphiQL opens with (development only): one example of each kind of operation.
export const GRAPHIQL_EXAMPLES = `# Example operations: pick one with the ▶ button.
# Uploads need a multipart request (see README, "API guide").

query RecentJobs {
  jobs(first: 10) {
    edges { node { id status stage createdAt files { kind name totalRows rejectedRows } } }
  }
}

query Dashboard {
  dashboard(filter: { regions: [], models: [] }) {
    kpis { totalCost totalTokens conversations activeDays highestUsedModel costliestModel modelEfficiency }
    spendTrend(granularity: WEEK) { bucketStart cost conversations activeUsers }
    costByModel { model cost conversations efficiency }
    subscribers { region active inactive engaged }
    dateRange { min max }
  }
}

subscription JobProgress($jobId: ID!) {
  jobProgress(jobId: $jobId) { sequence status stage processedRows totalRows percent rowsPerSecond etaSeconds rejectedRows }
}
`;
