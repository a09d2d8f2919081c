// Error masking: expected failures (DomainError, GraphQLError with a code) pass through
// with extensions.code; anything else becomes a generic message without stack or SQL.
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import { DomainError } from '../errors.js';
import { UploadTooLargeError } from '../infra/file-store.js';


export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...original.details },
    });
  }
  if (original instanceof UploadTooLargeError) {
    return new GraphQLError(original.message, { extensions: { code: 'PAYLOAD_TOO_LARGE' } });
  }
  if (original instanceof GraphQLError && original.extensions?.code) return original;
  return yogaMaskError(error, message, isDev);
};
