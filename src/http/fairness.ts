// Per-client concurrency: each identity (src/auth/identity.ts) has `maxConcurrent` slots
// in this process; an operation takes one slot per root field it executes (aliases count:
// 15 aliased dashboards are 15 dashboards' worth of queries), at most all of them, so an
// alias-heavy operation runs alone. Further operations wait in a FIFO queue of at most
// `maxQueued`, beyond which they are refused with TOO_MANY_REQUESTS (429, Retry-After).
// One client's burst then queues behind itself instead of in front of everyone else's
// queries on the shared database pool. HTTP and WebSocket alike: both run execute through
// these plugins. Subscriptions are not counted: a stream lives for minutes and would hold
// a slot all that time; their setup is one cheap query. Uploads (multipart requests) are
// not counted either: they wait on the client's network, not on CPU or the pool, and
// MAX_CONCURRENT_UPLOADS bounds them (counted, four slow uploads held every slot of their
// token, and its queries queued behind them).
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientIdentity, type IdentityContext } from '../auth/identity.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { collectFields, executedOperation, rootType } from './operation-fields.js';
import { isMultipart } from './uploads.js';

export interface OperationFairnessOptions {
  maxConcurrent: number;
  maxQueued: number;
  verifier: TokenVerifier;
}

/** Seconds a refused client is told to wait: queued operations of ours take about that. */
const RETRY_AFTER_SECONDS = 1;

type Release = () => void;

interface ClientSlots {
  used: number;
  waiting: Array<{ weight: number; start: () => void }>;
}

/** Slots per identity; a client's state exists only while it has operations in flight. */
function createConcurrencyLimiter(maxConcurrent: number, maxQueued: number) {
  const clients = new Map<string, ClientSlots>();

  const take = (identity: string, slots: ClientSlots, weight: number): Release => {
    slots.used += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slots.used -= weight;
      // FIFO: the head waits until its weight fits; nobody overtakes it.
      while (slots.waiting.length && slots.used + slots.waiting[0]!.weight <= maxConcurrent) slots.waiting.shift()!.start();
      if (!slots.used && !slots.waiting.length) clients.delete(identity);
    };
  };

  return {
    /** Resolves with the release once `weight` slots are free; null at once when the queue is full. */
    acquire(identity: string, requested: number): Promise<Release> | null {
      const weight = Math.min(Math.max(requested, 1), maxConcurrent);
      let slots = clients.get(identity);
      if (!slots) clients.set(identity, (slots = { used: 0, waiting: [] }));
      const client = slots;
      if (!client.waiting.length && client.used + weight <= maxConcurrent) return Promise.resolve(take(identity, client, weight));
      if (client.waiting.length >= maxQueued) return null;
      return new Promise<Release>((resolve) => client.waiting.push({ weight, start: () => resolve(take(identity, client, weight)) }));
    },
  };
}

/** Root fields the operation will execute (aliases and fragments included). */
function rootFieldCount(args: ExecutionArgs): number {
  const op = executedOperation(args.schema, args.document, args.operationName, args.variableValues);
  const root = op && rootType(op);
  return op && root ? collectFields(op, op.operation.selectionSet, root).length : 1;
}

function tooManyOperations(options: OperationFairnessOptions, overHttp: boolean): GraphQLError {
  return new GraphQLError(
    `Too many operations in flight: ${options.maxConcurrent} root fields run and ${options.maxQueued} operations wait per client; retry in ${RETRY_AFTER_SECONDS} s`,
    {
      extensions: {
        code: 'TOO_MANY_REQUESTS',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        ...(overHttp ? { http: { status: 429, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } } : {}),
      },
    },
  );
}

export function useOperationFairness(options: OperationFairnessOptions): Plugin {
  const limiter = createConcurrencyLimiter(options.maxConcurrent, options.maxQueued);
  return {
    // The slot is taken inside the execute function, not in this hook, so it is released
    // by the same `finally` whatever happens (a later hook stopping execution included).
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as IdentityContext;
      if (context.request && isMultipart(context.request)) return;
      const identity = clientIdentity(context, options.verifier);
      setExecuteFn(async (executeArgs: ExecutionArgs) => {
        const slot = limiter.acquire(identity, rootFieldCount(executeArgs));
        if (!slot) return { errors: [tooManyOperations(options, context.request !== undefined)] };
        const release = await slot;
        try {
          return await executeFn(executeArgs);
        } finally {
          release();
        }
      });
    },
  };
}
