// Field rules of SPEC §2. Each check returns the normalised value, ready for PostgreSQL
// text input, or an Invalid with a human-readable reason. Numbers stay strings: costs and
// rates are exact decimals and must never pass through a float.

import { UUID_RE } from '../jobs/job-id.js';

export class Invalid {
  constructor(readonly reason: string) {}
}

export type Checked<T = string> = T | Invalid;

// Fast paths for the canonical spellings nearly every row uses (≈ 1M rows/s matter here).
const PLAIN_INTEGER_RE = /^\d{1,18}$/;
const PLAIN_DECIMAL_RE = /^\d{1,30}(?:\.\d{1,30})?$/;
const CANONICAL_INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?Z$/;
const INTEGER_RE = /^\+?(\d+)$/;
const DECIMAL_RE = /^([+-]?)(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
// C0 and C1 control characters, DEL included.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const BOOLEANS = new Map([
  ['true', 't'], ['t', 't'], ['1', 't'], ['yes', 't'], ['y', 't'],
  ['false', 'f'], ['f', 'f'], ['0', 'f'], ['no', 'f'], ['n', 'f'],
]);
const INT8_MAX = 9223372036854775807n;

// Length limits, in characters (Unicode code points). Region, company and model are key
// columns of the aggregate tables (conversation_cells_pkey holds all three): at 4 bytes a
// character at most, 128 + 256 + 128 characters take ≤ 2 KiB, under the 2704 bytes a
// btree entry may hold. Names and departments reach no index, but nothing stored is
// unbounded: 256 characters hold any real name.
export const MAX_CODE_LENGTH = 128;
export const MAX_COMPANY_LENGTH = 256;
export const MAX_NAME_LENGTH = 256;

/** PostgreSQL text cannot hold NUL; stored texts (reasons, raw rows) show it as U+FFFD. */
export const NUL_REASON = 'contains a NUL byte (0x00), shown as U+FFFD in the raw text';

/** True when `value` has more than `max` characters (code points: an emoji is one). */
export function longerThan(value: string, max: number): boolean {
  if (value.length <= max) return false;
  let characters = 0;
  for (const _ of value) if (++characters > max) return true;
  return false;
}

/** Lower-case 8-4-4-4-12 hex: a character loop, several times faster than the regex here. */
function isCanonicalUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return false;
    }
  }
  return true;
}

export function uuid(value: string): Checked {
  if (isCanonicalUuid(value)) return value;
  const trimmed = value.trim();
  if (!trimmed) return new Invalid('is required');
  return UUID_RE.test(trimmed) ? trimmed.toLowerCase() : new Invalid(`"${clip(trimmed)}" is not a UUID`);
}

export function boolean(value: string): Checked {
  const trimmed = value.trim();
  if (!trimmed) return new Invalid('is required');
  return BOOLEANS.get(trimmed.toLowerCase()) ?? new Invalid(`"${clip(trimmed)}" is not a boolean (true/false, 1/0, yes/no, t/f)`);
}

/** Codes (Region, Model_Name): one trimmed line of at most 128 characters. */
export function code(value: string): Checked {
  const trimmed = value.trim();
  if (!trimmed) return new Invalid('is required');
  if (longerThan(trimmed, MAX_CODE_LENGTH)) return new Invalid(`is longer than ${MAX_CODE_LENGTH} characters`);
  if (CONTROL_RE.test(trimmed)) return new Invalid('contains control characters (codes are one line of text)');
  return trimmed;
}

/** Free text (names) of at most `max` characters: any but NUL, which PostgreSQL text cannot hold. Empty → null. */
export function text(value: string, required: boolean, max: number): Checked<string | null> {
  const trimmed = value.trim();
  if (!trimmed) return required ? new Invalid('is required') : null;
  if (trimmed.includes('\u0000')) return new Invalid(NUL_REASON);
  if (longerThan(trimmed, max)) return new Invalid(`is longer than ${max} characters`);
  return trimmed;
}

export function tokenType(value: string): Checked {
  if (value === 'prompt' || value === 'completion') return value;
  const lower = value.trim().toLowerCase();
  if (lower === 'prompt' || lower === 'completion') return lower;
  return lower ? new Invalid(`"${clip(value.trim())}" is not prompt or completion`) : new Invalid('is required');
}

export function nonNegativeInteger(value: string): Checked {
  if (PLAIN_INTEGER_RE.test(value)) return value;
  const trimmed = value.trim();
  if (!trimmed) return new Invalid('is required');
  const match = INTEGER_RE.exec(trimmed);
  if (!match?.[1]) {
    return /^-\d+$/.test(trimmed) ? new Invalid('must not be negative') : new Invalid(`"${clip(trimmed)}" is not an integer`);
  }
  const digits = match[1].replace(/^0+(?=\d)/, '');
  if (digits.length > 19 || BigInt(digits) > INT8_MAX) return new Invalid('is too large');
  return digits;
}

/** Exact decimal ≥ 0, kept as text (NUMERIC stores it as given). */
export function nonNegativeDecimal(value: string): Checked {
  if (PLAIN_DECIMAL_RE.test(value)) return value;
  const trimmed = value.trim();
  if (!trimmed) return new Invalid('is required');
  const match = DECIMAL_RE.exec(trimmed);
  if (!match) return new Invalid(`"${clip(trimmed)}" is not a decimal number`);
  const [, sign, mantissa = '', exponent] = match;
  if (sign === '-' && /[1-9]/.test(mantissa)) return new Invalid('must not be negative');
  return exponent ? plainDecimal(mantissa, Number(exponent.slice(1))) : mantissa;
}

