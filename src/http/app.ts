// buildApp(): one http server carrying Yoga (HTTP + GraphiQL), graphql-ws on the same
// /graphql path, and the health endpoints. start() listens, stop() drains and closes.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ExecutionArgs } from 'graphql';
import { schema } from '../graphql/schema.js';
import type { AppServices, GraphQLContext, Role } from '../graphql/context.js';
import { maskError } from './errors.js';
import { useStreamingUploads, type NodeServerContext } from './uploads.js';
import { checkReadiness } from './health.js';

export const GRAPHQL_PATH = '/graphql';

export interface App {
  server: Server;
  yoga: YogaServerInstance<NodeServerContext, GraphQLContext>;
  /** Listens on env.PORT (0 = any free port); resolves with the bound URL. */
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
}

export function buildApp(services: AppServices): App {
  const { env, log } = services;
  const authOff = env.AUTH_TOKENS.size === 0;

  const yoga = createYoga<NodeServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Uploads are parsed by useStreamingUploads; Yoga must not read bodies itself.
    multipart: false,
    maxRequestBodySize: false,
    maskedErrors: { maskError, isDev: env.NODE_ENV === 'development' },
    graphiql: env.NODE_ENV === 'development' ? { subscriptionsProtocol: 'WS', title: 'AI usage BI' } : false,
    landingPage: false,
    logging: log.child({ component: 'yoga' }),
    plugins: [useStreamingUploads({ maxFileSize: env.MAX_UPLOAD_BYTES })],
    context: (): Omit<GraphQLContext, keyof AppServices> & AppServices => ({
      ...services,
      role: authOff ? 'admin' : (null as Role | null),
      requestId: randomUUID(),
    }),
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const report = await checkReadiness(services);
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.use(GRAPHQL_PATH, (req, res) => yoga(req, res, { req, res }));

  const server = createServer(app);
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
  // graphql-ws through yoga.getEnveloped: subscriptions pass the same plugins as HTTP.
  const wsHandle = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
        const document = enveloped.parse(payload.query);
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
      },
    },
    wsServer,
  );

  return {
    server,
    yoga,
    start: (port = env.PORT) =>
      new Promise((resolve, reject) => {
        // Without auth, only this machine may connect (SPEC §6).
        const host = env.HOST ?? (authOff ? '127.0.0.1' : '0.0.0.0');
        if (authOff) log.warn('AUTH_TOKENS is empty: auth is off, listening on 127.0.0.1 only');
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}${GRAPHQL_PATH}`);
        });
      }),
    async stop() {
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
