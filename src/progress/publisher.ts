// Worker side: turns "this job's row changed" into JobProgress events on Redis.
//
// The ingest pipeline updates the ingest_jobs row and calls publish(jobId). Each event is
// read back from the row (so its sequence and counters are what was committed). A change
// of status or stage goes out at once; otherwise events are throttled to one per interval
// per job while rows flow: a call inside the interval schedules one trailing event at its
// end, so the last state always goes out. Publishing never throws into the pipeline.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { JobStage, JobStatus } from '../generated/prisma/enums.js';
import {
  averageRate,
  channelPrefix,
  isTerminal,
  jobsChangedChannel,
  progressChannel,
  progressEvent,
  type JobChangedEvent,
  type JobProgressRow,
  type Rate,
} from './events.js';
import { readJobProgressRow } from './job-row.js';

export interface ProgressPublisherOptions {
  pool: pg.Pool;
  /** A normal (not subscriber-mode) connection. */
  redis: Redis;
  /** REDIS_PREFIX: channels are `${prefix}:job-progress:${jobId}` and `${prefix}:jobs-changed` (see channelPrefix for DB ≠ 0). */
  prefix: string;
  /** Minimum time between two events of one job while rows flow (default 250 ms: ≤ 4/s). */
  intervalMs?: number;
  /** Rows/s is measured over this trailing window (default 5 s). */
  rateWindowMs?: number;
  onError?: (error: unknown, jobId: string) => void;
}

export interface ProgressPublisherStats {
  /** publish() calls (each reads the job row). */
  calls: number;
  /** Events published on job channels. */
  published: number;
  /** Wall time from reading the row to the Redis reply, ms: includes waiting for a busy event loop and database. */
  busyMs: number;
}

export interface ProgressPublisher {
  publish(jobId: string, options?: { immediate?: boolean }): Promise<void>;
  /** Sends every scheduled trailing event now and waits for all in flight (shutdown, tests). */
  flush(): Promise<void>;
  stats(): ProgressPublisherStats;
}

interface Sample {
  at: number;
  rows: number;
  bytes: number;
}

interface JobState {
  lastSentAt: number;
  timer: NodeJS.Timeout | null;
  /** Serializes read+publish per job so events leave in sequence order. */
  chain: Promise<void>;
  last: { status: JobStatus; stage: JobStage | null; sequence: number } | null;
  samples: Sample[];
}

export function createProgressPublisher(options: ProgressPublisherOptions): ProgressPublisher {
  const { pool, redis } = options;
  const prefix = channelPrefix(options.prefix, redis.options.db);
  const intervalMs = options.intervalMs ?? 250;
  const rateWindowMs = options.rateWindowMs ?? 5_000;
  const jobs = new Map<string, JobState>();
  const stats: ProgressPublisherStats = { calls: 0, published: 0, busyMs: 0 };

  function stateOf(jobId: string): JobState {
    let state = jobs.get(jobId);
    if (!state) {
      state = { lastSentAt: -Infinity, timer: null, chain: Promise.resolve(), last: null, samples: [] };
      jobs.set(jobId, state);
    }
    return state;
  }

  function measureRate(state: JobState, row: JobProgressRow, now: number): Rate {
    // Counters run over the whole job; they only drop when a retry starts over.
    const previous = state.samples.at(-1);
    if (previous && (previous.rows > row.processedRows || previous.bytes > row.processedBytes)) state.samples = [];
    state.samples.push({ at: now, rows: row.processedRows, bytes: row.processedBytes });
    while (state.samples.length > 2 && now - state.samples[0]!.at > rateWindowMs) state.samples.shift();
    const first = state.samples[0]!;
    const elapsed = (now - first.at) / 1000;
    // Until the window holds half a second of samples, the job's average is the better guess.
    if (elapsed < 0.5) return averageRate(row, now);
    return { rowsPerSecond: (row.processedRows - first.rows) / elapsed, bytesPerSecond: (row.processedBytes - first.bytes) / elapsed };
  }

  /** Reads the row; publishes it now when it is due or changed status/stage, else schedules it. */
  async function consider(jobId: string, state: JobState, force: boolean): Promise<void> {
    const started = performance.now();
    try {
      const row = await readJobProgressRow(pool, jobId);
      if (!row) {
        jobs.delete(jobId);
        return;
      }
      const changed = !state.last || state.last.status !== row.status || state.last.stage !== row.stage;
      // Already sent (a trailing event carried this write): nothing new to say.
      if (!changed && state.last?.sequence === row.progressSeq) return;
      const wait = state.lastSentAt + intervalMs - Date.now();
      if (force || changed || wait <= 0) {
        if (state.timer) clearTimeout(state.timer);
        state.timer = null;
        await send(jobId, state, row, changed);
      } else {
        state.timer ??= setTimeout(() => {
          state.timer = null;
          void enqueue(jobId, state, true);
        }, wait);
      }
    } catch (error) {
      options.onError?.(error, jobId);
    } finally {
      stats.busyMs += performance.now() - started;
    }
  }

  async function send(jobId: string, state: JobState, row: JobProgressRow, changed: boolean): Promise<void> {
    const now = Date.now();
    state.lastSentAt = now;
    const event = progressEvent(row, measureRate(state, row, now), now);
    const pipeline = redis.pipeline().publish(progressChannel(prefix, jobId), JSON.stringify(event));
    if (changed) {
      const notice: JobChangedEvent = { jobId, status: row.status, stage: row.stage, sequence: row.progressSeq };
      pipeline.publish(jobsChangedChannel(prefix), JSON.stringify(notice));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    stats.published++;
    state.last = { status: row.status, stage: row.stage, sequence: row.progressSeq };
    // A finished job's state is dropped; a retry starts afresh.
    if (isTerminal(row.status)) jobs.delete(jobId);
  }

  function enqueue(jobId: string, state: JobState, force: boolean): Promise<void> {
    state.chain = state.chain.then(() => consider(jobId, state, force));
    return state.chain;
  }

  return {
    publish(jobId, { immediate = false } = {}) {
      // Every call reads the row (one primary-key lookup; the pipeline calls at most a few
      // times a second), so a stage or status change is never held back by the throttle.
      stats.calls++;
      return enqueue(jobId, stateOf(jobId), immediate);
    },
    async flush() {
      for (const [jobId, state] of jobs) {
        if (!state.timer) continue;
        clearTimeout(state.timer);
        state.timer = null;
        void enqueue(jobId, state, true);
      }
      await Promise.all([...jobs.values()].map((state) => state.chain));
    },
    stats: () => ({ ...stats }),
  };
}
