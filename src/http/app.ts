// buildApp(): the API process's http server, made of three parts: the Yoga instance
// (yoga.ts), the HTTP routes (routes.ts) and graphql-ws on the same /graphql path (ws.ts).
// start() listens, stop() drains and closes. Tests that only need GraphQL call
// app.yoga.fetch and never start().
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppServices } from '../graphql/context.js';
import { createTokenVerifier } from '../auth/tokens.js';
import { createApiMetrics, type ApiMetrics } from '../metrics/api.js';
import { startUploadSweeps, type UploadSweeps } from '../jobs/service.js';
import { answerClientError } from './errors.js';
import { persistedOperationsOnly } from './persisted-operations.js';
import { createRoutes } from './routes.js';
import { attachGraphQLWebSocket } from './ws.js';
import { createGraphQLYoga, GRAPHQL_PATH, type Yoga } from './yoga.js';

export interface App {
  server: Server;
  yoga: Yoga;
  metrics: ApiMetrics;
  /** Listens on config.http.port (0 = any free port); resolves with the bound URL. */
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
}

export function buildApp(services: AppServices): App {
  const { config, log } = services;
  const verifier = createTokenVerifier(config.auth.tokens);
  const metrics = createApiMetrics(services.ingestQueue, log);
  const persisted = config.http.persistedOperationsOnly ? persistedOperationsOnly(verifier) : null;

  const yoga = createGraphQLYoga({ services, verifier, metrics, persisted });
  const server = createServer(createRoutes({ services, yoga, verifier, metrics }));
  server.on('clientError', answerClientError);
  const ws = attachGraphQLWebSocket({ server, yoga, verifier, persisted, log });

  // Partial uploads of a dead process, and uploaded bytes past UPLOAD_RETENTION_DAYS.
  let sweeps: UploadSweeps | undefined;

  return {
    server,
    yoga,
    metrics,
    start: (port = config.http.port) =>
      new Promise((resolve, reject) => {
        sweeps ??= startUploadSweeps(services.db.pool, config.uploads.retentionDays, log);
        // Without auth, only this machine may connect.
        const host = config.http.host ?? (verifier.enabled ? '0.0.0.0' : '127.0.0.1');
        if (!verifier.enabled) log.warn('AUTH_TOKENS is empty: auth is off, listening on 127.0.0.1 only');
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}${GRAPHQL_PATH}`);
        });
      }),
    async stop() {
      sweeps?.stop();
      await ws.dispose();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
