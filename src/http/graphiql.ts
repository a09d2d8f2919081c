// GraphiQL (development only): served from our own install, no CDN, so it works offline
// and behind proxies; opens with one example of each kind of operation.
import type { GraphiQLOptions } from 'graphql-yoga';

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

export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'AI usage BI',
  defaultQuery: GRAPHIQL_EXAMPLES,
  // Subscriptions over SSE on /graphql: GraphiQL sends its headers pane (Authorization)
  // with every HTTP request, but never in graphql-ws's connection_init.
  subscriptionsProtocol: 'SSE',
};

/**
 * The GraphiQL page with its whole bundle (JS, CSS, editor workers) inlined. Imported on
 * the first page view: the 9 MB bundle stays out of an API that never serves GraphiQL.
 */
export async function renderLocalGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}
