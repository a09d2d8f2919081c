// PERSISTED_OPERATIONS_ONLY: only the operations our typed client ships (codegen's
// persisted-documents.json, keyed by sha256) run; admins may still send any document
// (GraphiQL). The same rule holds on HTTP (Yoga's plugin, at onParams) and over graphql-ws,
// which never reaches onParams: app.ts's onSubscribe asks documentFor() instead, and both
// refuse with the same errors.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/tokens.js';

const DOCUMENTS_FILE = path.resolve(import.meta.dirname, '../client/generated/persisted-documents.json');

// Yoga's default messages and codes (Apollo's persisted-query link matches the message),
// named once so both transports send the same; over HTTP with a 4xx, as every request
// refused as a whole.
const ERRORS = {
  notFound: { message: 'PersistedQueryNotFound', code: 'PERSISTED_QUERY_NOT_IN_LIST', status: 404 },
  keyNotFound: { message: 'PersistedQueryKeyNotFound', code: 'PERSISTED_QUERY_ID_REQUIRED', status: 400 },
  persistedQueryOnly: { message: 'PersistedQueryOnly', code: 'CANNOT_SEND_PQ_ID_AND_BODY', status: 403 },
} as const;
type Refusal = keyof typeof ERRORS;

const httpError = (kind: Refusal) => ({
  message: ERRORS[kind].message,
  extensions: { code: ERRORS[kind].code, http: { status: ERRORS[kind].status } },
});
const refuse = (kind: Refusal) => new GraphQLError(ERRORS[kind].message, { extensions: { code: ERRORS[kind].code } });

export function loadPersistedDocuments(file = DOCUMENTS_FILE): Map<string, string> {
  const documents = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(documents));
}

/** `extensions.persistedQuery.sha256Hash` (version 1), as Apollo-style clients send it. */
function persistedOperationId(params: { extensions?: Record<string, unknown> | null }): string | null {
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | null | undefined;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : null;
}

export interface PersistedOperationsOnly {
  /** The HTTP side. */
  plugin: Plugin;
  /**
   * The document a WebSocket operation may run (graphql-ws requires `query` to be a string:
   * a persisted operation comes with an empty one), or the error that refuses it.
   */
  documentFor(
    payload: { query: string; extensions?: Record<string, unknown> | null },
    authorization: string | null,
  ): string | GraphQLError;
}

export function persistedOperationsOnly(verifier: TokenVerifier, documents = loadPersistedDocuments()): PersistedOperationsOnly {
  // Clients may send the id with or without the algorithm prefix codegen writes.
  const lookup = (key: string) => documents.get(key) ?? documents.get(`sha256:${key}`) ?? null;
  const isAdmin = (authorization: string | null) => verifier.roleOf(authorization) === 'admin';
  return {
    plugin: usePersistedOperations({
      getPersistedOperation: lookup,
      extractPersistedOperationId: persistedOperationId,
      allowArbitraryOperations: (request) => isAdmin(request.headers.get('authorization')),
      customErrors: { notFound: httpError('notFound'), keyNotFound: httpError('keyNotFound'), persistedQueryOnly: httpError('persistedQueryOnly') },
    }),
    documentFor(payload, authorization) {
      if (payload.query) return isAdmin(authorization) ? payload.query : refuse('persistedQueryOnly');
      const key = persistedOperationId(payload);
      if (key === null) return refuse('keyNotFound');
      return lookup(key) ?? refuse('notFound');
    },
  };
}
