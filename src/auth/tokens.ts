// Bearer tokens from AUTH_TOKENS and the role each grants. Comparison is constant-time:
// both sides are SHA-256 digests (equal length whatever was sent), compared with
// timingSafeEqual against every configured token without stopping at the first match.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '../graphql/context.js';

export interface TokenVerifier {
  /** false when AUTH_TOKENS is empty: everyone is admin (local use only). */
  readonly enabled: boolean;
  /** The role the presented token grants, or null (missing, malformed or unknown). */
  roleOf(presented: string | null | undefined): Role | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** `Bearer <token>` (scheme case-insensitive, RFC 6750) → the token; anything else → null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match?.[1] ?? null;
}

export function createTokenVerifier(tokens: ReadonlyMap<string, Role>): TokenVerifier {
  const known = [...tokens].map(([token, role]) => ({ digest: sha256(token), role }));
  return {
    enabled: known.length > 0,
    roleOf(presented) {
      if (!known.length) return 'admin';
      const token = bearerToken(presented);
      if (!token) return null;
      const digest = sha256(token);
      let granted: Role | null = null;
      for (const entry of known) {
        if (timingSafeEqual(entry.digest, digest)) granted = entry.role;
      }
      return granted;
    },
  };
}

/** A stable, non-reversible key for a token (rate-limit buckets, logs): never the token. */
export const tokenKey = (presented: string) => sha256(presented).toString('hex').slice(0, 32);
