// Token guards for the non-GraphQL endpoints when auth is on: admin only for /admin/queues
// and /metrics, any valid token for the CSV exports (viewers read what GraphQL shows them).
// Bearer like GraphQL; Basic (any user name, the token as password) is accepted too so a
// browser can use its own login prompt (Bull Board) or a plain download link.
import type { RequestHandler } from 'express';
import type { Role } from './role.js';
import type { TokenVerifier } from './tokens.js';

function credential(header: string | undefined): string | undefined {
  const basic = header ? /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header) : null;
  if (!basic) return header;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  return `Bearer ${decoded.slice(decoded.indexOf(':') + 1)}`;
}

/** Refuses a request without a token granting `role` (a viewer's role is granted to admins too). */
export function requireRole(verifier: TokenVerifier, role: Role): RequestHandler {
  return (req, res, next) => {
    const granted = verifier.roleOf(credential(req.headers.authorization));
    if (granted === 'admin' || (granted !== null && role === 'viewer')) return next();
    if (granted === null) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer, Basic realm="admin", charset="UTF-8"')
        .json({ error: { code: 'UNAUTHENTICATED', message: 'Missing or invalid token' } });
      return;
    }
    res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Admin token required' } });
  };
}

export const requireAdmin = (verifier: TokenVerifier): RequestHandler => requireRole(verifier, 'admin');
