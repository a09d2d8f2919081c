// A transactions line whose nine fields are already spelled the way validation returns
// them — lower-case UUIDs, plain digits, an instant with Z or ±HH:MM, a printable ASCII
// model name — can go to COPY as its own bytes. This checks such a line without decoding
// it. It accepts a strict subset of what the string rules (rows.ts, values.ts) accept
// unchanged, so a line it refuses simply takes the string path, and both paths store the
// same values. Only for files whose header is exactly the nine columns in SPEC order.
import type { HeaderMapping } from './headers.js';
import { MAX_CODE_LENGTH, dayShift, isRealDate, shiftDay } from './values.js';
import { TRANSACTION_COLUMNS, type TransactionColumn } from './rows.js';

const COMMA = 44;
const DASH = 45;
const DOT = 46;
const COLON = 58;
const SPACE = 32;
const BACKSLASH = 92;
const QUOTE = 34;
const ZERO = 48;
const NINE = 57;
const T = 84;
const PLUS = 43;
const Z = 90;

const PROMPT = Buffer.from('prompt,');
const COMPLETION = Buffer.from('completion,');

export const FIELDS = TRANSACTION_COLUMNS.length;
const DATE_BYTES = 10;

const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** The checker for files with this header, or undefined when the header is not the canonical one. */
export function canonicalLineCheck(mapping: HeaderMapping<TransactionColumn>): CanonicalLineCheck | undefined {
  const canonical = mapping.width === FIELDS && TRANSACTION_COLUMNS.every((column, i) => mapping.index[column.name] === i);
  return canonical ? new CanonicalLineCheck() : undefined;
}

export class CanonicalLineCheck {
  /** Where each field of the line last accepted starts; [FIELDS] is one past its end + 1. */
  readonly fieldStarts = new Int32Array(FIELDS + 1);
  /** UTC date (YYYY-MM-DD) of the line last accepted. */
  readonly utcDate = Buffer.alloc(DATE_BYTES);

  /** True when data[start, end) is a line of nine canonical, valid fields. */
  check(data: Buffer, start: number, end: number): boolean {
    const at = this.fieldStarts;
    let p = start;
    at[0] = p;
    if (!uuidAt(data, p) || data[(p += 36)] !== COMMA) return false;
    at[1] = ++p;
    if (!uuidAt(data, p) || data[(p += 36)] !== COMMA) return false;
    at[2] = ++p;
    p = modelEnd(data, p, end);
    if (p < 0) return false;
    at[3] = ++p;
    if (!uuidAt(data, p) || data[(p += 36)] !== COMMA) return false;
    at[4] = ++p;
    if (startsWith(data, p, PROMPT)) p += PROMPT.length;
    else if (startsWith(data, p, COMPLETION)) p += COMPLETION.length;
    else return false;
    at[5] = p;
    p = digitsEnd(data, p, 18);
    if (p < 0 || data[p] !== COMMA) return false;
    at[6] = ++p;
    p = decimalEnd(data, p);
    if (p < 0 || data[p] !== COMMA) return false;
    at[7] = ++p;
    p = decimalEnd(data, p);
    if (p < 0 || data[p] !== COMMA) return false;
    at[8] = ++p;
    if (!instantEndsAt(data, p, end, this.utcDate)) return false;
    at[9] = end + 1;
    return true;
  }
}

// Byte classes for the UUID check: a table lookup and one compare per byte.
const HEX_DIGIT = 1;
const UUID_DASH = 2;
const BYTE_CLASS = new Uint8Array(256);
for (let c = ZERO; c <= NINE; c++) BYTE_CLASS[c] = HEX_DIGIT;
for (let c = 97; c <= 102; c++) BYTE_CLASS[c] = HEX_DIGIT;
BYTE_CLASS[DASH] = UUID_DASH;
const UUID_PATTERN = Uint8Array.from({ length: 36 }, (_, i) => (i === 8 || i === 13 || i === 18 || i === 23 ? UUID_DASH : HEX_DIGIT));

/** Lower-case 8-4-4-4-12 hex at data[p]. */
function uuidAt(data: Buffer, p: number): boolean {
  if (p + 36 > data.length) return false;
  for (let i = 0; i < 36; i++) if (BYTE_CLASS[data[p + i]!] !== UUID_PATTERN[i]) return false;
  return true;
}

