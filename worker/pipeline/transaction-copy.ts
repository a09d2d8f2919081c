// Packed transaction rows → COPY … (FORMAT binary). PostgreSQL loads binary tuples in
// well under the time it takes to parse the same rows as text (timestamps, numerics and
// UUIDs are the costly parsers; figures in bench/RESULTS.md, "Tuning decisions"), and on
// a first load PostgreSQL is the bottleneck. The worker converts the packed text
// (already validated and canonical, see transaction-rows.ts) field by field.
import { HEX_VALUE } from './key-set.js';

const TAB = 9;
const BACKSLASH = 92;
const DOT = 46;
const ZERO = 48;
const MINUS = 45;
const Z = 90;
const UUID_BYTES = 36;
const DATE_BYTES = 10;
const TWO_32 = 2 ** 32;
/** Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;
/** Seconds within which a microsecond count stays an exact double (|µs| < 2^53). */
const SAFE_SECONDS = 9e9;
const FIELDS = 15;

/** Signature, flags and header extension length of a binary COPY stream. */
export const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1 ends the stream. */
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** The fields after a packed row (user_seq int4, region, company, job_id uuid, agg_batch int4), encoded once per user. */
export function binaryTail(seq: number, region: string, company: string, jobId: string, batch: number): Buffer {
  const regionBytes = Buffer.from(region);
  const companyBytes = Buffer.from(company);
  const tail = Buffer.alloc(8 + 4 + regionBytes.length + 4 + companyBytes.length + 4 + 16 + 8);
  let at = tail.writeInt32BE(4, 0);
  at = tail.writeInt32BE(seq, at);
  at = tail.writeInt32BE(regionBytes.length, at);
  at += regionBytes.copy(tail, at);
  at = tail.writeInt32BE(companyBytes.length, at);
  at += companyBytes.copy(tail, at);
  at = tail.writeInt32BE(16, at);
  writeUuid(Buffer.from(jobId, 'latin1'), 0, tail, at);
  at = tail.writeInt32BE(4, at + 16);
  tail.writeInt32BE(batch, at);
  return tail;
}

/** Most bytes `writeBinaryFields` can write for a packed row of `length` bytes. */
export function binaryFieldsBound(length: number): number {
  // Fixed fields take less than their text; a numeric takes at most its text + 12.
  return 2 + 4 * 10 + length + 2 * 12;
}

/**
 * The packed row data[start, end) as the start of a binary tuple (field count, then its
 * ten fields; the user's tail completes it); returns the end.
 */
export function writeBinaryFields(data: Buffer, start: number, end: number, out: Buffer, at: number): number {
  out[at++] = 0;
  out[at++] = FIELDS;
  // row_id, user_id: fixed positions.
  at = uuidField(data, start, out, at);
  at = uuidField(data, start + UUID_BYTES + 1, out, at);
  // model: COPY text escapes only a backslash in a code (codes hold no control characters).
  let p = start + 2 * (UUID_BYTES + 1);
  const lengthAt = at;
  at += 4;
  for (; data[p] !== TAB; p++) {
    const c = data[p]!;
    if (c === BACKSLASH) p++;
    out[at++] = c;
  }
  int32(out, lengthAt, at - lengthAt - 4);
  at = uuidField(data, ++p, out, at);
  p += UUID_BYTES + 1;
  // token_type: an enum's binary form is its label.
  let fieldEnd = data.indexOf(TAB, p);
  at = int32(out, at, fieldEnd - p);
  for (let q = p; q < fieldEnd; q++) out[at++] = data[q]!;
  p = fieldEnd + 1;
  fieldEnd = data.indexOf(TAB, p);
  at = int8Field(data, p, fieldEnd, out, at);
  p = fieldEnd + 1;
  fieldEnd = data.indexOf(TAB, p);
  at = numericField(data, p, fieldEnd, out, at);
  p = fieldEnd + 1;
  fieldEnd = data.indexOf(TAB, p);
  at = numericField(data, p, fieldEnd, out, at);
  p = fieldEnd + 1;
  fieldEnd = end - DATE_BYTES - 1;
  at = timestampField(data, p, fieldEnd, out, at);
  at = int32(out, at, 4);
  return int32(out, at, civilDays(data, end - DATE_BYTES) - PG_EPOCH_DAYS);
}

/** Big-endian 32 bits (signed or not: the low 32 bits of `value`); returns the end. */
function int32(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
  return at + 4;
}

function int16(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 8;
  out[at + 1] = value;
  return at + 2;
}

