// Error masking: expected failures (DomainError, GraphQLError with a code, upload limits)
// pass through with extensions.code; anything else becomes a generic message without
// stack or SQL.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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

/** What a request that breaks HTTP itself is told, by the parser's error code. */
const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  HPE_INVALID_EOF_STATE: { status: 400, message: 'the request ended before its body was complete (fewer bytes than its Content-Length)' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'the request headers are too large' },
};

/**
 * The http server's 'clientError': a request that breaks HTTP (a body cut short by a client
 * that half-closed, a malformed request line or header). Node's own answer is a bare 400
 * without a body; this one is the same status with a GraphQL-shaped body and a code. A
 * client that is gone (reset) or a response already under way only gets the socket closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The response of the request on this socket, if one has started: Node's own handler
  // looks at the same (undocumented) field, so that it never writes into a response.
  const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent ?? false;
  if (error.code === 'ECONNRESET' || !socket.writable || responding) {
    socket.destroy();
    return;
  }
  const { status, message } = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, message: `malformed HTTP request (${error.code ?? 'parse error'})` };
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
