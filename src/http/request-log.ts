// Request ids and one log line per GraphQL operation. HTTP: the client's `x-request-id`
// when it is a plain short token, else a new UUID, echoed in the response header.
// WebSocket: a new id per operation. Resolvers get a child logger carrying the id.
// Variables are never logged (they may hold personal data); headers are redacted.
import { randomUUID } from 'node:crypto';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { MaskError, Plugin } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';

const REQUEST_ID_HEADER = 'x-request-id';
const CLIENT_ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;

interface LogContext {
  request?: Request;
  requestId?: string;
  role?: string | null;
  log?: Logger;
}

/** The code the client sees for an error: classified by the same mask as the response. */
const clientCode = (maskError: MaskError, error: unknown) =>
  String((maskError(error, 'Unexpected error.', false) as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR');

/**
 * Yoga's logger: Yoga logs every error it masks, expected ones too (NOT_FOUND,
 * BAD_USER_INPUT…). Those go to debug; only unexpected failures are logged as errors.
 */
export function yogaLogger(log: Logger, maskError: MaskError) {
  const child = log.child({ component: 'yoga' });
  const write = (level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]) => Reflect.apply(child[level], child, args);
  return {
    debug: (...args: unknown[]) => write('debug', args),
    info: (...args: unknown[]) => write('info', args),
    warn: (...args: unknown[]) => write('warn', args),
    error: (...args: unknown[]) =>
      write(args[0] instanceof Error && clientCode(maskError, args[0]) !== 'INTERNAL_SERVER_ERROR' ? 'debug' : 'error', args),
  };
}

/** Logs carry the codes the client sees, so errors are classified by the same mask. */
export function useRequestLog(log: Logger, maskError: MaskError): Plugin<LogContext> {
  const errorCodes = (result: unknown) => {
    const errors = (result as ExecutionResult | undefined)?.errors;
    return errors?.length ? [...new Set(errors.map((error) => clientCode(maskError, error)))] : undefined;
  };
  const ids = new WeakMap<Request, string>();
  const idOf = (request: Request) => {
    let id = ids.get(request);
    if (!id) {
      const sent = request.headers.get(REQUEST_ID_HEADER);
      id = sent && CLIENT_ID_RE.test(sent) ? sent : randomUUID();
      ids.set(request, id);
    }
    return id;
  };
  const describe = (document: DocumentNode, operationName: string | null | undefined, context: LogContext) => {
    const operation = getOperationAST(document, operationName);
    return {
      requestId: context.requestId,
      operation: operation?.name?.value ?? operationName ?? null,
      type: operation?.operation,
      role: context.role,
    };
  };

  return {
    onContextBuilding({ context, extendContext }) {
      const requestId = context.request ? idOf(context.request) : randomUUID();
      extendContext({ requestId, log: log.child({ requestId }) });
    },
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, idOf(request));
    },
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          const fields = describe(args.document, args.operationName, args.contextValue as LogContext);
          log.info({ ...fields, ms: Math.round(performance.now() - started), errors: errorCodes(result) }, 'graphql operation');
        },
      };
    },
    onSubscribe({ args }) {
      const started = performance.now();
      const fields = describe(args.document, args.operationName, args.contextValue as LogContext);
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in Object(result))) {
            log.info({ ...fields, ms: Math.round(performance.now() - started), errors: errorCodes(result) }, 'graphql subscription refused');
            return;
          }
          log.info(fields, 'graphql subscription started');
          return { onEnd: () => log.info({ ...fields, ms: Math.round(performance.now() - started) }, 'graphql subscription ended') };
        },
      };
    },
  };
}
