// The throttle of ProgressReporter, on fake timers: at most one write per interval, the
// last advance of a burst written when the interval ends (not only at the next advance),
// and every write published as the row it returned.
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/infra/logger.js';
import { workerMetrics } from '../../src/metrics/worker.js';
import type { JobProgressEvent } from '../../src/progress/events.js';
import type { RawProgressRow } from '../../src/progress/job-row.js';
import { ProgressReporter } from '../../worker/pipeline/progress.js';
import { sleep } from '../helpers/processes.js';

const JOB_ID = '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11';

/** A pool whose progress UPDATE returns the row it would leave; selects return that row too. */
function recordingPool() {
  const writes: Array<{ at: number; rows: number }> = [];
  let row: RawProgressRow = {
    id: JOB_ID,
    status: 'RUNNING',
    stage: null,
    processed_rows: 0,
    total_rows: 1_000,
    total_rows_exact: false,
    aggregates_done: 0,
    processed_bytes: 0,
    total_bytes: 10_000,
    rejected_count: 0,
    progress_seq: 0,
    updated_at: new Date(),
    started_at: new Date(),
  };
  const pool = {
    async query(query: string | { text: string }, params: unknown[] = []) {
      if (typeof query === 'string' && query.startsWith('UPDATE')) {
        writes.push({ at: Date.now(), rows: params[1] as number });
        const stage = (params[4] as RawProgressRow['stage']) ?? row.stage;
        row = { ...row, processed_rows: params[1] as number, processed_bytes: params[2] as number, stage, progress_seq: row.progress_seq + 1, updated_at: new Date() };
      }
      return { rows: [row], rowCount: 1 };
    },
  } as unknown as pg.Pool;
  return { pool, writes, finish: (status: RawProgressRow['status']) => (row = { ...row, status, stage: null, progress_seq: row.progress_seq + 1 }) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ProgressReporter', () => {
  it('writes a burst once at once and once when the interval ends, with its last count, and publishes each write', async () => {
    const { pool, writes } = recordingPool();
    const published: Array<{ event: JobProgressEvent; changed: boolean }> = [];
    const reporter = new ProgressReporter(pool, JOB_ID, { minIntervalMs: 100, publish: async (event, changed) => void published.push({ event, changed }) });
    const burstAt = Date.now();
    for (let i = 0; i < 5; i++) reporter.advance(10, 0);
    await vi.advanceTimersByTimeAsync(30);
    expect(writes.map((w) => w.rows)).toEqual([10]);
    await vi.advanceTimersByTimeAsync(70);
    expect(writes.map((w) => w.rows)).toEqual([10, 50]);
    expect(writes[1]!.at - burstAt).toBe(100);
    // Each event is the row its write returned.
    expect(published.map(({ event }) => [event.processedRows, event.sequence])).toEqual([[10, 1], [50, 2]]);
    await vi.advanceTimersByTimeAsync(500);
    expect(writes).toHaveLength(2);
  });

  it('keeps to one write per interval under a steady stream of advances', async () => {
    const { pool, writes } = recordingPool();
    const reporter = new ProgressReporter(pool, JOB_ID, { minIntervalMs: 50 });
    let advanced = 0;
    for (let ms = 0; ms < 300; ms += 2) {
      reporter.advance(1, 0);
      advanced++;
      await vi.advanceTimersByTimeAsync(2);
    }
    await reporter.flush();
    const gaps = writes.slice(1).map((w, i) => w.at - writes[i]!.at);
    // 300 ms at one write per 50 ms: the first at once, then one as each interval ends, then the flush.
    expect(writes.length).toBe(8);
    expect(Math.min(...gaps.slice(0, -1))).toBe(50);
    expect(writes.at(-1)?.rows).toBe(advanced);
  });

  it('a flush writes now and cancels the pending trailing write', async () => {
    const { pool, writes } = recordingPool();
    const reporter = new ProgressReporter(pool, JOB_ID, { minIntervalMs: 100 });
    reporter.advance(1, 0);
    reporter.advance(1, 0);
    await reporter.flush();
    expect(writes.map((w) => w.rows)).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(150);
    expect(writes).toHaveLength(2);
  });

  it('marks an event as a change only when status or stage moved; the final state is read and published', async () => {
    const { pool, finish } = recordingPool();
    const published: Array<[string | null, string, boolean]> = [];
    const reporter = new ProgressReporter(pool, JOB_ID, {
      minIntervalMs: 100,
      publish: async (event, changed) => void published.push([event.stage, event.status, changed]),
    });
    await reporter.setStage('USERS');
    reporter.advance(10, 100);
    await reporter.flush();
    await reporter.setStage('TRANSACTIONS');
    reporter.advance(10, 100);
    await vi.advanceTimersByTimeAsync(100);
    finish('COMPLETED');
    await reporter.publishNow();
    expect(published).toEqual([
      ['USERS', 'RUNNING', true],
      ['USERS', 'RUNNING', false],
      ['TRANSACTIONS', 'RUNNING', true],
      ['TRANSACTIONS', 'RUNNING', false],
      [null, 'COMPLETED', true],
    ]);
  });

  it("reports the job's rows/s while it reads a file as bi_ingest_rows_per_second, and withdraws it when the job ends", async () => {
    const { pool, finish } = recordingPool();
    const rowsPerSecond = async () =>
      (await workerMetrics.registry.getSingleMetric('bi_ingest_rows_per_second')!.get()).values.map(({ labels, value }) => [labels.stage, value]);
    const reporter = new ProgressReporter(pool, JOB_ID, { minIntervalMs: 100 });
    await reporter.setStage('TRANSACTIONS');
    // 1000 rows every 100 ms for a second: 10k rows/s over the reporter's window.
    for (let i = 0; i < 10; i++) {
      reporter.advance(1_000, 0);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(await rowsPerSecond()).toEqual([['TRANSACTIONS', 10_000]]);
    finish('COMPLETED');
    await reporter.publishNow();
    expect(await rowsPerSecond()).toEqual([]);
  });

  it('logs a publish that fails and goes on: progress never fails the job', async () => {
    const { pool, writes } = recordingPool();
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const reporter = new ProgressReporter(pool, JOB_ID, { minIntervalMs: 100, publish: () => Promise.reject(new Error('Redis is gone')) });
    reporter.advance(1, 0);
    await reporter.flush();
    await expect(reporter.setStage('USERS')).resolves.toBeUndefined();
    await expect(reporter.publishNow()).resolves.toBeUndefined();
    expect(writes).toHaveLength(3);
    expect(warn).toHaveBeenCalledTimes(4);
    expect(warn.mock.calls.map(([fields, message]) => [(fields as { err: Error }).err.message, message])).toEqual(
      Array(4).fill(['Redis is gone', 'progress publish failed']),
    );
  });
});
