// Per-client concurrency: each identity (src/auth/identity.ts) runs at most `maxConcurrent`
// queries/mutations at once in this process; its further operations wait in a FIFO queue
// of at most `maxQueued`, beyond which they are refused with TOO_MANY_REQUESTS (429,
// Retry-After). One client's burst then queues behind itself instead of in front of
// everyone else's queries on the shared database pool. HTTP and WebSocket alike: both run
// execute through these plugins. Subscriptions are not counted: a stream lives for
// minutes and would hold a slot all that time; their setup is one cheap query.
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientIdentity, type IdentityContext } from '../auth/identity.js';
import type { TokenVerifier } from '../auth/tokens.js';

export interface OperationFairnessOptions {
  maxConcurrent: number;
  maxQueued: number;
  verifier: TokenVerifier;
}

/** Seconds a refused client is told to wait: queued operations of ours take about that. */
const RETRY_AFTER_SECONDS = 1;

type Release = () => void;

interface ClientSlots {
  running: number;
  waiting: Array<(release: Release) => void>;
}

/** Slots per identity; a client's state exists only while it has operations in flight. */
export function createConcurrencyLimiter(maxConcurrent: number, maxQueued: number) {
  const clients = new Map<string, ClientSlots>();

  const releaseFor = (identity: string, slots: ClientSlots): Release => {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = slots.waiting.shift();
      // Hand the slot straight to the next waiter: `running` stays as it is.
      if (next) return next(releaseFor(identity, slots));
      slots.running -= 1;
      if (!slots.running) clients.delete(identity);
    };
    return release;
  };

  return {
    /** Resolves with the release of a slot once one is free; null at once when the queue is full. */
    acquire(identity: string): Promise<Release> | null {
      let slots = clients.get(identity);
      if (!slots) clients.set(identity, (slots = { running: 0, waiting: [] }));
      if (slots.running < maxConcurrent) {
        slots.running += 1;
        return Promise.resolve(releaseFor(identity, slots));
      }
      if (slots.waiting.length >= maxQueued) return null;
      return new Promise<Release>((resolve) => slots.waiting.push(resolve));
    },
    /** Operations running and waiting for one identity (tests, metrics). */
    load(identity: string) {
      const slots = clients.get(identity);
      return { running: slots?.running ?? 0, waiting: slots?.waiting.length ?? 0 };
    },
  };
}

function tooManyOperations(options: OperationFairnessOptions, overHttp: boolean): GraphQLError {
  return new GraphQLError(
    `Too many operations in flight: at most ${options.maxConcurrent} run and ${options.maxQueued} wait per client; retry in ${RETRY_AFTER_SECONDS} s`,
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
      const identity = clientIdentity(context, options.verifier);
      setExecuteFn(async (executeArgs: ExecutionArgs) => {
        const slot = limiter.acquire(identity);
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
