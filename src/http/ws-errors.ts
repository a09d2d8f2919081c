// How the graphql-ws server refuses and fails: the close for a connection_init without a
// valid token, and one structured log line (not a stack trace) per protocol error.
import type { WebSocketServer } from 'ws';
import type { Logger } from '../infra/logger.js';

/**
 * The close of a WebSocket whose connection_init carries no valid token. graphql-ws
 * clients treat 4401 as fatal (they retry 4403, so a wrong token took ~40 s to surface);
 * the reason says what to send. A close reason is at most 123 bytes.
 */
export const WS_UNAUTHORIZED = {
  code: 4401,
  reason: 'Unauthorized: missing or invalid token; send {"authorization":"Bearer <token>"} as the connection_init payload',
} as const;

/**
 * graphql-ws prints a socket's or the server's 'error' (a frame over maxPayload, invalid
 * UTF-8, a bad opcode: client faults) with console.error, a multi-line stack trace. Its
 * listeners are replaced by one structured log line. For a socket, ws has already sent the
 * close frame with the matching code (1009 for an oversized frame) before the error.
 * Call after useServer().
 */
export function logWsErrors(wsServer: WebSocketServer, log: Logger) {
  wsServer.removeAllListeners('error');
  wsServer.on('error', (error: Error) => log.error({ err: error }, 'WebSocket server error'));
  // Registered after useServer's 'connection' listener, so graphql-ws's own is there to remove.
  wsServer.on('connection', (socket, request) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => {
      log.warn({ code: error.code, reason: error.message, remote: request.socket.remoteAddress }, 'WebSocket connection closed on a protocol error');
      if (socket.readyState === socket.OPEN) socket.terminate();
    });
  });
}
