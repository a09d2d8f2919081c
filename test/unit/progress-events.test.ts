import { describe, expect, it } from 'vitest';
import {
  etaSecondsOf,
  isNewer,
  parseProgressEvent,
  percentOf,
  progressEvent,
  type JobProgressEvent,
  type JobProgressRow,
} from '../../src/progress/events.js';

const row = (fields: Partial<JobProgressRow> = {}): JobProgressRow => ({
  id: '6f1c1a52-2c4e-4c41-9d7e-0d6f4a7f9b11',
  status: 'RUNNING',
  stage: 'TRANSACTIONS',
  processedRows: 0,
  totalRows: null,
  processedBytes: 0,
  totalBytes: 1_000,
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
  it('follows bytes read until the row total is known, then rows', () => {
    expect(percentOf(row({ processedBytes: 500 }))).toBe(47.5);
    expect(percentOf(row({ processedBytes: 500, processedRows: 10, totalRows: 40 }))).toBe(23.75);
  });

  it('is 0 while queued, 95 during aggregates, 100 once completed, and never above 100', () => {
    expect(percentOf(row({ status: 'QUEUED', stage: null, processedBytes: 900 }))).toBe(0);
    expect(percentOf(row({ stage: 'AGGREGATES', processedBytes: 1_000 }))).toBe(95);
    expect(percentOf(row({ status: 'COMPLETED_WITH_ERRORS', stage: null }))).toBe(100);
    expect(percentOf(row({ processedBytes: 5_000 }))).toBe(95);
  });

  it('keeps how far a failed or cancelled job read', () => {
    expect(percentOf(row({ status: 'CANCELLED', stage: null, processedBytes: 200 }))).toBe(19);
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
