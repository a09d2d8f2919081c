// A typed graphql-ws client for the generated subscription documents, as a frontend would
// use it (demo, benchmark, tests). Tokens go in connection_init (SPEC §6).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from './generated/graphql.js';

export interface WsClientOptions {
  /** The HTTP or WebSocket URL of /graphql. */
  url: string;
  token?: string;
}

export function createWsClient({ url, token }: WsClientOptions): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export interface SubscriptionError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Every result of one subscription, typed by its document; ends when the server completes it. */
export function subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): AsyncIterableIterator<{ data?: TResult | null; errors?: readonly SubscriptionError[] }> {
  return client.iterate<TResult>({ query: document.toString(), variables: variables as Record<string, unknown> });
}

/** Like subscribe(), but yields only the data and throws on the first GraphQL error. */
export async function* subscribeData<TResult, TVariables>(
  client: Client,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): AsyncGenerator<TResult> {
  for await (const result of subscribe(client, document, variables)) {
    if (result.errors?.length) {
      const codes = result.errors.map((error) => `${String(error.extensions?.code ?? '')} ${error.message}`.trim());
      throw new Error(`subscription failed: ${codes.join('; ')}`);
    }
    if (result.data) yield result.data;
  }
}