/**
 * digits[.digits] with the value and display scale numeric_in gives `mantissa`e`exponent`
 * (scale = fraction digits − exponent, at least 0): the worker encodes decimals without
 * exponents only (transaction-copy.ts).
 */
function plainDecimal(mantissa: string, exponent: number): string {
  const [whole = '', fraction = ''] = mantissa.split('.');
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point) digits += '0'.repeat(point - digits.length);
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const decimals = digits.slice(point);
  return decimals ? `${integer}.${decimals}` : integer;
}

/** ISO 8601 instant with Z or an offset; returns text PostgreSQL reads as timestamptz. */
export function instant(value: string): Checked {
  const canonical = CANONICAL_INSTANT_RE.exec(value);
  if (canonical && isRealDate(Number(canonical[1]), Number(canonical[2]), Number(canonical[3]))) return value;
  const parsed = parseDateTime(value.trim(), true);
  // 0001-01-01T00:30+01:00 is year 0 in UTC, 9999-12-31T20:00-05:00 year 10000: keep every
  // stored instant and date within the years this format can write.
  if (typeof parsed === 'string') {
    const date = utcDate(parsed);
    if (date.length !== 10 || date.startsWith('0000')) return new Invalid(`"${clip(value.trim())}" falls outside the years 0001–9999 in UTC`);
  }
  return parsed;
}

/** Signup_Date: a date or a timestamp (no offset = UTC); empty → null. */
export function dateOrInstant(value: string): Checked<string | null> {
  const trimmed = value.trim();
  if (!trimmed) return null;
  const date = DATE_RE.exec(trimmed);
  if (date) {
    const [, y, m, d] = date.map(Number) as [number, number, number, number];
    return isRealDate(y, m, d) ? `${trimmed}T00:00:00Z` : new Invalid(`"${clip(trimmed)}" is not a real date`);
  }
  return parseDateTime(trimmed, false);
}

function parseDateTime(value: string, offsetRequired: boolean): Checked {
  if (!value) return new Invalid('is required');
  const match = INSTANT_RE.exec(value);
  if (!match) return new Invalid(`"${clip(value)}" is not an ISO 8601 timestamp`);
  const [, ys, ms, ds, hs, mins, ss, fraction, zulu, sign, ohs, oms] = match;
  const [y, m, d, h, min, s] = [ys, ms, ds, hs, mins, ss ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (!isRealDate(y, m, d)) return new Invalid(`"${clip(value)}" is not a real date`);
  if (h > 23 || min > 59 || s > 59) return new Invalid(`"${clip(value)}" is not a valid time of day`);
  if (!zulu && !sign && offsetRequired) return new Invalid(`"${clip(value)}" has no time zone (Z or an offset such as +02:00)`);
  if (sign && (Number(ohs) > 15 || Number(oms ?? 0) > 59)) return new Invalid(`"${clip(value)}" has an invalid UTC offset`);
  const zone = sign ? `${sign}${ohs}:${oms ?? '00'}` : 'Z';
  // PostgreSQL keeps microseconds and would round a 7th digit, possibly into the next
  // day; truncating keeps the stored instant and its UTC date predictable.
  const micros = fraction ? `.${fraction.slice(0, 6)}` : '';
  return `${ys}-${ms}-${ds}T${hs}:${mins}:${ss ?? '00'}${micros}${zone}`;
}

/** UTC calendar date of a normalised instant (as returned by `instant`): the aggregates' grain. */
export function utcDate(normalised: string): string {
  if (normalised.endsWith('Z')) return normalised.slice(0, 10);
  const zoneAt = normalised.length - 6;
  const offset =
    (normalised[zoneAt] === '-' ? -1 : 1) *
    (Number(normalised.slice(zoneAt + 1, zoneAt + 3)) * 60 + Number(normalised.slice(zoneAt + 4, zoneAt + 6)));
  const shift = dayShift(Number(normalised.slice(11, 13)), Number(normalised.slice(14, 16)), offset);
  if (!shift) return normalised.slice(0, 10);
  const [year, month, day] = shiftDay(Number(normalised.slice(0, 4)), Number(normalised.slice(5, 7)), Number(normalised.slice(8, 10)), shift);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** -1, 0 or 1: the day an instant falls on in UTC against its local day (offset in minutes east). */
export function dayShift(hour: number, minute: number, offsetMinutes: number): number {
  // Seconds cannot cross midnight here: offsets are whole minutes.
  return Math.floor((hour * 60 + minute - offsetMinutes) / 1440);
}

/** The calendar day `shift` (±1) days from year-month-day. */
export function shiftDay(year: number, month: number, day: number, shift: number): [number, number, number] {
  day += shift;
  if (day < 1) {
    month -= 1;
    if (month < 1) {
      month = 12;
      year -= 1;
    }
    day = daysInMonth(year, month);
  } else if (day > daysInMonth(year, month)) {
    day = 1;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return [year, month, day];
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}
/** Values quoted in reasons stay short (the raw row is stored separately) and hold no NUL. */
function clip(value: string): string {
  return withoutNul(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** `text` as PostgreSQL text can store it: each NUL becomes U+FFFD. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}
