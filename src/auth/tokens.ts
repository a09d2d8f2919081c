// Bearer tokens from AUTH_TOKENS and the role each grants. Comparison is constant-time:
// both sides are SHA-256 digests (equal length whatever was sent), compared with
// timingSafeEqual against every configured token without stopping at the first match.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from './role.js';

export interface TokenVerifier {
  /** false when AUTH_TOKENS is empty: everyone is admin (local use only). */
  readonly enabled: boolean;
  /** The role the presented token grants, or null (missing, malformed or unknown). */
  roleOf(presented: string | null | undefined): Role | null;
  /**
   * A stable key of the configured token the presented credential matched (a digest
   * prefix, never the token), or null: however the header is spelled, one token is one key.
   */
  tokenIdOf(presented: string | null | undefined): string | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** `Bearer <token>` (scheme case-insensitive, RFC 6750) → the token; anything else → null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match?.[1] ?? null;
}

interface KnownToken {
  digest: Buffer;
  role: Role;
  id: string;
}

export function createTokenVerifier(tokens: ReadonlyMap<string, Role>): TokenVerifier {
  const known: KnownToken[] = [...tokens].map(([token, role]) => {
    const digest = sha256(token);
    return { digest, role, id: digest.toString('hex').slice(0, 32) };
  });
  const match = (presented: string | null | undefined): KnownToken | null => {
    const token = bearerToken(presented);
    if (!token) return null;
    const digest = sha256(token);
    let matched: KnownToken | null = null;
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, digest)) matched = entry;
    }
    return matched;
  };
  return {
    enabled: known.length > 0,
    roleOf: (presented) => (known.length ? (match(presented)?.role ?? null) : 'admin'),
    tokenIdOf: (presented) => match(presented)?.id ?? null,
  };
}
