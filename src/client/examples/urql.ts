// urql 6 for this API (from Node or any framework: @urql/core, not React's `urql`): queries,
// mutations and uploads over fetch with the token and the CSRF header, subscriptions over
// graphql-ws with the token, and graphcache told which types are embedded values.
// npm i @urql/core @urql/exchange-graphcache graphql graphql-ws
import { Client, fetchExchange, makeOperation, mapExchange, subscriptionExchange, type Exchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';

/**
 * Job, JobFile, RejectedRow and Dashboard are entities keyed by `id` (select it); every
 * other object type is a value without an id, stored inside its parent (`() => null`).
 */
const embedded = () => null;
export const keys = {
  Kpis: embedded,
  PeriodKpis: embedded,
  TrendPoint: embedded,
  ModelCost: embedded,
  RegionCost: embedded,
  CompanyCost: embedded,
  RegionSubscribers: embedded,
  SpendAnomaly: embedded,
  DateRange: embedded,
  DashboardMeta: embedded,
  DashboardExportUrls: embedded,
  StageTiming: embedded,
  JobProgress: embedded,
  JobUpdate: embedded,
  BudgetScope: embedded,
  BudgetStatus: embedded,
};

export interface UrqlSetup {
  /** The API endpoint, e.g. https://bi.example.com/graphql (WebSocket: the same URL as ws/wss). */
  url: string;
  /** An admin or viewer token (AUTH_TOKENS); omit when auth is off. */
  token?: string;
  /** Node < 22 has no global WebSocket: pass `WebSocket` from the `ws` package. */
  webSocketImpl?: unknown;
  /** PERSISTED_OPERATIONS_ONLY servers: codegen's persisted-documents.json (hash → document). */
  persistedDocuments?: Record<string, string>;
}

export function createUrqlClient({ url, token, webSocketImpl, persistedDocuments }: UrqlSetup): Client {
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl,
    connectionParams: authorization,
    retryAttempts: 5,
    // Retry lost connections and restarts (close codes below 4000), never a refusal: a bad
    // token closes with 4401, which graphql-ws does not retry either.
    shouldRetry: (event) => isCloseEvent(event) && event.code < 4000,
  });
  return new Client({
    url,
    // fetchExchange sends a multipart request when the variables hold a File or Blob; every
    // multipart request needs a CSRF-prevention header, harmless on the others.
    fetchOptions: () => ({ headers: { ...authorization, 'x-graphql-yoga-csrf': '1' } }),
    exchanges: [
      cacheExchange({ keys }),
      ...(persistedDocuments ? [persistedOperations(persistedDocuments)] : []),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}

/** Sends the hash codegen gave each operation instead of its text (extensions.persistedQuery). */
function persistedOperations(documents: Record<string, string>): Exchange {
  const hashes = new Map(Object.entries(documents).map(([hash, text]) => [getOperationAST(parse(text))?.name?.value, hash]));
  return mapExchange({
    onOperation: (operation) => {
      if (operation.kind === 'teardown') return operation;
      const hash = hashes.get(getOperationAST(operation.query)?.name?.value);
      if (!hash) throw new Error(`operation ${getOperationAST(operation.query)?.name?.value ?? '(anonymous)'} is not persisted`);
      const persistedQuery = { version: 1 as const, sha256Hash: hash.replace(/^sha256:/, '') };
      return makeOperation(operation.kind, { ...operation, extensions: { ...operation.extensions, persistedQuery } }, operation.context);
    },
  });
}

const isCloseEvent = (event: unknown): event is { code: number } =>
  typeof event === 'object' && event !== null && typeof (event as { code?: unknown }).code === 'number';