/**
 * A model name as validation returns it unchanged and COPY takes it unescaped: 1–128
 * printable ASCII characters, no leading or trailing space, no quote or backslash.
 * Returns the offset of the comma after it, or -1.
 */
function modelEnd(data: Buffer, p: number, end: number): number {
  const start = p;
  for (; p < end; p++) {
    const c = data[p]!;
    if (c === COMMA) break;
    if (c < SPACE || c > 126 || c === QUOTE || c === BACKSLASH) return -1;
  }
  const length = p - start;
  if (p >= end || length === 0 || length > MAX_CODE_LENGTH) return -1;
  if (data[start] === SPACE || data[p - 1] === SPACE) return -1;
  return p;
}

/** 1–`max` digits at data[p]; returns the offset after them, or -1. */
function digitsEnd(data: Buffer, p: number, max: number): number {
  const start = p;
  while (p - start <= max && isDigit(data[p] ?? 0)) p++;
  const length = p - start;
  return length === 0 || length > max ? -1 : p;
}

/** \d{1,30}(\.\d{1,30})? at data[p]; returns the offset after it, or -1. */
function decimalEnd(data: Buffer, p: number): number {
  p = digitsEnd(data, p, 30);
  if (p < 0 || data[p] !== DOT) return p;
  return digitsEnd(data, p + 1, 30);
}

const two = (data: Buffer, p: number) => (data[p]! - ZERO) * 10 + (data[p + 1]! - ZERO);

/**
 * YYYY-MM-DDTHH:MM:SS[.ffffff] then Z or ±HH:MM (hours ≤ 15), filling data[p, end): a
 * real date and time of day. Writes its UTC date into `date`.
 */
function instantEndsAt(data: Buffer, p: number, end: number, date: Buffer): boolean {
  if (end - p < 20) return false;
  for (let i = 0; i < 19; i++) {
    const c = data[p + i]!;
    const expected = i === 4 || i === 7 ? DASH : i === 10 ? T : i === 13 || i === 16 ? COLON : 0;
    if (expected ? c !== expected : !isDigit(c)) return false;
  }
  let q = p + 19;
  if (data[q] === DOT) {
    const digits = ++q;
    while (q < end && isDigit(data[q]!)) q++;
    if (q === digits || q - digits > 6) return false;
  }
  let offset = 0;
  if (q === end - 1 && data[q] === Z) {
    offset = 0;
  } else if (q === end - 6 && (data[q] === PLUS || data[q] === DASH) && data[q + 3] === COLON) {
    if (!isDigit(data[q + 1]!) || !isDigit(data[q + 2]!) || !isDigit(data[q + 4]!) || !isDigit(data[q + 5]!)) return false;
    const hours = two(data, q + 1);
    const minutes = two(data, q + 4);
    if (hours > 15 || minutes > 59) return false;
    offset = (data[q] === DASH ? -1 : 1) * (hours * 60 + minutes);
  } else {
    return false;
  }
  const year = two(data, p) * 100 + two(data, p + 2);
  const month = two(data, p + 5);
  const day = two(data, p + 8);
  const hour = two(data, p + 11);
  const minute = two(data, p + 14);
  if (hour > 23 || minute > 59 || two(data, p + 17) > 59 || !isRealDate(year, month, day)) return false;
  const shift = dayShift(hour, minute, offset);
  if (!shift) {
    data.copy(date, 0, p, p + DATE_BYTES);
    return true;
  }
  const [y, m, d] = shiftDay(year, month, day, shift);
  // Leaves years out of four digits (and the instant's error) to the string path.
  if (y < 1 || y > 9999) return false;
  writeDigits(date, 0, y, 4);
  date[4] = DASH;
  writeDigits(date, 5, m, 2);
  date[7] = DASH;
  writeDigits(date, 8, d, 2);
  return true;
}

function writeDigits(out: Buffer, at: number, value: number, width: number): void {
  for (let i = width - 1; i >= 0; i--, value = Math.floor(value / 10)) out[at + i] = ZERO + (value % 10);
}

function startsWith(data: Buffer, p: number, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (data[p + i] !== prefix[i]) return false;
  return true;
}
