import { describe, expect, it } from 'vitest';
import {
  etaSecondsOf,
  isNewer,
  parseProgressEvent,
  percentOf,
  progressEvent,
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

describe('parseProgressEvent', () => {
  it('accepts what the publisher writes and refuses anything else', () => {
    const valid = event({ processedRows: 5 });
    expect(parseProgressEvent(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
    expect(parseProgressEvent(null)).toBeNull();
    expect(parseProgressEvent({ ...valid, jobId: 'x' })).toBeNull();
    expect(parseProgressEvent({ ...valid, status: 'PAUSED' })).toBeNull();
    expect(parseProgressEvent({ ...valid, percent: 101 })).toBeNull();
  });
});
