// The HTTP routes of the API process, on one express app: health and readiness, the
// Prometheus metrics, Bull Board, the CSV exports, and /graphql (Yoga). WebSocket
// upgrades on /graphql do not pass here: ws.ts takes them on the http server.
import express, { type Express, type RequestHandler } from 'express';
import type { AppServices } from '../graphql/context.js';
import { requireAdmin } from '../auth/express.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { ApiMetrics } from '../metrics/api.js';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.js';
import { corsMiddleware } from './cors.js';
import { EXPORTS_PATH, exportsRouter } from './exports.js';
import { createReadinessCheck } from './health.js';
import { mountWebConsole } from './web-console.js';
import { GRAPHQL_PATH, type Yoga } from './yoga.js';

const METRICS_PATH = '/metrics';

export interface RoutesDeps {
  services: AppServices;
  yoga: Yoga;
  verifier: TokenVerifier;
  metrics: ApiMetrics;
}

export function createRoutes({ services, yoga, verifier, metrics }: RoutesDeps): Express {
  const { config, log } = services;
  const app = express();
  app.disable('x-powered-by');

  // Liveness and readiness (database, Redis, migrations).
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const checkReadiness = createReadinessCheck(services, log);
  app.get('/ready', async (_req, res) => {
    const report = await checkReadiness();
    res.status(report.ready ? 200 : 503).json(report);
  });

  // Operators: admin token when auth is on.
  const adminOnly: RequestHandler[] = verifier.enabled ? [requireAdmin(verifier)] : [];
  app.get(METRICS_PATH, ...adminOnly, async (_req, res) => {
    res.set('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(BULL_BOARD_PATH, ...adminOnly, bullBoardRouter([services.ingestQueue]));

  // Browser apps: CSV downloads and GraphQL.
  app.use(EXPORTS_PATH, corsMiddleware(config), exportsRouter({ pool: services.db.pool, dashboardCache: services.caches.dashboard, verifier, log }));
  app.use(GRAPHQL_PATH, (req, res) => yoga(req, res, { req, res }));

  // The web console, after the API routes it calls (they keep their paths).
  mountWebConsole(app);

  return app;
}
