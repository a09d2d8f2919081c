// The console's urql client, as src/client/examples/urql.ts sets one up: queries, mutations
// and uploads over fetch with the token and the CSRF header, subscriptions over graphql-ws
// with the token in connection_init, graphcache told which types are embedded values.
import { Client, fetchExchange, gql, subscriptionExchange, type TypedDocumentNode } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { TypedDocumentString } from '../../src/client/generated/graphql.js';
import { keys } from '../../src/client/examples/urql.js';
import { authorization } from './lib/session.js';

export const GRAPHQL_PATH = '/graphql';

/** codegen's typed document strings as urql's typed documents (parsed once, at import). */
export function doc<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>): TypedDocumentNode<TResult, TVariables & { [key: string]: unknown }> {
  return gql(document.toString()) as TypedDocumentNode<TResult, TVariables & { [key: string]: unknown }>;
}

export interface ConsoleClient {
  /** The token every request of this client carries (null: none). */
  token: string | null;
  client: Client;
  ws: WsClient;
  dispose(): void;
}

export function createConsoleClient(token: string | null, origin = window.location.origin): ConsoleClient {
  const headers = authorization(token);
  const ws = createWsClient({
    url: `${origin.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    connectionParams: headers,
    retryAttempts: 5,
    // Retry lost connections and restarts (close codes below 4000), never a refusal: a bad
    // token closes with 4401.
    shouldRetry: (event) => typeof (event as { code?: unknown }).code === 'number' && (event as { code: number }).code < 4000,
  });
  const client = new Client({
    url: GRAPHQL_PATH,
    // fetchExchange sends a multipart request when the variables hold a File; every
    // multipart request needs the CSRF-prevention header, harmless on the others.
    fetchOptions: () => ({ headers: { ...headers, 'x-graphql-yoga-csrf': '1' } }),
    requestPolicy: 'cache-and-network',
    exchanges: [
      cacheExchange({ keys }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { token, client, ws, dispose: () => void ws.dispose() };
}
