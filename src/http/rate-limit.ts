// uploadCsv rate limit: a fixed window counted in Redis, so every API process shares it.
// The bucket is the client's identity (src/auth/identity.ts): the configured token it
// authenticated with, the client address when auth is off. Every uploadCsv the mutation
// will execute counts (aliases, inline fragments, fragment spreads; not one @skip drops).
// Checked before the resolver runs, i.e. before any file byte is stored.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { clientIdentity, type IdentityContext } from '../auth/identity.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../infra/logger.js';
import { collectFields, executedOperation, rootType, type ExecutedOperation } from './operation-fields.js';

export interface UploadRateLimitOptions {
  redis: Redis;
  /** REDIS_PREFIX: keeps test runs and deployments apart. */
  prefix: string;
  limit: number;
  windowSeconds: number;
  verifier: TokenVerifier;
  log: Logger;
}

const LIMITED_FIELD = 'uploadCsv';

function limitedCalls(op: ExecutedOperation): number {
  const root = rootType(op);
  if (op.operation.operation !== 'mutation' || !root) return 0;
  return collectFields(op, op.operation.selectionSet, root).filter(({ node }) => node.name.value === LIMITED_FIELD).length;
}

export function useUploadRateLimit(options: UploadRateLimitOptions): Plugin {
  const { redis, prefix, limit, windowSeconds, verifier, log } = options;

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const op = executedOperation(args.schema, args.document, args.operationName, args.variableValues);
      const calls = op ? limitedCalls(op) : 0;
      if (!calls) return;

      const context = args.contextValue as IdentityContext;
      const window = Math.floor(Date.now() / 1000 / windowSeconds);
      const key = `${prefix}:ratelimit:${LIMITED_FIELD}:${clientIdentity(context, verifier)}:${window}`;
      let used: number;
      try {
        const replies = await redis.multi().incrby(key, calls).expire(key, windowSeconds + 1).exec();
        used = Number(replies?.[0]?.[1]);
      } catch (error) {
        // Redis down: the upload cannot be queued anyway; let the mutation report that.
        log.warn({ err: error }, 'upload rate limit unavailable');
        return;
      }
      if (used <= limit) return;
      const retryAfter = (window + 1) * windowSeconds - Math.floor(Date.now() / 1000);
      const overHttp = context.request !== undefined;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Too many uploads: at most ${limit} per ${windowSeconds} s; retry in ${retryAfter} s`, {
            extensions: {
              code: 'TOO_MANY_REQUESTS',
              retryAfterSeconds: retryAfter,
              ...(overHttp ? { http: { status: 429, headers: { 'Retry-After': String(retryAfter) } } } : {}),
            },
          }),
        ],
      });
    },
  };
}
