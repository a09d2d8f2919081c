// The GraphQL handler: one Yoga instance with every plugin the API runs. HTTP requests
// reach it through routes.ts, WebSocket operations through ws.ts (yoga.getEnveloped), and
// tests without a port through yoga.fetch.
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../graphql/schema.js';
import type { AppServices, GraphQLContext } from '../graphql/context.js';
import { useAuth } from '../auth/plugin.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { ApiMetrics } from '../metrics/api.js';
import type { PersistedOperationsOnly } from './persisted-operations.js';
import { GRAPHIQL_OPTIONS, localGraphiQL } from './graphiql.js';
import { createMaskError } from './errors.js';
import { useCors } from './cors.js';
import { useOperationBodyLimit } from './body-limit.js';
import { useOperationFairness } from './fairness.js';
import { useQueryLimits } from './limits.js';
import { useUploadRateLimit } from './rate-limit.js';
import { useRequestLog, yogaLogger } from './request-log.js';
import { useStreamingUploads, type NodeServerContext } from './uploads.js';

export const GRAPHQL_PATH = '/graphql';

export type Yoga = YogaServerInstance<NodeServerContext, GraphQLContext>;

export interface YogaDeps {
  services: AppServices;
  verifier: TokenVerifier;
  metrics: ApiMetrics;
  /** Set when PERSISTED_OPERATIONS_ONLY is on. */
  persisted: PersistedOperationsOnly | null;
}

export function createGraphQLYoga({ services, verifier, metrics, persisted }: YogaDeps): Yoga {
  const { config, log } = services;
  const maskError = createMaskError({ maxUploadBytes: config.uploads.maxBytes });
  return createYoga<NodeServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Uploads are parsed by useStreamingUploads; Yoga must not read bodies itself.
    multipart: false,
    maxRequestBodySize: false,
    maskedErrors: { maskError, isDev: config.nodeEnv === 'development' },
    graphiql: config.nodeEnv === 'development' ? GRAPHIQL_OPTIONS : false,
    renderGraphiQL: localGraphiQL(),
    landingPage: false,
    // Replaced by useCors: Yoga's default echoes any Origin with credentials.
    cors: false,
    logging: yogaLogger(log, maskError),
    // The order is the order each request meets them, and it matters:
    // - CORS first, so even a refused request carries the headers a browser needs to
    //   read the refusal; then the request log and metrics, which must see every
    //   operation, refused ones included.
    // - Auth before the upload rate limit (an anonymous caller never spends a client's
    //   quota), and both before useStreamingUploads reads an upload's body: a refused
    //   upload costs no bytes.
    // - Query limits, the body limit and the persisted-operations rule refuse a document
    //   before it runs.
    // - Fairness last: it wraps execute, so an operation refused above never takes a slot.
    plugins: [
      useCors(config),
      useRequestLog(log, maskError),
      ...metrics.plugins,
      useAuth(verifier),
      ...useQueryLimits(config.nodeEnv === 'production'),
      useUploadRateLimit({
        redis: services.redis,
        prefix: config.redis.prefix,
        ...config.uploads.rateLimit,
        verifier,
        log,
      }),
      useStreamingUploads({
        maxFileSize: config.uploads.maxBytes,
        maxConcurrent: config.uploads.maxConcurrent,
        idleTimeoutSeconds: config.uploads.idleTimeoutSeconds,
        onBytes: (bytes) => metrics.uploadBytes.inc(bytes),
      }),
      useOperationBodyLimit(),
      ...(persisted ? [persisted.plugin] : []),
      useOperationFairness({ ...config.http.operationsPerClient, verifier }),
    ],
    // role and requestId are set by useAuth and useRequestLog; these are fail-closed defaults.
    context: (): GraphQLContext => ({ ...services, role: null, requestId: '' }),
  });
}
