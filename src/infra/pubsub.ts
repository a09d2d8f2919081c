// Pub/sub between processes (SPEC §1, §7): graphql-redis-subscriptions' RedisPubSub over
// ioredis, wrapped once. Every channel is a typed topic: a name namespaced per deployment
// and the zod schema its messages are checked against on arrival, so a subscriber only
// ever sees well-formed payloads, and a publisher can only send what the channel carries.
//
// The wire format is the library's: the channel name as is, the payload as JSON. A plain
// `redis.publish(name, JSON.stringify(payload))` (a test, an operator) is heard like any
// publisher. Each message is parsed and checked once per process, whatever the number of
// listeners; one that fails the check is logged and dropped.
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Repeater, SlidingBuffer } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { budgetAlertEventSchema } from '../budgets/events.js';
import { jobChangedEventSchema, jobProgressEventSchema } from '../progress/events.js';
import type { Logger } from './logger.js';

/** A channel and the shape of its messages: `In` is what is published, `Out` what listeners get. */
export interface Topic<Out, In = Out> {
  readonly name: string;
  readonly schema: z.ZodType<Out, In>;
}

const topic = <Out, In>(name: string, schema: z.ZodType<Out, In>): Topic<Out, In> => ({ name, schema });

/**
 * The channel prefix of a deployment: REDIS_PREFIX, plus the DB number of its Redis
 * connection when that is not 0. Keys live in their DB but pub/sub ignores it, so two
 * deployments sharing a server on DBs 1 and 2 would otherwise hear each other's events.
 * Worker and API derive it from their connections, so they agree; DB 0 keeps the bare
 * prefix (the channel names of existing deployments do not change).
 */
const channelPrefix = (prefix: string, db: number | undefined) => (db ? `${prefix}:db${db}` : prefix);

/** Every channel of a deployment whose channel prefix is `prefix` (see channelPrefix). */
export function channelTopics(prefix: string) {
  return {
    /** One job's progress; an API process listens while a client follows that job. */
    jobProgress: (jobId: string) => topic(`${prefix}:job-progress:${jobId}`, jobProgressEventSchema),
    /** Any job's status or stage changed: job lists refresh from it. */
    jobsChanged: () => topic(`${prefix}:jobs-changed`, jobChangedEventSchema),
    /** Every budget alert of the deployment. */
    budgetAlerts: () => topic(`${prefix}:budget-alerts`, budgetAlertEventSchema),
  };
}
export type ChannelTopics = ReturnType<typeof channelTopics>;

export interface PubSub {
  readonly topics: ChannelTopics;
  /**
   * Publishes one message on the publisher connection; messages of one process reach Redis
   * in call order. Rejects when Redis refused it: callers log, nothing here swallows it.
   */
  publish<Out, In>(topic: Topic<Out, In>, payload: In): Promise<void>;
  /**
   * Calls `onMessage` with every valid message published on the topic from the moment the
   * returned promise resolves (Redis has confirmed the SUBSCRIBE). Resolves to the function
   * that stops listening; the channel is unsubscribed when its last listener stops.
   */
  listen<Out>(topic: Topic<Out, unknown>, onMessage: (message: Out) => void): Promise<() => void>;
  /**
   * The topic's messages as a stream for a subscription resolver: it subscribes on its
   * first pull and unsubscribes when it is returned (a client leaving). A slow reader keeps
   * the newest `backlog` messages.
   */
  stream<Out>(topic: Topic<Out, unknown>, backlog?: number): Repeater<Out>;
  /** Stops listening to everything (the subscriber connection closes; the publisher is the caller's). */
  close(): void;
}

export interface PubSubOptions {
  /** A normal connection, shared with the rest of the process. */
  publisher: Redis;
  /**
   * A connection used for nothing but SUBSCRIBE (a connection in subscriber mode can do
   * nothing else), owned by the PubSub from now on. Processes that only publish (the
   * worker) leave it out: a copy of the publisher's options that never connects.
   */
  subscriber?: Redis;
  /** REDIS_PREFIX; the publisher's DB number is added by channelPrefix. */
  prefix: string;
  log: Logger;
}

/** A message that failed its topic's check: listeners never see it. */
const INVALID = Symbol('invalid message');

const DEFAULT_BACKLOG = 32;

export function createPubSub({ publisher, subscriber, prefix, log }: PubSubOptions): PubSub {
  const subscriberConnection = subscriber ?? publisher.duplicate({ lazyConnect: true });
  // The schema of each channel someone listens to, and how many listen: the deserializer
  // checks a message once, before the library hands it to every listener of its channel.
  const listened = new Map<string, { schema: z.ZodType<unknown, unknown>; listeners: number }>();
  const engine = new RedisPubSub({
    publisher,
    subscriber: subscriberConnection,
    deserializer: (raw, { channel }) => {
      const schema = listened.get(channel)?.schema;
      if (!schema) return INVALID;
      const text = raw.toString('utf8');
      const checked = schema.safeParse(parseJson(text));
      if (checked.success) return checked.data;
      log.warn({ channel, message: text.slice(0, 200) }, 'dropped a pub/sub message that is not a valid event of its channel');
      return INVALID;
    },
  });

  async function listen<Out>(topic: Topic<Out, unknown>, onMessage: (message: Out) => void): Promise<() => void> {
    const entry = listened.get(topic.name) ?? { schema: topic.schema, listeners: 0 };
    entry.listeners++;
    listened.set(topic.name, entry);
    const forget = () => {
      if (--entry.listeners === 0) listened.delete(topic.name);
    };
    let id: number;
    try {
      // Resolves once Redis has answered the SUBSCRIBE (or at once when the channel is
      // already subscribed): what is published from then on reaches this listener.
      id = await engine.subscribe(topic.name, (message: unknown) => {
        if (message !== INVALID) onMessage(message as Out);
      });
    } catch (error) {
      forget();
      throw error;
    }
    let listening = true;
    return () => {
      if (!listening) return;
      listening = false;
      engine.unsubscribe(id);
      forget();
    };
  }

  return {
    topics: channelTopics(channelPrefix(prefix, publisher.options.db)),
    // The payload was checked by its type; JSON as the library sends it by default.
    publish: (topic, payload) => engine.publish(topic.name, payload),
    listen,
    stream: <Out>(topic: Topic<Out, unknown>, backlog = DEFAULT_BACKLOG) =>
      new Repeater<Out>(async (push, stop) => {
        const unlisten = await listen(topic, (message) => void push(message));
        await stop;
        unlisten();
      }, new SlidingBuffer(backlog)),
    close: () => subscriberConnection.disconnect(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}
