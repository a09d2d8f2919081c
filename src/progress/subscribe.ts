// API side of one client's jobProgress subscription.
//
// The first event is the job's current state, so a late subscriber sees where the job is;
// then the events the worker publishes on the job's channel, through small steps: drop an
// event no newer than the last one delivered, hold percent where it was if an event says
// less, end after the terminal event.
//
// No gap between the two: the row is read once to answer NOT_FOUND before anything is
// subscribed, and again once Redis has confirmed the SUBSCRIBE; that second read is the
// first event, so every change after it arrives on the channel and none before it is lost.
// Re-reading the row after a few seconds without a message covers changes no worker
// publishes (a queued job cancelled through the database, a worker that died).
import { filter, map, pipe, Repeater, SlidingBuffer } from 'graphql-yoga';
import type pg from 'pg';
import { notFound } from '../errors.js';
import type { PubSub } from '../infra/pubsub.js';
import { isNewer, isTerminal, type JobProgressEvent } from './events.js';
import { readProgressEvent } from './job-row.js';

export interface FollowProgressDeps {
  pool: pg.Pool;
  pubsub: PubSub;
  /** The row is re-read after this long without a message (default 5 s). */
  pollMs?: number;
}

/** Keeps at most this many undelivered events for a slow client; the oldest are dropped (each event holds the whole state). */
const MAX_BACKLOG = 32;

/**
 * Starts following a job: resolves with its stream, rejects with a NOT_FOUND DomainError
 * when there is no such job. `jobId` must be a UUID in lower case (normaliseJobId): it
 * names the Redis channel, which is case-sensitive.
 */
export async function followJobProgress(deps: FollowProgressDeps, jobId: string): Promise<AsyncIterableIterator<JobProgressEvent>> {
  const first = await readProgressEvent(deps.pool, jobId);
  if (!first) throw notFound('job', jobId);
  // A finished job has nothing more to say: one event, no Redis subscription.
  if (isTerminal(first.status)) {
    return new Repeater<JobProgressEvent>((push, stop) => {
      void push(first);
      stop();
    });
  }
  return pipe(liveProgress(deps, jobId, first), newerThanLast(), percentNeverBack(), endAfterTerminal());
}

/** The row once Redis listens, then every event on the job's channel and every re-read of the row, unfiltered. */
function liveProgress(deps: FollowProgressDeps, jobId: string, first: JobProgressEvent): Repeater<JobProgressEvent> {
  const pollMs = deps.pollMs ?? 5_000;
  return new Repeater<JobProgressEvent>(async (push, stop) => {
    let poll: NodeJS.Timeout | undefined;
    let open = true;
    // The row is re-read only after pollMs without a message, so a live job is not polled.
    const rearm = () => {
      clearTimeout(poll);
      if (!open) return;
      poll = setTimeout(() => {
        readProgressEvent(deps.pool, jobId)
          .then((event) => void (event && push(event)), () => undefined) // a failed read: the next poll or event will do
          .finally(rearm);
      }, pollMs);
    };
    const unlisten = await deps.pubsub.listen(deps.pubsub.topics.jobProgress(jobId), (event) => {
      if (event.jobId !== jobId) return;
      void push(event);
      rearm();
    });
    try {
      // The state once Redis listens: whatever was published before it is no newer. (The
      // first read stands in if this one fails; a missed change then waits for the poll.)
      void push((await readProgressEvent(deps.pool, jobId).catch(() => null)) ?? first);
      rearm();
      await stop;
    } finally {
      open = false;
      clearTimeout(poll);
      unlisten();
    }
  }, new SlidingBuffer(MAX_BACKLOG));
}

/** Drops an event that is not newer than the last one let through (events.ts isNewer: sequence, then status and stage). */
function newerThanLast() {
  let last: JobProgressEvent | null = null;
  return filter((event: JobProgressEvent) => {
    if (last && !isNewer(event, last)) return false;
    last = event;
    return true;
  });
}

/** Percent never goes back within one subscription (a retry starts its counters over). */
function percentNeverBack() {
  let highest = 0;
  return map((event: JobProgressEvent) => {
    if (event.percent >= highest) {
      highest = event.percent;
      return event;
    }
    return { ...event, percent: highest };
  });
}

/**
 * Passes events through and ends the stream after the first terminal one. A Repeater, as
 * Yoga's filter and map are: returning it (a client leaving) stops it at once, even while
 * it waits for the next event, and returns the source (the Redis listener goes).
 */
function endAfterTerminal() {
  return (source: AsyncIterable<JobProgressEvent>) =>
    new Repeater<JobProgressEvent>(async (push, stop) => {
      const events = source[Symbol.asyncIterator]();
      void stop.then(() => events.return?.());
      for (let next = await events.next(); !next.done; next = await events.next()) {
        await push(next.value);
        if (isTerminal(next.value.status)) break;
      }
      stop();
    });
}
