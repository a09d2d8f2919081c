// uploadCsv rate limit: a fixed window counted in Redis, so every API process shares it.
// The bucket is the token (a hash of it) when auth is on, the client address when off.
// Checked before the resolver runs, i.e. before any file byte is stored.
import type { IncomingMessage } from 'node:http';
import { getOperationAST, GraphQLError, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { presentedAuthorization } from '../auth/plugin.js';
import { tokenKey, type TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../infra/logger.js';

export interface UploadRateLimitOptions {
  redis: Redis;
  /** REDIS_PREFIX: keeps test runs and deployments apart. */
  prefix: string;
  limit: number;
  windowSeconds: number;
  verifier: TokenVerifier;
  log: Logger;
}

interface RateLimitContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
  req?: IncomingMessage;
}

const LIMITED_FIELD = 'uploadCsv';

export function useUploadRateLimit(options: UploadRateLimitOptions): Plugin {
  const { redis, prefix, limit, windowSeconds, verifier, log } = options;

  const bucketOf = (context: RateLimitContext) => {
    const authorization = presentedAuthorization(context);
    if (verifier.enabled && authorization) return `token:${tokenKey(authorization)}`;
    return `ip:${context.req?.socket.remoteAddress ?? 'unknown'}`;
  };

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const calls = operation.selectionSet.selections.filter(
        (selection) => selection.kind === Kind.FIELD && selection.name.value === LIMITED_FIELD,
      ).length;
      if (!calls) return;

      const window = Math.floor(Date.now() / 1000 / windowSeconds);
      const key = `${prefix}:ratelimit:${LIMITED_FIELD}:${bucketOf(args.contextValue as RateLimitContext)}:${window}`;
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
      const overHttp = (args.contextValue as RateLimitContext).request !== undefined;
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
