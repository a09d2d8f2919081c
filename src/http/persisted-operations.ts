// PERSISTED_OPERATIONS_ONLY: only the operations our typed client ships (codegen's
// persisted-documents.json, keyed by sha256) run; admins may still send any document
// (GraphiQL). Applies to HTTP requests; WebSocket subscriptions are gated by auth.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/tokens.js';

const DOCUMENTS_FILE = path.resolve(import.meta.dirname, '../client/generated/persisted-documents.json');

export function loadPersistedDocuments(file = DOCUMENTS_FILE): Map<string, string> {
  const documents = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(documents));
}

export function usePersistedOperationsOnly(verifier: TokenVerifier, documents = loadPersistedDocuments()): Plugin {
  return usePersistedOperations({
    // Clients may send the id with or without the algorithm prefix codegen writes.
    getPersistedOperation: (key) => documents.get(key) ?? documents.get(`sha256:${key}`) ?? null,
    allowArbitraryOperations: (request) => verifier.roleOf(request.headers.get('authorization')) === 'admin',
  });
}
