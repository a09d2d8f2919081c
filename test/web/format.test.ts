// @vitest-environment happy-dom
// How figures read on the console: money, counts, changes against the previous period.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDecimal,
  formatDuration,
  formatInstant,
  formatMoney,
  formatPercent,
  formatShare,
  periodChange,
} from '../../web/src/lib/format.js';

describe('number formatting', () => {
  it('formats money in USD with cents, and keeps amounts under a cent readable', () => {
    expect(formatMoney(1234567.891)).toBe('$1,234,567.89');
    expect(formatMoney(0)).toBe('$0.00');
    expect(formatMoney(0.004123)).toBe('$0.00412');
    expect(formatMoney(-12.5)).toBe('-$12.50');
    expect(formatMoney(null)).toBe('—');
  });

  it('groups counts and rounds to whole numbers, beyond 2^31 too', () => {
    expect(formatCount(20_200)).toBe('20,200');
    expect(formatCount(5_000_000_000)).toBe('5,000,000,000');
    expect(formatCount(2.6)).toBe('3');
    expect(formatCount(undefined)).toBe('—');
    expect(formatCount(Number.NaN)).toBe('—');
  });

  it('formats ratios, percents and shares', () => {
    expect(formatDecimal(1234.5678)).toBe('1,234.57');
    expect(formatPercent(42.345)).toBe('42.3 %');
    expect(formatShare(0.8125)).toBe('81.3 %');
    expect(formatShare(null)).toBe('—');
  });

  it('says how a KPI changed against the period before', () => {
    expect(periodChange(110, 100)).toEqual({ text: '+10.0 %', direction: 'up' });
    expect(periodChange(75, 100)).toEqual({ text: '\u221225.0 %', direction: 'down' });
    expect(periodChange(100.01, 100)).toEqual({ text: '0.0 %', direction: 'flat' });
    expect(periodChange(5, 0)).toEqual({ text: 'new', direction: 'up' });
    expect(periodChange(0, 0)).toEqual({ text: '0.0 %', direction: 'flat' });
    expect(periodChange(null, 3)).toEqual({ text: '—', direction: 'none' });
  });

  it('formats durations, sizes and instants', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_572_864)).toBe('1.5 MiB');
    expect(formatInstant('2026-12-02T14:05:09.123Z')).toBe('2026-12-02 14:05:09 UTC');
  });
});
