// Apollo Client 4 for this API: queries, mutations and uploads over HTTP with the token and
// the CSRF header, subscriptions over graphql-ws with the token, and a cache that knows
// which types are entities. npm i @apollo/client apollo-upload-client graphql graphql-ws rxjs
import { ApolloClient, ApolloLink, InMemoryCache, type TypePolicies } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

/**
 * Job, JobFile, RejectedRow and Dashboard are entities keyed by `id` (select it). Every
 * other object type is a value stored inside its parent: `merge: true` combines what two
 * queries selected of it, `merge: false` lets the latest list replace the previous one.
 */
export const typePolicies: TypePolicies = {
  Kpis: { merge: true },
  PeriodKpis: { merge: true },
  DateRange: { merge: true },
  DashboardMeta: { merge: true },
  DashboardExportUrls: { merge: true },
  Dashboard: {
    fields: Object.fromEntries(
      ['spendTrend', 'costByModel', 'costByRegion', 'topCompanies', 'subscribers', 'spendAnomalies', 'regions', 'companies', 'models'].map(
        (field) => [field, { merge: false }],
      ),
    ),
  },
  Job: { fields: { files: { merge: false }, stageTimings: { merge: false }, warnings: { merge: false } } },
};

export interface ApolloSetup {
  /** The API endpoint, e.g. https://bi.example.com/graphql (WebSocket: the same URL as ws/wss). */
  url: string;
  /** An admin or viewer token (AUTH_TOKENS); omit when auth is off. */
  token?: string;
  /** Node < 22 has no global WebSocket: pass `WebSocket` from the `ws` package. */
  webSocketImpl?: unknown;
  /** PERSISTED_OPERATIONS_ONLY servers: codegen's persisted-documents.json (hash → document). */
  persistedDocuments?: Record<string, string>;
}

export function createApolloClient({ url, token, webSocketImpl, persistedDocuments }: ApolloSetup): ApolloClient {
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // Sends a multipart request when the variables hold a File or Blob, JSON otherwise. Every
  // multipart request needs a CSRF-prevention header; sending it on all requests is harmless.
  const http = new UploadHttpLink({ uri: url, headers: { ...authorization, 'apollo-require-preflight': 'true' } });
  const wsClient = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl,
    connectionParams: authorization,
    retryAttempts: 5,
    // Retry lost connections and restarts (close codes below 4000), never a refusal: a bad
    // token closes with 4401, which graphql-ws does not retry either.
    shouldRetry: (event) => isCloseEvent(event) && event.code < 4000,
  });
  const ws = new GraphQLWsLink(persistedDocuments ? withoutPersistedText(wsClient) : wsClient);
  const link = ApolloLink.split(({ query }) => isSubscriptionOperation(query), ws, http);
  return new ApolloClient({
    link: persistedDocuments ? persistedOperations(persistedDocuments).concat(link) : link,
    cache: new InMemoryCache({ typePolicies }),
  });
}

/** Sends the hash codegen gave each operation instead of its text (extensions.persistedQuery). */
function persistedOperations(documents: Record<string, string>): ApolloLink {
  const hashes = new Map(Object.entries(documents).map(([hash, text]) => [getOperationAST(parse(text))?.name?.value, hash]));
  return new PersistedQueryLink({
    generateHash: (document) => {
      const hash = hashes.get(getOperationAST(document)?.name?.value);
      if (!hash) throw new Error(`operation ${getOperationAST(document)?.name?.value ?? '(anonymous)'} is not persisted`);
      return hash.replace(/^sha256:/, '');
    },
  });
}

/** GraphQLWsLink always sends the text; a persisted operation goes with an empty query over WebSocket. */
const withoutPersistedText = (client: Client): Client => ({
  ...client,
  subscribe: (payload, sink) => client.subscribe(payload.extensions?.persistedQuery ? { ...payload, query: '' } : payload, sink),
});

const isCloseEvent = (event: unknown): event is { code: number } =>
  typeof event === 'object' && event !== null && typeof (event as { code?: unknown }).code === 'number';
