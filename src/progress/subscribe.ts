// API side: follows one job's progress for one client subscription.
//
// Per process, one Yoga Redis event target on the dedicated subscriber connection: it
// SUBSCRIBEs to a channel when its first listener arrives and UNSUBSCRIBEs when its last
// one leaves, so Redis holds exactly the channels some client is watching.
//
// Ordering without gaps: the channel is subscribed (and a PING on the same connection
// confirms Redis has processed the SUBSCRIBE) before the row is read, so every event
// published after that read arrives on the channel, and every event published before it
// is no newer than the row. Events no newer than the last one sent are dropped; percent
// is held non-decreasing. Re-reading the row after a few seconds without a message covers
// changes no worker publishes (a queued job cancelled by the API, a worker that died).
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { TypedEvent, TypedEventTarget } from '@graphql-yoga/typed-event-target';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { notFound } from '../errors.js';
import {
  averageRate,
  channelPrefix,
  isNewer,
  isTerminal,
  jobsChangedChannel,
  parseJobChangedEvent,
  parseProgressEvent,
  progressChannel,
  progressEvent,
  type JobChangedEvent,
  type JobProgressEvent,
} from './events.js';
import { readJobProgressRow } from './job-row.js';

export interface ProgressSubscribeDeps {
  pool: pg.Pool;
  redis: Redis;
  /** A connection used only in subscriber mode. */
  redisSubscriber: Redis;
  /** REDIS_PREFIX (channelPrefix adds the connection's DB number). */
  prefix: string;
  /** The row is re-read after this long without a message (default 5 s). */
  pollMs?: number;
}

type ChannelEvent = TypedEvent<string, unknown>;

const targets = new WeakMap<Redis, TypedEventTarget<ChannelEvent>>();

/** One event target per subscriber connection (that is, per API process). */
function eventTarget(deps: Pick<ProgressSubscribeDeps, 'redis' | 'redisSubscriber'>): TypedEventTarget<ChannelEvent> {
  let target = targets.get(deps.redisSubscriber);
  if (!target) {
    target = createRedisEventTarget<ChannelEvent>({
      publishClient: deps.redis,
      subscribeClient: deps.redisSubscriber,
      // A foreign or corrupt message must not throw inside the connection's handler.
      serializer: { stringify: JSON.stringify, parse: parseJsonOrNull },
    });
    targets.set(deps.redisSubscriber, target);
  }
  return target;
}

const channelsOf = (deps: Pick<ProgressSubscribeDeps, 'prefix' | 'redisSubscriber'>) => channelPrefix(deps.prefix, deps.redisSubscriber.options.db);

function parseJsonOrNull(message: string): unknown {
  try {
    return JSON.parse(message) as unknown;
  } catch {
    return null;
  }
}