function uuidField(data: Buffer, p: number, out: Buffer, at: number): number {
  at = int32(out, at, 16);
  writeUuid(data, p, out, at);
  return at + 16;
}

/** The 16 bytes of the canonical UUID text at data[p]. */
function writeUuid(data: Buffer, p: number, out: Buffer, at: number): void {
  for (let i = 0; i < UUID_BYTES; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    out[at++] = (HEX_VALUE[data[p + i]!]! << 4) | HEX_VALUE[data[p + i + 1]!]!;
  }
}

function digitsValue(data: Buffer, from: number, to: number): number {
  let value = 0;
  for (let p = from; p < to; p++) value = value * 10 + data[p]! - ZERO;
  return value;
}

function int8Field(data: Buffer, p: number, end: number, out: Buffer, at: number): number {
  at = int32(out, at, 8);
  // Up to 15 digits a double holds exactly; longer counts (≤ int8 max, as validated) go through BigInt.
  if (end - p <= 15) return writeInt64(digitsValue(data, p, end), out, at);
  return out.writeBigInt64BE(BigInt(data.toString('latin1', p, end)), at);
}

/** An exact int64 (|value| < 2^53). */
function writeInt64(value: number, out: Buffer, at: number): number {
  const high = Math.floor(value / TWO_32);
  at = int32(out, at, high);
  return int32(out, at, value - high * TWO_32);
}

/**
 * A plain non-negative decimal (digits[.digits], as validated) as NUMERIC: base-10000
 * digits aligned on the decimal point, display scale = its fraction digits (as numeric_in
 * gives it). Leading and trailing zero digits are left for PostgreSQL to strip.
 */
function numericField(data: Buffer, p: number, end: number, out: Buffer, at: number): number {
  let point = p;
  while (point < end && data[point] !== DOT) point++;
  const intLength = point - p;
  const fracStart = Math.min(point + 1, end);
  const fracLength = end - fracStart;
  const intGroups = Math.ceil(intLength / 4);
  const fracGroups = Math.ceil(fracLength / 4);
  const ndigits = intGroups + fracGroups;
  at = int32(out, at, 8 + 2 * ndigits);
  at = int16(out, at, ndigits);
  at = int16(out, at, intGroups - 1);
  at = int16(out, at, 0);
  at = int16(out, at, fracLength);
  // Integer groups: the first takes what is left over from groups of 4.
  let from = p;
  for (let g = 0; g < intGroups; g++) {
    const to = g === 0 ? p + (intLength - 4 * (intGroups - 1)) : from + 4;
    at = int16(out, at, digitsValue(data, from, to));
    from = to;
  }
  for (let g = 0; g < fracGroups; g++) {
    const from = fracStart + 4 * g;
    const to = Math.min(from + 4, end);
    at = int16(out, at, digitsValue(data, from, to) * 10 ** (4 - (to - from)));
  }
  return at;
}

/** YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM) as microseconds since 2000-01-01 UTC. */
function timestampField(data: Buffer, p: number, end: number, out: Buffer, at: number): number {
  at = int32(out, at, 8);
  let offsetMinutes = 0;
  let zoneAt = end - 1;
  if (data[zoneAt] !== Z) {
    zoneAt = end - 6;
    offsetMinutes = (data[zoneAt] === MINUS ? -1 : 1) * (digitsValue(data, zoneAt + 1, zoneAt + 3) * 60 + digitsValue(data, zoneAt + 4, zoneAt + 6));
  }
  let micros = 0;
  if (data[p + 19] === DOT) micros = digitsValue(data, p + 20, zoneAt) * 10 ** (6 - (zoneAt - p - 20));
  const seconds =
    (civilDays(data, p) - PG_EPOCH_DAYS) * 86_400 +
    digitsValue(data, p + 11, p + 13) * 3600 +
    digitsValue(data, p + 14, p + 16) * 60 +
    digitsValue(data, p + 17, p + 19) -
    offsetMinutes * 60;
  if (Math.abs(seconds) < SAFE_SECONDS) return writeInt64(seconds * 1_000_000 + micros, out, at);
  return out.writeBigInt64BE(BigInt(seconds) * 1_000_000n + BigInt(micros), at);
}

/** Days since 1970-01-01 of the YYYY-MM-DD at data[p] (proleptic Gregorian, H. Hinnant's days_from_civil). */
function civilDays(data: Buffer, p: number): number {
  let year = digitsValue(data, p, p + 4);
  const month = digitsValue(data, p + 5, p + 7);
  const day = digitsValue(data, p + 8, p + 10);
  if (month <= 2) year -= 1;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

