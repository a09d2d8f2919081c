// Error masking: expected failures (DomainError, GraphQLError with a code, upload limits)
// pass through with extensions.code; anything else becomes a generic message without
// stack or SQL.
import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import { DomainError } from '../errors.js';
import { UploadTooLargeError } from '../infra/file-store.js';

/** graphql-upload-minimal's errors carry an HTTP status (413: a multipart limit was hit). */
const isUploadLimitError = (error: unknown) =>
  error instanceof Error && (error as { status?: unknown }).status === 413 && (error as { expose?: unknown }).expose === true;

export function createMaskError(limits: { maxUploadBytes: number }): MaskError {
  return (error, message, isDev) => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const at = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, { ...at, extensions: { code: original.code, ...original.details } });
    }
    if (original instanceof UploadTooLargeError || isUploadLimitError(original)) {
      return new GraphQLError(`file exceeds the upload limit of ${limits.maxUploadBytes} bytes`, {
        ...at,
        extensions: { code: 'PAYLOAD_TOO_LARGE', limitBytes: limits.maxUploadBytes },
      });
    }
    // Pothos argument checks (connection sizes, cursors) are the client's mistake.
    // A cursor Pothos cannot decode is reported like one src/graphql/cursors.ts refuses,
    // without echoing it back.
    if (original instanceof PothosValidationError) {
      const message = /cursor|base64/i.test(original.message) ? 'invalid cursor' : original.message;
      return new GraphQLError(message, { ...at, extensions: { code: 'BAD_USER_INPUT' } });
    }
    // A variable value that does not fit its type: graphql-js names the variable in the
    // message and the request fails before execution (400). Keep both; the code is the
    // scalar's own (Date, File say BAD_USER_INPUT) or BAD_USER_INPUT.
    if (error instanceof GraphQLError && error.path === undefined && error.message.startsWith('Variable "$')) {
      const code = (original instanceof GraphQLError && original.extensions?.code) || 'BAD_USER_INPUT';
      return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
    }
    if (original instanceof GraphQLError && original.extensions?.code) return original;
    return yogaMaskError(error, message, isDev);
  };
}
