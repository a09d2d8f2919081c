// The throttle of ProgressReporter: at most one write per interval, and the last advance
// of a burst is written when the interval ends, not only at the next advance.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../worker/pipeline/progress.js';
import { sleep } from '../helpers/processes.js';

function recordingPool() {
  const writes: Array<{ at: number; rows: number }> = [];
  const pool = {
    async query(_sql: string, params: unknown[]) {
      writes.push({ at: Date.now(), rows: params[1] as number });
      return { rows: [], rowCount: 1 };
    },
  } as unknown as pg.Pool;
  return { pool, writes };
}


describe('ProgressReporter', () => {
  it('writes a burst once at once and once when the interval ends, with its last count', async () => {
    const { pool, writes } = recordingPool();
    const published: string[] = [];
    const reporter = new ProgressReporter(pool, 'job-1', { minIntervalMs: 100, publish: (id) => void published.push(id) });
    const burstAt = Date.now();
    for (let i = 0; i < 5; i++) reporter.advance(10, 0);
    await sleep(30);
    expect(writes.map((w) => w.rows)).toEqual([10]);
    await sleep(120);
    expect(writes.map((w) => w.rows)).toEqual([10, 50]);
    // Measured from the burst, not from the first write's record: on a loaded machine the
    // first write can be recorded late, which made the gap look short (87 ms once).
    expect((writes[1]?.at ?? 0) - burstAt).toBeGreaterThanOrEqual(95);
    expect(published).toHaveLength(2);
    await sleep(150);
    expect(writes).toHaveLength(2);
  });

  it('keeps to one write per interval under a steady stream of advances', async () => {
    const { pool, writes } = recordingPool();
    const reporter = new ProgressReporter(pool, 'job-2', { minIntervalMs: 50 });
    const started = Date.now();
    let advanced = 0;
    while (Date.now() - started < 300) {
      reporter.advance(1, 0);
      advanced++;
      await sleep(2);
    }
    await reporter.flush();
    const gaps = writes.slice(1, -1).map((w, i) => w.at - (writes[i]?.at ?? 0));
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.length).toBeLessThanOrEqual(9);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45);
    expect(writes.at(-1)?.rows).toBe(advanced);
  });

  it('a flush writes now and cancels the pending trailing write', async () => {
    const { pool, writes } = recordingPool();
    const reporter = new ProgressReporter(pool, 'job-3', { minIntervalMs: 100 });
    reporter.advance(1, 0);
    reporter.advance(1, 0);
    await reporter.flush();
    expect(writes.map((w) => w.rows)).toEqual([1, 2]);
    await sleep(150);
    expect(writes).toHaveLength(2);
  });
});
