// CORS for /graphql and the CSV exports (the routes a browser app calls cross-origin). Origins listed in
// CORS_ORIGINS get their Origin echoed with credentials; without the setting, production
// answers no cross-origin request (same origin only) and development/test allow any
// origin without credentials ("*": a token in the Authorization header still works,
// cookies and cached HTTP auth are never sent). A refused origin gets no CORS headers, so
// the browser withholds the response from the page. Yoga's own CORS (which echoes any
// origin with credentials) is switched off in app.ts.
import type { RequestHandler } from 'express';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';

type CorsConfig = Pick<Config, 'nodeEnv' | 'http'>;

type Grant = 'credentials' | 'any' | null;

function corsGrant(config: CorsConfig): (origin: string) => Grant {
  const listed = new Set(config.http.corsOrigins ?? []);
  const anyOrigin = config.http.corsOrigins === undefined ? config.nodeEnv !== 'production' : listed.has('*');
  return (origin) => (listed.has(origin) ? 'credentials' : anyOrigin ? 'any' : null);
}

/** The CORS response headers for a request from `origin` (none when it is refused). */
function corsHeaders(
  grantFor: (origin: string) => Grant,
  request: { origin: string | null; method: string; requestedHeaders: string | null },
): Record<string, string> {
  const grant = request.origin === null ? null : grantFor(request.origin);
  if (request.origin === null || grant === null) return {};
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': grant === 'credentials' ? request.origin : '*',
    'Access-Control-Expose-Headers': 'x-request-id, content-disposition',
  };
  if (grant === 'credentials') headers['Access-Control-Allow-Credentials'] = 'true';
  if (request.method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = 'GET, POST';
    if (request.requestedHeaders) headers['Access-Control-Allow-Headers'] = request.requestedHeaders;
    headers['Access-Control-Max-Age'] = '600';
  }
  return headers;
}

export function useCors(config: CorsConfig): Plugin {
  const grantFor = corsGrant(config);
  return {
    // A preflight is answered here, before auth (a browser never sends credentials on it).
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method === 'OPTIONS') endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'Content-Length': '0' } }));
    },
    onResponse({ request, response }) {
      // The answer depends on Origin: shared caches must not hand one origin's to another.
      response.headers.append('Vary', 'Origin');
      const headers = corsHeaders(grantFor, {
        origin: request.headers.get('origin'),
        method: request.method,
        requestedHeaders: request.headers.get('access-control-request-headers'),
      });
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };
}

/** The same rule for the plain express routes a browser app calls (CSV exports). */
export function corsMiddleware(config: CorsConfig): RequestHandler {
  const grantFor = corsGrant(config);
  return (req, res, next) => {
    res.vary('Origin');
    res.set(corsHeaders(grantFor, { origin: req.headers.origin ?? null, method: req.method, requestedHeaders: req.get('access-control-request-headers') ?? null }));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}
