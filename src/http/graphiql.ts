// GraphiQL (development only): served from our own install, no CDN, so it works offline
// and behind proxies; opens with one example of each kind of operation.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
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
 * Yoga's renderGraphiQL: the page of @graphql-yoga/render-graphiql, with its whole bundle
 * (JS, CSS, editor workers) inlined. Rendered on the first page view only (the options are
 * fixed), and its bytes served from then on.
 */
export function localGraphiQL(): (options: GraphiQLOptions) => Promise<Uint8Array<ArrayBuffer>> {
  let page: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return (options) => {
    page ??= renderInWorker(options).catch((error: unknown) => {
      page = undefined; // the next view tries again
      throw error;
    });
    return page;
  };
}

// The bundle is loaded in a worker thread, whose heap goes when it ends: imported by the
// API itself it would stay for the life of the process, several times the page's own
// bytes (bench/RESULTS.md, "Tuning decisions").
const RENDER_PAGE = `
const { parentPort, workerData } = require('node:worker_threads');
const { renderGraphiQL } = require(workerData.module);
const page = new TextEncoder().encode(renderGraphiQL(workerData.options));
parentPort.postMessage(page, [page.buffer]);
`;

function renderInWorker(options: GraphiQLOptions): Promise<Uint8Array<ArrayBuffer>> {
  const module = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  return new Promise((resolve, reject) => {
    const worker = new Worker(RENDER_PAGE, { eval: true, execArgv: [], workerData: { module, options } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`GraphiQL page worker exited (${code}) without a page`)));
  });
}
