// Auth as a Yoga plugin, so HTTP and graphql-ws (run through yoga.getEnveloped) pass the
// same checks. The role comes from `Authorization: Bearer …` on HTTP and from the
// connection_init payload `{ authorization: 'Bearer …' }` on WebSocket.
//   no or bad token → UNAUTHENTICATED (HTTP: 401 before the body is read)
//   viewer + mutation → FORBIDDEN (HTTP: 403); admin → everything
//   viewer + multipart (an upload, i.e. a mutation) → 403 before the body is read
import { getOperationAST, GraphQLError, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Role } from './role.js';
import { closeAfterResponse, isMultipart, type NodeServerContext } from '../http/uploads.js';
import type { TokenVerifier } from './tokens.js';

/** What the plugin reads from the context Yoga (HTTP) or app.ts (WebSocket) builds. */
interface AuthInitialContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
  role?: Role | null;
}

const UNAUTHENTICATED_MESSAGE = 'Missing or invalid token: send Authorization: Bearer <token>';

function unauthenticated(overHttp: boolean): GraphQLError {
  return new GraphQLError(UNAUTHENTICATED_MESSAGE, {
    extensions: {
      code: 'UNAUTHENTICATED',
      ...(overHttp ? { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } : {}),
    },
  });
}

function forbidden(overHttp: boolean, what: string): GraphQLError {
  return new GraphQLError(`Your role may not run ${what}; it needs an admin token`, {
    extensions: { code: 'FORBIDDEN', ...(overHttp ? { http: { status: 403 } } : {}) },
  });
}

/** The credential a request or WebSocket connection presented (header or init payload). */
export function presentedAuthorization(context: AuthInitialContext): string | null {
  if (context.request) return context.request.headers.get('authorization');
  const value = context.connectionParams?.authorization ?? context.connectionParams?.Authorization;
  return typeof value === 'string' ? value : null;
}

const operationKind = (document: DocumentNode, operationName?: string | null) =>
  getOperationAST(document, operationName)?.operation;

export function useAuth(verifier: TokenVerifier): Plugin<AuthInitialContext> {
  return {
    // HTTP: refuse before Yoga (or the multipart parser) reads the body.
    // A refusal answers before the body is read, so the connection is closed after it.
    onRequestParse({ request, serverContext }) {
      const role = verifier.roleOf(request.headers.get('authorization'));
      if (role === null) {
        closeAfterResponse(serverContext as unknown as NodeServerContext);
        throw unauthenticated(true);
      }
      if (role !== 'admin' && isMultipart(request)) {
        closeAfterResponse(serverContext as unknown as NodeServerContext);
        throw forbidden(true, 'uploads (multipart requests carry mutations)');
      }
    },
    onContextBuilding({ context, extendContext }) {
      extendContext({ role: verifier.roleOf(presentedAuthorization(context)) });
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as AuthInitialContext;
      const overHttp = context.request !== undefined;
      if (!context.role) {
        setResultAndStopExecution({ errors: [unauthenticated(overHttp)] });
      } else if (context.role !== 'admin' && operationKind(args.document, args.operationName) === 'mutation') {
        setResultAndStopExecution({ errors: [forbidden(overHttp, 'mutations')] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as AuthInitialContext;
      if (!context.role) setResultAndStopExecution({ errors: [unauthenticated(context.request !== undefined)] });
    },
  };
}
