// Number, money, date and duration formatting for the console. One fixed locale (en-US)
// so a figure reads the same for every analyst and in tests; money is USD, as in the data.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdSmall = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumSignificantDigits: 3 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const DASH = '—';

/** A count (rows, tokens, conversations): grouped integer, e.g. 1,234,567. */
export function formatCount(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? DASH : integer.format(value);
}

/** A ratio or average with up to two decimals, e.g. 1,234.57. */
export function formatDecimal(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? DASH : decimal.format(value);
}

/** Money in USD with cents; amounts under a cent keep three significant digits ($0.00412). */
export function formatMoney(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return DASH;
  return value !== 0 && Math.abs(value) < 0.01 ? usdSmall.format(value) : usd.format(value);
}

/** Large numbers for chart axes and tight spaces: 1.2M, 35K. */
export function formatCompact(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? DASH : compact.format(value);
}

/** A percent given in percent units (42.5 → "42.5 %"). */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value == null || !Number.isFinite(value) ? DASH : `${value.toFixed(digits)} %`;
}

/** A share given as a fraction (0.425 → "42.5 %"). */
export function formatShare(value: number | null | undefined): string {
  return value == null ? DASH : formatPercent(value * 100);
}

export interface Change {
  /** "+12.3 %", "−4.0 %", "new" (nothing before), or "—" (nothing to compare). */
  text: string;
  direction: 'up' | 'down' | 'flat' | 'none';
}

/** The change of a KPI against the previous period of the same length. */
export function periodChange(current: number | null | undefined, previous: number | null | undefined): Change {
  if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { text: DASH, direction: 'none' };
  }
  if (previous === 0) return current === 0 ? { text: '0.0 %', direction: 'flat' } : { text: 'new', direction: 'up' };
  const percent = ((current - previous) / Math.abs(previous)) * 100;
  const rounded = Math.round(percent * 10) / 10;
  if (rounded === 0) return { text: '0.0 %', direction: 'flat' };
  // U+2212 MINUS SIGN: screen readers say "minus", and it lines up with "+".
  return { text: `${rounded > 0 ? '+' : '\u2212'}${Math.abs(rounded).toFixed(1)} %`, direction: rounded > 0 ? 'up' : 'down' };
}

/** Seconds as "1 h 02 min", "3 min 05 s", "42 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Bytes as B, KiB, MiB, GiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** An ISO instant as "2026-12-02 14:05:09 UTC" (the API's dates are UTC). */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? DASH : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Milliseconds between two ISO instants, as a duration; "—" while unfinished. */
export function formatElapsed(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return DASH;
  return formatDuration((Date.parse(end) - Date.parse(start)) / 1000);
}
