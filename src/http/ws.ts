// GraphQL over WebSocket (graphql-ws) on the API's http server, at the same path as HTTP.
// As in Yoga's graphql-ws example, onSubscribe builds each operation through
// yoga.getEnveloped, so WebSocket operations pass the same plugins (auth, limits,
// metrics, logs) as HTTP, and hands graphql-ws the enveloped execute/subscribe with the
// arguments; graphql-ws's execute/subscribe then call them.
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { presentedAuthorization } from '../auth/plugin.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../infra/logger.js';
import { MAX_OPERATION_BODY_BYTES } from './body-limit.js';
import type { PersistedOperationsOnly } from './persisted-operations.js';
import { logWsErrors, WS_UNAUTHORIZED } from './ws-errors.js';
import { GRAPHQL_PATH, type Yoga } from './yoga.js';

type Enveloped = ReturnType<Yoga['getEnveloped']>;

/** The arguments of one operation, with the enveloped functions that run it. */
interface EnvelopedArgs extends ExecutionArgs {
  execute: Enveloped['execute'];
  subscribe: Enveloped['subscribe'];
}

export interface GraphQLWebSocketDeps {
  server: Server;
  yoga: Yoga;
  verifier: TokenVerifier;
  persisted: PersistedOperationsOnly | null;
  log: Logger;
}

export interface GraphQLWebSocket {
  /** Closes every connection (complete, then close) and the WebSocket server. */
  dispose(): Promise<void>;
}

export function attachGraphQLWebSocket({ server, yoga, verifier, persisted, log }: GraphQLWebSocketDeps): GraphQLWebSocket {
  // Messages carry one operation each (no files): a larger frame is refused (close 1009).
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: MAX_OPERATION_BODY_BYTES });
  const handle = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).execute(args),
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
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
        const { schema, parse, validate, contextFactory, execute, subscribe } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: { ...payload, query },
        });
        // A parse error or a rejected document must fail this operation, not close the
        // whole socket (graphql-ws closes with 4500 when this hook throws).
        try {
          const document = parse(query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
          const args: EnvelopedArgs = {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            execute,
            subscribe,
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
  return {
    async dispose() {
      await handle.dispose();
      wsServer.close();
    },
  };
}
