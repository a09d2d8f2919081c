// Admin-only guard for the non-GraphQL endpoints (/admin/queues, /metrics) when auth is on.
// Bearer like GraphQL; Basic (any user name, the token as password) is accepted too so
// an operator's browser can open Bull Board through its own login prompt.
import type { RequestHandler } from 'express';
import type { TokenVerifier } from './tokens.js';

function credential(header: string | undefined): string | undefined {
  const basic = header ? /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header) : null;
  if (!basic) return header;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  return `Bearer ${decoded.slice(decoded.indexOf(':') + 1)}`;
}

export function requireAdmin(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const role = verifier.roleOf(credential(req.headers.authorization));
    if (role === 'admin') return next();
    if (role === null) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer, Basic realm="admin", charset="UTF-8"')
        .json({ error: { code: 'UNAUTHENTICATED', message: 'Missing or invalid token' } });
      return;
    }
    res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Admin token required' } });
  };
}
