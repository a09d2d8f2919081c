// buildApp(): one http server carrying Yoga (HTTP + GraphiQL), graphql-ws on the same
// /graphql path, the health endpoints, Prometheus /metrics and Bull Board. start()
// listens, stop() drains and closes. graphql-ws runs through yoga.getEnveloped, so
// WebSocket operations pass the same plugins (auth, limits, metrics, logs) as HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { schema } from '../graphql/schema.js';
import type { AppServices, GraphQLContext } from '../graphql/context.js';
import { requireAdmin } from '../auth/express.js';
import { presentedAuthorization, useAuth } from '../auth/plugin.js';
import { createTokenVerifier } from '../auth/tokens.js';
import { persistedOperationsOnly } from './persisted-operations.js';
import { GRAPHIQL_OPTIONS, localGraphiQL } from './graphiql.js';
import { createApiMetrics, type ApiMetrics } from '../metrics/api.js';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.js';
import { answerClientError, createMaskError } from './errors.js';
import { corsMiddleware, useCors } from './cors.js';
import { EXPORTS_PATH, exportsRouter } from './exports.js';
import { logWsErrors, WS_UNAUTHORIZED } from './ws-errors.js';
import { MAX_OPERATION_BODY_BYTES, useOperationBodyLimit } from './body-limit.js';
import { createReadinessCheck } from './health.js';
import { useOperationFairness } from './fairness.js';
import { useQueryLimits } from './limits.js';
import { useUploadRateLimit } from './rate-limit.js';
import { useRequestLog, yogaLogger } from './request-log.js';
import { useStreamingUploads, type NodeServerContext } from './uploads.js';
import { startUploadSweeps, type UploadSweeps } from '../jobs/service.js';
import { mountWebConsole } from './web-console.js';

export const GRAPHQL_PATH = '/graphql';
export const METRICS_PATH = '/metrics';

export interface App {
  server: Server;
  yoga: YogaServerInstance<NodeServerContext, GraphQLContext>;
  metrics: ApiMetrics;
  /** Listens on env.PORT (0 = any free port); resolves with the bound URL. */
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
}

