import { describe, expect, it } from 'vitest';
import {
  etaSecondsOf,
  isNewer,
  jobProgressEventSchema,
  percentOf,
  progressEvent,
  RateMeter,
  READING_SHARE,
  type JobProgressEvent,
  type JobProgressRow,
} from '../../src/progress/events.js';

const row = (fields: Partial<JobProgressRow> = {}): JobProgressRow => ({
  id: '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11',
  status: 'RUNNING',
  stage: 'TRANSACTIONS',
  processedRows: 0,
  totalRows: null,
  totalRowsExact: false,
  processedBytes: 0,
  totalBytes: 1_000,
  aggregatesDone: 0,
  rejectedCount: 0,
  progressSeq: 1,
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  startedAt: new Date('2026-01-01T00:00:00Z'),
  ...fields,
});

const event = (fields: Partial<JobProgressEvent>): JobProgressEvent => ({
  ...progressEvent(row(), { rowsPerSecond: 0, bytesPerSecond: 0 }, 0),
  ...fields,
});

describe('percentOf', () => {
  it(`follows records over the (estimated or counted) total while reading: ${READING_SHARE} × rows read / rows`, () => {
    expect(percentOf(row({ processedBytes: 900, processedRows: 10, totalRows: 40 }))).toBe(20);
    expect(percentOf(row({ processedRows: 40, totalRows: 40, totalRowsExact: true }))).toBe(80);
    // More records than the upload's estimate: held at the reading share, never past it.
    expect(percentOf(row({ processedRows: 45, totalRows: 40 }))).toBe(80);
    // No row total at all (a job uploaded before totals were counted): bytes read.
    expect(percentOf(row({ processedBytes: 500 }))).toBe(40);
  });

  it('moves through the aggregates refresh by its steps, and is 100 only once completed', () => {
    expect(percentOf(row({ status: 'QUEUED', stage: null, processedRows: 9, totalRows: 10 }))).toBe(0);
    expect(percentOf(row({ stage: 'AGGREGATES', processedRows: 10, totalRows: 10, aggregatesDone: 0 }))).toBe(80);
    expect(percentOf(row({ stage: 'AGGREGATES', processedRows: 10, totalRows: 10, aggregatesDone: 0.5 }))).toBe(90);
    expect(percentOf(row({ stage: 'AGGREGATES', processedRows: 10, totalRows: 10, aggregatesDone: 1 }))).toBe(99);
    expect(percentOf(row({ status: 'COMPLETED_WITH_ERRORS', stage: null }))).toBe(100);
  });

  it('keeps how far a failed or cancelled job read', () => {
    expect(percentOf(row({ status: 'CANCELLED', stage: null, processedRows: 25, totalRows: 100 }))).toBe(20);
  });
});

describe('etaSecondsOf', () => {
  it('divides what is left by the rate; null when the rate is unknown', () => {
    expect(etaSecondsOf(row({ processedBytes: 400 }), { rowsPerSecond: 0, bytesPerSecond: 100 })).toBe(6);
    expect(etaSecondsOf(row({ processedRows: 10, totalRows: 40 }), { rowsPerSecond: 5, bytesPerSecond: 0 })).toBe(6);
    expect(etaSecondsOf(row(), { rowsPerSecond: 0, bytesPerSecond: 0 })).toBeNull();
    expect(etaSecondsOf(row({ status: 'QUEUED', stage: null }), { rowsPerSecond: 9, bytesPerSecond: 9 })).toBeNull();
    expect(etaSecondsOf(row({ status: 'COMPLETED' }), { rowsPerSecond: 0, bytesPerSecond: 0 })).toBe(0);
  });
});

describe('isNewer', () => {
  it('orders by sequence, then by status and stage at equal sequence', () => {
    expect(isNewer(event({ sequence: 3 }), event({ sequence: 2 }))).toBe(true);
    expect(isNewer(event({ sequence: 2 }), event({ sequence: 2 }))).toBe(false);
    expect(isNewer(event({ sequence: 1, status: 'COMPLETED' }), event({ sequence: 2 }))).toBe(false);
    expect(isNewer(event({ sequence: 2, status: 'CANCELLED' }), event({ sequence: 2, status: 'QUEUED' }))).toBe(true);
    expect(isNewer(event({ sequence: 2, stage: 'AGGREGATES' }), event({ sequence: 2, stage: 'TRANSACTIONS' }))).toBe(true);
    expect(isNewer(event({ sequence: 2, stage: 'USERS' }), event({ sequence: 2, stage: 'TRANSACTIONS' }))).toBe(false);
  });
});

describe('jobProgressEventSchema', () => {
  it('accepts what the worker publishes and refuses anything else', () => {
    const valid = event({ processedRows: 5 });
    const parse = (value: unknown) => jobProgressEventSchema.safeParse(value);
    expect(parse(JSON.parse(JSON.stringify(valid))).data).toEqual(valid);
    expect(parse(null).success).toBe(false);
    expect(parse({ ...valid, jobId: 'x' }).success).toBe(false);
    expect(parse({ ...valid, status: 'PAUSED' }).success).toBe(false);
    expect(parse({ ...valid, percent: 101 }).success).toBe(false);
  });
});

describe('RateMeter', () => {
  const started = Date.parse('2026-01-01T00:00:00Z');
  it('measures over its trailing window once it holds half a second, the average since the start before', () => {
    const meter = new RateMeter(2_000);
    // 10 s after the start, 10k rows read: the average is 1000 rows/s.
    expect(meter.measure(row({ processedRows: 10_000, processedBytes: 100 }), started + 10_000).rowsPerSecond).toBe(1_000);
    expect(meter.measure(row({ processedRows: 10_100, processedBytes: 200 }), started + 10_250).rowsPerSecond).toBeCloseTo(10_100 / 10.25);
    // Half a second of samples: 5000 rows in 0.5 s.
    expect(meter.measure(row({ processedRows: 15_000, processedBytes: 300 }), started + 10_500)).toEqual({ rowsPerSecond: 10_000, bytesPerSecond: 400 });
    // Samples older than the window drop out: 3 s later, only the last 2 s count.
    meter.measure(row({ processedRows: 20_000, processedBytes: 300 }), started + 12_000);
    expect(meter.measure(row({ processedRows: 21_000, processedBytes: 300 }), started + 13_500).rowsPerSecond).toBeCloseTo(1_000 / 1.5);
  });

  it('starts over when the counters drop (a retry reads the files again)', () => {
    const meter = new RateMeter();
    meter.measure(row({ processedRows: 50_000 }), started + 20_000);
    meter.measure(row({ processedRows: 60_000 }), started + 21_000);
    // Back to 100 rows 22 s after the start: no negative rate, the average until a new window fills.
    expect(meter.measure(row({ processedRows: 100 }), started + 22_000).rowsPerSecond).toBeCloseTo(100 / 22);
  });
});
