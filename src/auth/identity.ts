// Who an operation counts against, for the upload rate limit and the per-client
// concurrency limit: the configured token the request authenticated with, or the client
// address when auth is off. Keyed by what the verifier matched, never by the header text,
// so `bearer x`, `BEARER x` and `Bearer  x` are one client, not three fresh buckets.
import type { IncomingMessage } from 'node:http';
import { presentedAuthorization } from './plugin.js';
import type { TokenVerifier } from './tokens.js';

/** What HTTP (Yoga's server context) and WebSocket (app.ts) contexts both carry. */
export interface IdentityContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
  req?: IncomingMessage;
}

/** `token:<digest prefix>` when a configured token matched, else `ip:<remote address>`. */
export function clientIdentity(context: IdentityContext, verifier: TokenVerifier): string {
  const tokenId = verifier.enabled ? verifier.tokenIdOf(presentedAuthorization(context)) : null;
  return tokenId ? `token:${tokenId}` : `ip:${context.req?.socket.remoteAddress ?? 'unknown'}`;
}
