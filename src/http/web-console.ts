// The web console (web/, built by `npm run build:web` into web/dist) served by the API at
// `/`: hashed assets under /assets/ cached for a year (their names change with their
// content), index.html revalidated on every load, and index.html for the console's client
// routes (/dashboard?from=…, /jobs, …) so a shared link opens its screen. Mounted after
// every other route, so /graphql, /exports, /health … keep theirs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { PROJECT_ROOT } from '../infra/paths.js';

/** The checkout's web/dist (found from the root, so it resolves from dist/ as well). */
export const WEB_DIST = path.join(PROJECT_ROOT, 'web', 'dist');

/** Only the console's own origin: scripts, styles, API calls and sockets. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  // ECharts' SVG renderer writes style attributes.
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** The console's screens (web/src/lib/routes.ts; a test keeps the two lists equal). Other paths keep their 404. */
export const CONSOLE_ROUTES = ['/', '/dashboard', '/upload', '/jobs', '/budgets'] as const;

const NOT_BUILT = 'console not built: run npm run build:web\n';

export function mountWebConsole(app: Express, dist = WEB_DIST): void {
  // index.html is read again when a rebuild replaced it (its asset names changed with it);
  // until it exists (a fresh clone before its build) the console asks for the build
  // instead of failing.
  let cached: { mtimeMs: number; html: Buffer } | undefined;
  const index = (): Buffer | undefined => {
    const file = path.join(dist, 'index.html');
    const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) return undefined;
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, html: readFileSync(file) };
    return cached.html;
  };

  app.use(
    '/assets',
    express.static(path.join(dist, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
      setHeaders: (res) => res.set('x-content-type-options', 'nosniff'),
    }),
    // fallthrough: false sends a missing asset to the error handler; answer it as a plain
    // 404 (never index.html: a browser would cache HTML under a script's name).
    (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (error.status === 404) res.status(404).type('text/plain').send('not found\n');
      else next(error);
    },
  );

  const routes = CONSOLE_ROUTES.flatMap((route) => (route === '/' ? [route] : [route, `${route}/`]));
  app.get(routes, (_req, res) => {
    const html = index();
    if (!html) {
      res.status(503).type('text/plain').set('cache-control', 'no-store').send(NOT_BUILT);
      return;
    }
    res
      .status(200)
      .type('html')
      .set({ 'cache-control': 'no-cache', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' })
      .send(html);
  });
}