export function buildApp(services: AppServices): App {
  const { env, log } = services;
  const verifier = createTokenVerifier(env.AUTH_TOKENS);
  const metrics = createApiMetrics(services.ingestQueue, log);
  const maskError = createMaskError({ maxUploadBytes: env.MAX_UPLOAD_BYTES });
  const persisted = env.PERSISTED_OPERATIONS_ONLY ? persistedOperationsOnly(verifier) : null;

  const yoga = createYoga<NodeServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Uploads are parsed by useStreamingUploads; Yoga must not read bodies itself.
    multipart: false,
    maxRequestBodySize: false,
    maskedErrors: { maskError, isDev: env.NODE_ENV === 'development' },
    graphiql: env.NODE_ENV === 'development' ? GRAPHIQL_OPTIONS : false,
    renderGraphiQL: localGraphiQL(),
    landingPage: false,
    // Replaced by useCors: Yoga's default echoes any Origin with credentials.
    cors: false,
    logging: yogaLogger(log, maskError),
    // Order matters: metrics and logs see every operation, auth rejects before the
    // rate limit counts, and both run before an upload's body is read.
    plugins: [
      useCors(env),
      useRequestLog(log, maskError),
      ...metrics.plugins,
      useAuth(verifier),
      ...useQueryLimits(env.NODE_ENV === 'production'),
      useUploadRateLimit({
        redis: services.redis,
        prefix: env.REDIS_PREFIX,
        limit: env.UPLOAD_RATE_LIMIT,
        windowSeconds: env.UPLOAD_RATE_WINDOW_SECONDS,
        verifier,
        log,
      }),
      useStreamingUploads({
        maxFileSize: env.MAX_UPLOAD_BYTES,
        maxConcurrent: env.MAX_CONCURRENT_UPLOADS,
        idleTimeoutSeconds: env.UPLOAD_IDLE_TIMEOUT_SECONDS,
        onBytes: (bytes) => metrics.uploadBytes.inc(bytes),
      }),
      useOperationBodyLimit(),
      ...(persisted ? [persisted.plugin] : []),
      // Last: it wraps execute, so an operation refused above never takes a slot.
      useOperationFairness({
        maxConcurrent: env.MAX_CONCURRENT_OPERATIONS_PER_CLIENT,
        maxQueued: env.MAX_QUEUED_OPERATIONS_PER_CLIENT,
        verifier,
      }),
    ],
    // role and requestId are set by useAuth and useRequestLog; these are fail-closed defaults.
    context: (): GraphQLContext => ({ ...services, role: null, requestId: '' }),
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const checkReadiness = createReadinessCheck(services, log);
  app.get('/ready', async (_req, res) => {
    const report = await checkReadiness();
    res.status(report.ready ? 200 : 503).json(report);
  });
  const adminOnly: RequestHandler[] = verifier.enabled ? [requireAdmin(verifier)] : [];
  app.get(METRICS_PATH, ...adminOnly, async (_req, res) => {
    res.set('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(BULL_BOARD_PATH, ...adminOnly, bullBoardRouter([services.ingestQueue]));
  app.use(EXPORTS_PATH, corsMiddleware(env), exportsRouter({ pool: services.db.pool, verifier, log }));
  app.use(GRAPHQL_PATH, (req, res) => yoga(req, res, { req, res }));
  mountWebConsole(app);

  const server = createServer(app);
  server.on('clientError', answerClientError);
  // Messages carry one operation each (no files): a larger frame is refused (close 1009).
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: MAX_OPERATION_BODY_BYTES });
  const wsHandle = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      // No or bad token in connection_init: close 4401 (not graphql-ws's 4403, which its
      // clients retry) before any operation is accepted. useAuth still checks the role of
      // every operation on the connection.
      onConnect: (ctx) => {
        const accepted = verifier.roleOf(presentedAuthorization({ connectionParams: ctx.connectionParams })) !== null;
        if (accepted) return true;
        log.info({ remote: ctx.extra.request.socket.remoteAddress }, 'WebSocket refused: missing or invalid token');
        ctx.extra.socket.close(WS_UNAUTHORIZED.code, WS_UNAUTHORIZED.reason);
        return false; // graphql-ws's own close (4403) is a no-op on a socket already closing
      },
      onSubscribe: async (ctx, _id, payload) => {
        // The persisted-operations rule, as on HTTP (Yoga's onParams does not run here).
        const query = persisted
          ? persisted.documentFor(payload, presentedAuthorization({ connectionParams: ctx.connectionParams }))
          : payload.query;
        if (query instanceof GraphQLError) return [query];
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: { ...payload, query } });
        // A parse error or a rejected document must fail this operation, not close the
        // whole socket (graphql-ws closes with 4500 when this hook throws).
        try {
          const document = enveloped.parse(query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length) return errors;
          const args: ExecutionArgs = {
            schema: enveloped.schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await enveloped.contextFactory(),
            rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
          };
          return args;
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      },
    },
    wsServer,
  );
  logWsErrors(wsServer, log);

  // Partial uploads of a dead process, and uploaded bytes past UPLOAD_RETENTION_DAYS.
  let sweeps: UploadSweeps | undefined;

  return {
    server,
    yoga,
    metrics,
    start: (port = env.PORT) =>
      new Promise((resolve, reject) => {
        sweeps ??= startUploadSweeps(services.db.pool, env.UPLOAD_RETENTION_DAYS, log);
        // Without auth, only this machine may connect (SPEC §6).
        const host = env.HOST ?? (verifier.enabled ? '0.0.0.0' : '127.0.0.1');
        if (!verifier.enabled) log.warn('AUTH_TOKENS is empty: auth is off, listening on 127.0.0.1 only');
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}${GRAPHQL_PATH}`);
        });
      }),
    async stop() {
      sweeps?.stop();
      await wsHandle.dispose();
      wsServer.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Enveloped = {
  execute: (args: ExecutionArgs) => never;
  subscribe: (args: ExecutionArgs) => never;
};
