// CORS for /graphql (the only route a browser app calls cross-origin). Origins listed in
// CORS_ORIGINS get their Origin echoed with credentials; without the setting, production
// answers no cross-origin request (same origin only) and development/test allow any
// origin without credentials ("*": a token in the Authorization header still works,
// cookies and cached HTTP auth are never sent). A refused origin gets no CORS headers, so
// the browser withholds the response from the page. Yoga's own CORS (which echoes any
// origin with credentials) is switched off in app.ts.
import type { Plugin } from 'graphql-yoga';
import type { Env } from '../config/env.js';

type Grant = 'credentials' | 'any' | null;

export function corsGrant(env: Pick<Env, 'NODE_ENV' | 'CORS_ORIGINS'>): (origin: string) => Grant {
  const listed = new Set(env.CORS_ORIGINS ?? []);
  const anyOrigin = env.CORS_ORIGINS === undefined ? env.NODE_ENV !== 'production' : listed.has('*');
  return (origin) => (listed.has(origin) ? 'credentials' : anyOrigin ? 'any' : null);
}

export function useCors(env: Pick<Env, 'NODE_ENV' | 'CORS_ORIGINS'>): Plugin {
  const grantFor = corsGrant(env);
  return {
    // A preflight is answered here, before auth (a browser never sends credentials on it).
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method === 'OPTIONS') endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'Content-Length': '0' } }));
    },
    onResponse({ request, response }) {
      // The answer depends on Origin: shared caches must not hand one origin's to another.
      response.headers.append('Vary', 'Origin');
      const origin = request.headers.get('origin');
      const grant = origin === null ? null : grantFor(origin);
      if (origin === null || grant === null) return;
      const headers = response.headers;
      headers.set('Access-Control-Allow-Origin', grant === 'credentials' ? origin : '*');
      if (grant === 'credentials') headers.set('Access-Control-Allow-Credentials', 'true');
      headers.set('Access-Control-Expose-Headers', 'x-request-id');
      if (request.method === 'OPTIONS') {
        headers.set('Access-Control-Allow-Methods', 'GET, POST');
        const requested = request.headers.get('access-control-request-headers');
        if (requested) headers.set('Access-Control-Allow-Headers', requested);
        headers.set('Access-Control-Max-Age', '600');
      }
    },
  };
}