/** Listens on a channel; resolves once Redis has processed the SUBSCRIBE. Returns the remover. */
async function listen(
  deps: Pick<ProgressSubscribeDeps, 'redis' | 'redisSubscriber'>,
  channel: string,
  onDetail: (detail: unknown) => void,
): Promise<() => void> {
  const target = eventTarget(deps);
  const listener = (event: ChannelEvent) => onDetail(event.detail);
  target.addEventListener(channel, listener);
  const remove = () => target.removeEventListener(channel, listener);
  try {
    // Replies come in command order on one connection: PONG means SUBSCRIBE is active.
    await deps.redisSubscriber.ping();
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}

/**
 * Starts following a job: resolves once the first event (the current state) is ready,
 * rejects with a NOT_FOUND DomainError when there is no such job. `jobId` must be a UUID in
 * lower case (normaliseJobId): it names the Redis channel, which is case-sensitive.
 */
export async function followJobProgress(deps: ProgressSubscribeDeps, jobId: string): Promise<AsyncIterableIterator<JobProgressEvent>> {
  const stream = new ProgressStream();
  const pollMs = deps.pollMs ?? 5_000;
  let poll: NodeJS.Timeout | undefined;
  let open = true;
  const readSnapshot = async () => {
    const row = await readJobProgressRow(deps.pool, jobId);
    const now = Date.now();
    return row && progressEvent(row, averageRate(row, now), now);
  };
  // The row is re-read only after pollMs without a message, so a live job is not polled.
  const armPoll = () => {
    clearTimeout(poll);
    if (!open) return;
    poll = setTimeout(() => {
      readSnapshot().then(
        (event) => event && stream.offer(event),
        () => undefined, // the next poll or event will do
      ).finally(armPoll);
    }, pollMs);
  };
  const stopListening = await listen(deps, progressChannel(channelsOf(deps), jobId), (detail) => {
    const event = parseProgressEvent(detail);
    if (event?.jobId !== jobId) return;
    stream.offer(event);
    armPoll();
  });
  let first: JobProgressEvent | null;
  try {
    first = await readSnapshot();
  } catch (error) {
    stopListening();
    throw error;
  }
  if (!first) {
    stopListening();
    throw notFound('job', jobId);
  }
  armPoll();
  stream.start(first, () => {
    open = false;
    clearTimeout(poll);
    stopListening();
  });
  return stream;
}

/** Follows status and stage changes of every job (job list pages). */
export function followJobChanges(deps: ProgressSubscribeDeps): Promise<AsyncIterableIterator<JobChangedEvent>> {
  return followChannel(deps, jobsChangedChannel, parseJobChangedEvent);
}

/**
 * Every valid message on a deployment-wide channel (`channel` of the channel prefix), from
 * the moment Redis confirms the subscription; `parse` drops what is not an event (null).
 */
export async function followChannel<T>(
  deps: Pick<ProgressSubscribeDeps, 'prefix' | 'redis' | 'redisSubscriber'>,
  channel: (prefix: string) => string,
  parse: (detail: unknown) => T | null,
): Promise<AsyncIterableIterator<T>> {
  const queue = new Queue<T>();
  const stopListening = await listen(deps, channel(channelsOf(deps)), (detail) => {
    const event = parse(detail);
    if (event !== null) queue.push(event);
  });
  queue.onClose(stopListening);
  return queue;
}

/** An async iterator fed by callbacks; return() ends it at once and runs its cleanup. */
class Queue<T> implements AsyncIterableIterator<T> {
  protected items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private closed = false;
  private cleanup: (() => void) | null = null;

  onClose(cleanup: () => void) {
    this.cleanup = cleanup;
  }

  push(item: T) {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Delivers what is queued, then ends. */
  end() {
    this.runCleanup();
    this.closed = true;
    if (this.waiting && this.items.length === 0) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private runCleanup() {
    const cleanup = this.cleanup;
    this.cleanup = null;
    cleanup?.();
  }
}

/** Keeps at most this many undelivered events for a slow client; older ones are superseded. */
const MAX_BACKLOG = 32;

/** The per-subscription progress stream: ordered, monotonic, ends after a terminal event. */
class ProgressStream extends Queue<JobProgressEvent> {
  private last: JobProgressEvent | null = null;
  private early: JobProgressEvent[] = [];

  start(first: JobProgressEvent, cleanup: () => void) {
    this.onClose(cleanup);
    this.accept(first);
    for (const event of this.early.splice(0)) this.offer(event);
  }

  offer(event: JobProgressEvent) {
    if (!this.last) {
      this.early.push(event); // arrived between SUBSCRIBE and the first read
      return;
    }
    if (isTerminal(this.last.status) || !isNewer(event, this.last)) return;
    this.accept({ ...event, percent: Math.max(event.percent, this.last.percent) });
  }

  private accept(event: JobProgressEvent) {
    this.last = event;
    if (this.items.length >= MAX_BACKLOG) this.items.shift();
    this.push(event);
    if (isTerminal(event.status)) this.end();
  }
}
