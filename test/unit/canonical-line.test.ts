// The transactions byte path against the string path it bypasses. CanonicalLineCheck may
// accept a line only when the string rules (split(','), uuid, the row validator) would
// take it unchanged, and TransactionRows.addLine must then pack exactly the row that
// TransactionRows.add packs from the string path's output. Random canonical lines and
// many near-canonical perturbations, from a seeded PRNG (failures name the line).
import { describe, expect, it } from 'vitest';
import { CanonicalLineCheck, FIELDS, canonicalLineCheck } from '../../src/ingest/canonical-line.js';
import { mapHeader } from '../../src/ingest/headers.js';
import { TRANSACTION_COLUMNS, transactionsFormat } from '../../src/ingest/rows.js';
import { Invalid, utcDate, uuid } from '../../src/ingest/values.js';
import { KeySet } from '../../worker/pipeline/key-set.js';
import { TransactionRows } from '../../worker/pipeline/transaction-rows.js';
import { Rng } from '../helpers/random.js';

const SEED = 0xca_11_0e;
const NAMES = TRANSACTION_COLUMNS.map((column) => column.name);
const mapping = mapHeader('transactions file', NAMES, TRANSACTION_COLUMNS);
const validate = transactionsFormat.validator(mapping);

const [ROW_ID, USER_ID, MODEL, CONVERSATION, TOKEN_TYPE, TOKEN_COUNT, RATE, COST, TIMESTAMP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

// ---------------------------------------------------------------------------------------
// Canonical values

const HEX = '0123456789abcdef';
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const digits = (rng: Rng, n: number, firstNonZero = false) => {
  let s = firstNonZero ? String(rng.int(1, 9)) : '';
  while (s.length < n) s += String(rng.int(0, 9));
  return s;
};

function canonicalUuid(rng: Rng): string {
  const roll = rng.int(0, 99);
  if (roll === 0) return '00000000-0000-0000-0000-000000000000';
  if (roll === 1) return 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  const alphabet = roll < 5 ? '0123456789' : roll < 8 ? 'abcdef' : HEX;
  let hex = '';
  for (let i = 0; i < 32; i++) hex += alphabet[rng.int(0, alphabet.length - 1)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Printable ASCII a canonical model name may hold: no comma (a field separator), quote or backslash.
const MODEL_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))
  .filter((c) => c !== ',' && c !== '"' && c !== '\\')
  .join('');
const MODEL_NAMES = ['gpt-4o', 'gpt-4o-mini', 'claude-3.5-sonnet', 'llama 3 70b', 'o1', 'x', "mistral's [beta]", 'a/b:c;d=e'];

function randomModel(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const edge = i === 0 || i === length - 1;
    let c: string;
    do c = MODEL_CHARS[rng.int(0, MODEL_CHARS.length - 1)]!;
    while (edge && c === ' ');
    s += c;
  }
  return s;
}

function canonicalModel(rng: Rng): string {
  const roll = rng.int(0, 99);
  if (roll < 40) return rng.pick(MODEL_NAMES);
  if (roll < 85) return randomModel(rng, rng.int(1, 24));
  if (roll < 95) return randomModel(rng, 128);
  return randomModel(rng, rng.int(100, 128));
}

function canonicalCount(rng: Rng): string {
  const roll = rng.int(0, 99);
  if (roll < 5) return '0';
  if (roll < 10) return digits(rng, rng.int(2, 18)); // leading zeros are kept by both paths
  if (roll < 20) return digits(rng, rng.int(16, 18), true);
  return digits(rng, rng.int(1, 6), true);
}

function canonicalDecimal(rng: Rng): string {
  const whole = rng.chance(0.1) ? digits(rng, rng.int(1, 30)) : digits(rng, rng.int(1, 4));
  if (rng.chance(0.2)) return whole;
  const fraction = rng.chance(0.1) ? digits(rng, rng.int(1, 30)) : digits(rng, rng.int(1, 8));
  return `${whole}.${fraction}`;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

interface Instant {
  y: string;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
  fraction: string; // '' or '.123'
  zone: string; // 'Z', '+02:00', ...
  t: string; // the date/time separator
}

/** A zone the string path keeps as spelled: Z, or ±HH:MM with hours ≤ 15. */
function canonicalZone(rng: Rng): string {
  if (rng.chance(0.65)) return 'Z';
  const hours = rng.chance(0.2) ? rng.pick([0, 14, 15]) : rng.int(0, 15);
  const minutes = rng.chance(0.7) ? rng.pick([0, 30, 45]) : rng.int(0, 59);
  return `${rng.pick(['+', '-'])}${pad(hours, 2)}:${pad(minutes, 2)}`;
}

function canonicalInstant(rng: Rng): Instant {
  const zone = canonicalZone(rng);
  // With an offset, year 1 could fall in year 0 in UTC (rejected) and 9999 in 10000 (left
  // to the string path): those are perturbations below.
  const year = rng.chance(0.8) ? rng.int(2000, 2030) : rng.pick([1, 4, 1900, 2000, 2400, 9999, rng.int(1, 9999)]);
  const safeYear = zone === 'Z' ? year : Math.min(Math.max(year, 2), 9998);
  const month = rng.chance(0.2) ? rng.pick([1, 2, 12]) : rng.int(1, 12);
  const days = month === 2 && isLeap(safeYear) ? 29 : DAYS[month - 1]!;
  const day = rng.chance(0.3) ? rng.pick([1, days]) : rng.int(1, days);
  const edge = rng.chance(0.3); // near midnight: an offset moves the UTC date
  return {
    y: pad(safeYear, 4),
    mo: pad(month, 2),
    d: pad(day, 2),
    h: pad(edge ? rng.pick([0, 1, 22, 23]) : rng.int(0, 23), 2),
    mi: pad(edge ? rng.pick([0, 59]) : rng.int(0, 59), 2),
    s: pad(edge ? rng.pick([0, 59]) : rng.int(0, 59), 2),
    fraction: fraction(rng, rng.int(0, 6)),
    zone,
    t: 'T',
  };
}

const fraction = (rng: Rng, n: number) => (n ? `.${digits(rng, n)}` : '');
const instantText = (i: Instant) => `${i.y}-${i.mo}-${i.d}${i.t}${i.h}:${i.mi}:${i.s}${i.fraction}${i.zone}`;

/** UTC date of a normalised instant, computed independently of values.ts (JS Date). */
function oracleUtcDate(instant: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(instant);
  if (!m) throw new Error(`not a normalised instant: ${instant}`);
  const local = new Date(0);
  local.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  local.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const offset = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0;
  const utc = new Date(local.getTime() - offset * 60_000);
  return `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}`;
}

function canonicalFields(rng: Rng): string[] {
  return [
    canonicalUuid(rng),
    canonicalUuid(rng),
    canonicalModel(rng),
    canonicalUuid(rng),
    rng.pick(['prompt', 'completion']),
    canonicalCount(rng),
    canonicalDecimal(rng),
    canonicalDecimal(rng),
    instantText(canonicalInstant(rng)),
  ];
}

// ---------------------------------------------------------------------------------------
// Perturbations

/**
 * What the string path does with a perturbed line: `changes` — changes or rejects it (the
 * check must refuse it); `keeps` — keeps it as spelled, and it is still canonical (the
 * check must accept it); `strings-keep` — the string rules keep it but it is outside the
 * canonical subset (the check may refuse it; if it accepts, the row comparison applies).
 */
type Expectation = 'changes' | 'keeps' | 'strings-keep';

interface Perturbation {
  name: string;
  expect: Expectation;
  apply(fields: string[], rng: Rng): string[] | string;
}

const setField = (index: number, value: (old: string, rng: Rng) => string) => (fields: string[], rng: Rng) => {
  const out = [...fields];
  out[index] = value(out[index]!, rng);
  return out;
};
const anyUuidField = (value: (old: string, rng: Rng) => string) => (fields: string[], rng: Rng) =>
  setField(rng.pick([ROW_ID, USER_ID, CONVERSATION]), value)(fields, rng);
const anyDecimalField = (value: (old: string, rng: Rng) => string) => (fields: string[], rng: Rng) =>
  setField(rng.pick([RATE, COST]), value)(fields, rng);
const instantField = (change: (i: Instant, rng: Rng) => Instant | string) => (fields: string[], rng: Rng) => {
  const out = [...fields];
  const changed = change(canonicalInstant(rng), rng);
  out[TIMESTAMP] = typeof changed === 'string' ? changed : instantText(changed);
  return out;
};
const hexPositions = [...Array(36).keys()].filter((i) => ![8, 13, 18, 23].includes(i));
const replaceAt = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);

const PERTURBATIONS: Perturbation[] = [
  // UUIDs (RowId, User_ID, Conversation_ID)
  { name: 'uuid with upper-case hex', expect: 'changes', apply: anyUuidField((u, r) => replaceAt(u, r.pick(hexPositions), r.pick([...'ABCDEF']))) },
  { name: 'uuid all upper-case', expect: 'changes', apply: anyUuidField((u, r) => replaceAt(u, r.pick(hexPositions), 'A').toUpperCase()) },
  { name: 'uuid missing a dash', expect: 'changes', apply: anyUuidField((u, r) => replaceAt(u, r.pick([8, 13, 18, 23]), '')) },
  { name: 'uuid dash moved', expect: 'changes', apply: anyUuidField((u) => `${u.slice(0, 7)}-${u[7]}${u.slice(9)}`) },
  { name: 'uuid in braces', expect: 'changes', apply: anyUuidField((u) => `{${u}}`) },
  { name: 'uuid with spaces around', expect: 'changes', apply: anyUuidField((u, r) => r.pick([` ${u}`, `${u} `, ` ${u} `])) },
  { name: 'uuid one digit short', expect: 'changes', apply: anyUuidField((u) => u.slice(0, 35)) },
  { name: 'uuid one digit long', expect: 'changes', apply: anyUuidField((u) => `${u}0`) },
  { name: 'uuid with a non-hex letter', expect: 'changes', apply: anyUuidField((u, r) => replaceAt(u, r.pick(hexPositions), r.pick([...'gxz']))) },
  { name: 'uuid empty', expect: 'changes', apply: anyUuidField(() => '') },
  // Token_Count
  { name: 'count 17 digits', expect: 'keeps', apply: setField(TOKEN_COUNT, (_, r) => digits(r, 17, true)) },
  { name: 'count 18 digits', expect: 'keeps', apply: setField(TOKEN_COUNT, (_, r) => digits(r, 18, true)) },
  { name: 'count with leading zeros', expect: 'keeps', apply: setField(TOKEN_COUNT, (_, r) => `00${digits(r, r.int(1, 16))}`) },
  { name: 'count 19 digits below int8 max', expect: 'strings-keep', apply: setField(TOKEN_COUNT, (_, r) => `1${digits(r, 18)}`) },
  { name: 'count 19 digits with a leading zero', expect: 'changes', apply: setField(TOKEN_COUNT, (_, r) => `0${digits(r, 18, true)}`) },
  { name: 'count 19 digits over int8 max', expect: 'changes', apply: setField(TOKEN_COUNT, (_, r) => `95${digits(r, 17)}`) },
  { name: 'count 20 digits', expect: 'changes', apply: setField(TOKEN_COUNT, (_, r) => digits(r, 20, true)) },
  { name: 'count with leading +', expect: 'changes', apply: setField(TOKEN_COUNT, (c) => `+${c}`) },
  { name: 'count negative', expect: 'changes', apply: setField(TOKEN_COUNT, (_, r) => `-${digits(r, 3, true)}`) },
  { name: 'count with spaces', expect: 'changes', apply: setField(TOKEN_COUNT, (c, r) => r.pick([` ${c}`, `${c} `, `\t${c}`])) },
  { name: 'count decimal', expect: 'changes', apply: setField(TOKEN_COUNT, (c, r) => r.pick([`${c}.0`, `${c}.`, `.${c}`])) },
  { name: 'count exponent', expect: 'changes', apply: setField(TOKEN_COUNT, (c) => `${c}e2`) },
  { name: 'count empty', expect: 'changes', apply: setField(TOKEN_COUNT, () => '') },
  // Rate_Per_1k, Calculated_Cost
  { name: 'decimal 30 fraction digits', expect: 'keeps', apply: anyDecimalField((_, r) => `${digits(r, 2)}.${digits(r, 30)}`) },
  { name: 'decimal 30 integer digits', expect: 'keeps', apply: anyDecimalField((_, r) => `${digits(r, 30)}.${digits(r, 30)}`) },
  { name: 'decimal 31 fraction digits', expect: 'strings-keep', apply: anyDecimalField((_, r) => `0.${digits(r, 31)}`) },
  { name: 'decimal 31 integer digits', expect: 'strings-keep', apply: anyDecimalField((_, r) => digits(r, 31)) },
  { name: 'decimal .5', expect: 'strings-keep', apply: anyDecimalField((_, r) => `.${digits(r, r.int(1, 5))}`) },
  { name: 'decimal 1.', expect: 'strings-keep', apply: anyDecimalField((_, r) => `${digits(r, r.int(1, 5))}.`) },
  { name: 'decimal exponent', expect: 'changes', apply: anyDecimalField((d, r) => `${d}${r.pick(['e5', 'E-3', 'e+2'])}`) },
  { name: 'decimal with leading +', expect: 'changes', apply: anyDecimalField((d) => `+${d}`) },
  { name: 'decimal negative', expect: 'changes', apply: anyDecimalField((_, r) => `-${digits(r, 2, true)}.${digits(r, 2)}`) },
  { name: 'decimal negative zero', expect: 'changes', apply: anyDecimalField((_, r) => r.pick(['-0', '-0.0', '-0.000'])) },
  { name: 'decimal with spaces', expect: 'changes', apply: anyDecimalField((d, r) => r.pick([` ${d}`, `${d} `, ` ${d} `])) },
  { name: 'decimal not a number', expect: 'changes', apply: anyDecimalField((_, r) => r.pick(['abc', '1..5', '0x10', 'NaN', '1.2.3', '', '.'])) },
  { name: 'decimal with a comma', expect: 'changes', apply: anyDecimalField((_, r) => `${digits(r, 2)},${digits(r, 2)}`) },
  // Model_Name
  { name: 'model 128 chars', expect: 'keeps', apply: setField(MODEL, (_, r) => randomModel(r, 128)) },
  { name: 'model 1 char', expect: 'keeps', apply: setField(MODEL, (_, r) => randomModel(r, 1)) },
  { name: 'model with inner spaces', expect: 'keeps', apply: setField(MODEL, () => 'a  b c') },
  { name: 'model 129 chars', expect: 'changes', apply: setField(MODEL, (_, r) => randomModel(r, 129)) },
  { name: 'model leading space', expect: 'changes', apply: setField(MODEL, (m) => ` ${m}`) },
  { name: 'model trailing space', expect: 'changes', apply: setField(MODEL, (m) => `${m} `) },
  { name: 'model spaces only', expect: 'changes', apply: setField(MODEL, () => '   ') },
  { name: 'model empty', expect: 'changes', apply: setField(MODEL, () => '') },
  { name: 'model with a tab inside', expect: 'changes', apply: setField(MODEL, (m) => `${m}\tx`) },
  { name: 'model with a leading tab', expect: 'changes', apply: setField(MODEL, (m) => `\t${m}`) },
  { name: 'model with a control char', expect: 'changes', apply: setField(MODEL, (m, r) => `${m}${r.pick(['\u0001', '\u007f', '\r', '\u0085', '\u009f'])}x`) },
  { name: 'model with Unicode white space around', expect: 'changes', apply: setField(MODEL, (m, r) => r.pick([`\u00a0${m}`, `${m}\u2028`, `\ufeff${m}`])) },
  { name: 'model 128 chars plus a trailing space', expect: 'changes', apply: setField(MODEL, (_, r) => `${randomModel(r, 128)} `) },
  { name: 'model with a backslash', expect: 'strings-keep', apply: setField(MODEL, (m) => `${m.slice(0, 100)}\\x`) },
  { name: 'model with a quote', expect: 'strings-keep', apply: setField(MODEL, (m) => `${m.slice(0, 100)}"x`) },
  { name: 'model non-ASCII', expect: 'strings-keep', apply: setField(MODEL, (m, r) => `${m.slice(0, 100)}${r.pick(['é', '中文', '😀', '\u00a0x', 'ß'])}`) },
  // Token_Type
  { name: 'token type other case', expect: 'changes', apply: setField(TOKEN_TYPE, (t, r) => r.pick([t.toUpperCase(), t[0]!.toUpperCase() + t.slice(1), t.replace('p', 'P')])) },
  { name: 'token type with spaces', expect: 'changes', apply: setField(TOKEN_TYPE, (t, r) => r.pick([` ${t}`, `${t} `])) },
  { name: 'token type unknown', expect: 'changes', apply: setField(TOKEN_TYPE, (_, r) => r.pick(['prompts', 'complete', 'input', '', 'promp'])) },
  // Timestamp
  ...[0, 1, 2, 3, 4, 5, 6].map(
    (n): Perturbation => ({ name: `timestamp ${n} fraction digits`, expect: 'keeps', apply: instantField((i, r) => ({ ...i, fraction: fraction(r, n) })) }),
  ),
  ...[7, 8, 9].map(
    (n): Perturbation => ({ name: `timestamp ${n} fraction digits`, expect: 'changes', apply: instantField((i, r) => ({ ...i, fraction: fraction(r, n) })) }),
  ),
  { name: 'timestamp 10 fraction digits', expect: 'changes', apply: instantField((i, r) => ({ ...i, fraction: fraction(r, 10) })) },
  { name: 'timestamp dot without digits', expect: 'changes', apply: instantField((i) => ({ ...i, fraction: '.' })) },
  { name: 'timestamp comma fraction', expect: 'changes', apply: instantField((i, r) => ({ ...i, fraction: `,${digits(r, 3)}` })) },
  { name: 'timestamp with an offset', expect: 'keeps', apply: instantField((i, r) => ({ ...i, zone: r.pick(['+02:00', '-05:30', '+00:00', '-00:00', '+14:00', '+15:59', '-15:59']) })) },
  {
    name: 'timestamp offset crossing midnight, a month or a year',
    expect: 'keeps',
    apply: instantField((_, r) =>
      r.pick([
        '2024-02-28T23:30:00-01:00', // → 2024-02-29
        '2023-02-28T23:30:00.5-01:00', // → 2023-03-01
        '2024-03-01T00:30:00+01:00', // → 2024-02-29
        '2100-03-01T00:00:00+00:01', // → 2100-02-28
        '2024-12-31T20:00:00-05:00', // → 2025-01-01
        '2025-01-01T00:59:59.999999+01:00', // → 2024-12-31
        '2025-01-01T01:00:00+01:00', // → 2025-01-01 (exactly midnight UTC)
        '2025-06-30T23:59:59-00:01', // → 2025-07-01
        '0001-01-01T12:00:00+12:00', // → 0001-01-01
        '0002-01-01T00:00:00+00:30', // → 0001-12-31
        '9999-12-31T12:00:00-11:59', // → 9999-12-31
        '2024-07-15T08:00:00+15:59', // → 2024-07-14
        '2024-07-15T16:00:00-15:59', // → 2024-07-16
      ]),
    ),
  },
  { name: 'timestamp year 1 falling in year 0 in UTC', expect: 'changes', apply: instantField((_, r) => r.pick(['0001-01-01T00:30:00+01:00', '0001-01-01T00:00:00.1+00:01'])) },
  { name: 'timestamp year 9999 falling in year 10000 in UTC', expect: 'changes', apply: instantField(() => '9999-12-31T23:30:00-01:00') },
  { name: 'timestamp Z and an offset', expect: 'changes', apply: instantField((i, r) => ({ ...i, zone: r.pick(['Z+02:00', '+02:00Z']) })) },
  { name: 'timestamp offset with seconds', expect: 'changes', apply: instantField((i) => ({ ...i, zone: '+02:00:00' })) },
  { name: 'timestamp offset without colon', expect: 'changes', apply: instantField((i, r) => ({ ...i, zone: r.pick(['+0200', '-0530', '+02', '+2:00']) })) },
  { name: 'timestamp offset out of range', expect: 'changes', apply: instantField((i, r) => ({ ...i, zone: r.pick(['+16:00', '-16:00', '+02:60', '+99:00']) })) },
  { name: 'timestamp offset not digits', expect: 'changes', apply: instantField((i, r) => ({ ...i, zone: r.pick(['+0a:00', '+02:0x', '~02:00', '+02-00']) })) },
  { name: 'timestamp without zone', expect: 'changes', apply: instantField((i) => ({ ...i, zone: '' })) },
  { name: 'timestamp lower-case t', expect: 'changes', apply: instantField((i) => ({ ...i, t: 't' })) },
  { name: 'timestamp lower-case z', expect: 'changes', apply: instantField((i) => ({ ...i, zone: 'z' })) },
  { name: 'timestamp space separator', expect: 'changes', apply: instantField((i) => ({ ...i, t: ' ' })) },
  { name: 'timestamp without seconds', expect: 'changes', apply: instantField((i) => `${i.y}-${i.mo}-${i.d}T${i.h}:${i.mi}Z`) },
  { name: 'timestamp date only', expect: 'changes', apply: instantField((i) => `${i.y}-${i.mo}-${i.d}`) },
  { name: 'timestamp 2023-02-29', expect: 'changes', apply: instantField((i) => ({ ...i, y: '2023', mo: '02', d: '29' })) },
  { name: 'timestamp 1900-02-29', expect: 'changes', apply: instantField((i) => ({ ...i, y: '1900', mo: '02', d: '29' })) },
  { name: 'timestamp 2024-02-29', expect: 'keeps', apply: instantField((i) => ({ ...i, y: '2024', mo: '02', d: '29' })) },
  { name: 'timestamp 2000-02-29', expect: 'keeps', apply: instantField((i) => ({ ...i, y: '2000', mo: '02', d: '29' })) },
  { name: 'timestamp year 0001 and 9999', expect: 'keeps', apply: instantField((i, r) => ({ ...i, y: r.pick(['0001', '9999']), d: pad(r.int(1, 28), 2), zone: 'Z' })) },
  { name: 'timestamp 23:59:59', expect: 'keeps', apply: instantField((i) => ({ ...i, h: '23', mi: '59', s: '59' })) },
  { name: 'timestamp year 0000', expect: 'changes', apply: instantField((i) => ({ ...i, y: '0000' })) },
  { name: 'timestamp month 00 or 13', expect: 'changes', apply: instantField((i, r) => ({ ...i, mo: r.pick(['00', '13', '19', '99']) })) },
  { name: 'timestamp day 00 or 32', expect: 'changes', apply: instantField((i, r) => ({ ...i, d: r.pick(['00', '32', '99']) })) },
  { name: 'timestamp April 31', expect: 'changes', apply: instantField((i, r) => ({ ...i, mo: r.pick(['04', '06', '09', '11']), d: '31' })) },
  { name: 'timestamp hour 24', expect: 'changes', apply: instantField((i, r) => ({ ...i, h: r.pick(['24', '29', '30', '99']) })) },
  { name: 'timestamp minute 60', expect: 'changes', apply: instantField((i, r) => ({ ...i, mi: r.pick(['60', '99']) })) },
  { name: 'timestamp second 60', expect: 'changes', apply: instantField((i, r) => ({ ...i, s: r.pick(['60', '99']) })) },
  { name: 'timestamp with spaces', expect: 'changes', apply: instantField((i, r) => r.pick([` ${instantText(i)}`, `${instantText(i)} `])) },
  { name: 'timestamp trailing CR', expect: 'changes', apply: instantField((i) => `${instantText(i)}\r`) },
  { name: 'timestamp with a non-digit', expect: 'changes', apply: instantField((i, r) => replaceAt(instantText(i), r.pick([0, 3, 5, 9, 12, 15, 18]), r.pick(['a', '/', ' ', '٣']))) },
  { name: 'timestamp separators changed', expect: 'changes', apply: instantField((i, r) => replaceAt(instantText(i), r.pick([4, 7, 13, 16]), r.pick(['/', '.', '_']))) },
  { name: 'timestamp Z then more', expect: 'changes', apply: instantField((i, r) => `${instantText(i)}${r.pick(['Z', '0', 'x'])}`) },
  // Field counts
  { name: '8 fields', expect: 'changes', apply: (f, r) => { const drop = r.int(0, 8); return f.filter((_, i) => i !== drop); } },
  { name: '10 fields: trailing comma', expect: 'changes', apply: (f) => [...f, ''] },
  { name: '10 fields: extra value', expect: 'changes', apply: (f, r) => { const out = [...f]; out.splice(r.int(0, 9), 0, r.pick(['x', '1', f[0]!])); return out; } },
  { name: '9 empty fields', expect: 'changes', apply: () => Array<string>(9).fill('') },
  { name: 'empty line', expect: 'changes', apply: () => '' },
  { name: 'count and rate swapped', expect: 'changes', apply: (f) => { const out = [...f]; out[TOKEN_COUNT] = `${f[RATE]!.split('.')[0]}.5`; return out; } },
];

// ---------------------------------------------------------------------------------------
// The string path, as file-stage.ts runs it on a quote-free line

interface StringPath {
  fields: string[];
  /** Accepted: the key and values it stores. */
  key?: string;
  values?: string[];
  /** Accepted and nothing normalised. */
  unchanged: boolean;
}

function stringPath(line: string): StringPath {
  const fields = line.split(',');
  if (fields.length !== mapping.width) return { fields, unchanged: false };
  const key = uuid(fields[ROW_ID]!);
  if (key instanceof Invalid) return { fields, unchanged: false };
  const values = validate(fields);
  if (!Array.isArray(values)) return { fields, unchanged: false };
  const unchanged = key === fields[ROW_ID] && JSON.stringify(values) === JSON.stringify(fields.slice(1));
  return { fields, key, values: values as string[], unchanged };
}

/** expect(actual).toEqual(expected), calling expect only when they differ (tens of thousands of checks). */
function same(actual: unknown, expected: unknown, context: () => string): void {
  if (Object.is(actual, expected)) return;
  if (typeof actual === 'object' && JSON.stringify(actual) === JSON.stringify(expected)) return;
  expect(actual, context()).toEqual(expected);
}

// ---------------------------------------------------------------------------------------

describe('CanonicalLineCheck ⊆ lines the string path keeps unchanged, and addLine ≡ add', () => {
  interface Case {
    line: string;
    kind: string;
  }

  const rng = new Rng(SEED);
  const cases: Case[] = [];
  for (let i = 0; i < 6000; i++) cases.push({ line: canonicalFields(rng).join(','), kind: 'canonical' });
  for (const perturbation of PERTURBATIONS) {
    for (let i = 0; i < 40; i++) {
      const applied = perturbation.apply(canonicalFields(rng), rng);
      cases.push({ line: typeof applied === 'string' ? applied : applied.join(','), kind: perturbation.name });
    }
  }

  it('accepted lines are kept unchanged by the string path and pack to the same bytes', () => {
    const check = canonicalLineCheck(mapping);
    expect(check).toBeInstanceOf(CanonicalLineCheck);
    const byteRows = new TransactionRows();
    const framedRows = new TransactionRows();
    const stringRows = new TransactionRows();
    let accepted = 0;
    let [zulu, offset, shifted] = [0, 0, 0];
    for (const [n, { line, kind }] of cases.entries()) {
      const context = () => `${kind}: ${JSON.stringify(line)}`;
      const buffer = Buffer.from(line, 'utf8');
      const ok = check!.check(buffer, 0, buffer.length);
      const fieldStarts = [...check!.fieldStarts];
      const date = check!.utcDate.toString('latin1');

      // The same line inside a lines batch: other lines before and after it, either terminator.
      const before = Buffer.from(`${cases[(n + 1) % cases.length]!.line}${rng.pick(['\n', '\r\n'])}`);
      const after = Buffer.from(rng.pick(['', '\n', '\r\n', `\n${cases[(n + 2) % cases.length]!.line}`]));
      const framed = Buffer.concat([before, buffer, after]);
      const framedOk = check!.check(framed, before.length, before.length + buffer.length);
      same(framedOk, ok, () => `framed ${context()}`);
      if (!ok) continue;
      accepted++;
      same([...check!.fieldStarts].map((at) => at - before.length), fieldStarts, context);
      same(check!.utcDate.toString('latin1'), date, context);

      // The string path keeps the line as it is.
      const strings = stringPath(line);
      same(strings.fields.length, FIELDS, context);
      same(uuid(strings.fields[ROW_ID]!), strings.fields[ROW_ID], context);
      same(validate(strings.fields), strings.fields.slice(1), context);
      same(strings.unchanged, true, context);
      // Field offsets: field i starts at fieldStarts[i]; [FIELDS] is one past the end + 1.
      let at = 0;
      strings.fields.forEach((field, i) => {
        same(fieldStarts[i], at, context);
        at += field.length + 1;
      });
      same(fieldStarts[FIELDS], at, context);

      framedRows.addLine(framed, before.length, before.length + buffer.length, check!.fieldStarts, check!.utcDate, n + 1);
      check!.check(buffer, 0, buffer.length);
      byteRows.addLine(buffer, 0, buffer.length, check!.fieldStarts, check!.utcDate, n + 1);
      stringRows.add(n + 1, strings.key!, strings.values!, line);

      // The UTC date: the check's, values.ts's and an independent one agree.
      const occurredAt = strings.values![TIMESTAMP - 1]!;
      same(date, utcDate(occurredAt), context);
      same(date, oracleUtcDate(occurredAt), context);
      if (occurredAt.endsWith('Z')) zulu++;
      else if (date !== occurredAt.slice(0, 10)) shifted++;
      else offset++;

      const i = stringRows.count - 1;
      const expected = stringRows.data.subarray(stringRows.start(i), stringRows.end(i));
      same(expected.toString('utf8'), [...strings.fields, date].join('\t'), context);
      for (const rows of [byteRows, framedRows]) {
        same(rows.count, stringRows.count, context);
        const packed = rows.data.subarray(rows.start(i), rows.end(i));
        if (!packed.equals(expected)) same(packed.toString('latin1'), expected.toString('latin1'), context);
        same(rows.raw(i), stringRows.raw(i), context);
        same(rows.raw(i), line, context);
        same(rows.key(i), stringRows.key(i), context);
        same(rows.key(i), strings.key, context);
        same(rows.userId(i), stringRows.userId(i), context);
        same(rows.userId(i), strings.values![0], context);
        same(rows.line(i), n + 1, context);
        same(rows.data.toString('latin1', rows.dateAt(i), rows.dateAt(i) + 10), date, context);
        same(stringRows.data.toString('latin1', stringRows.dateAt(i), stringRows.dateAt(i) + 10), date, context);
      }
    }
    expect(accepted).toBeGreaterThan(6000);
    // Accepted instants: in UTC, with an offset on the same day, and moved to another day.
    expect(zulu).toBeGreaterThan(1000);
    expect(offset).toBeGreaterThan(300);
    expect(shifted).toBeGreaterThan(300);
    // Enough rows that the packed buffers grew past their first megabyte.
    expect(stringRows.end(stringRows.count - 1)).toBeGreaterThan(1 << 20);
    // Everything added earlier survived the growth.
    for (let i = 0; i < stringRows.count; i += 97) {
      const expected = stringRows.data.subarray(stringRows.start(i), stringRows.end(i));
      expect(byteRows.data.subarray(byteRows.start(i), byteRows.end(i)).equals(expected)).toBe(true);
      expect(framedRows.data.subarray(framedRows.start(i), framedRows.end(i)).equals(expected)).toBe(true);
    }
  });

  it('is not trivially false: canonical lines are accepted, and so are the canonical edge cases', () => {
    const check = new CanonicalLineCheck();
    const byKind = new Map<string, Case[]>();
    for (const c of cases) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
    const canonical = byKind.get('canonical')!;
    expect(canonical.length).toBe(6000);
    for (const { line } of canonical) {
      same(stringPath(line).unchanged, true, () => line);
      same(check.check(Buffer.from(line), 0, line.length), true, () => line);
    }
    for (const perturbation of PERTURBATIONS.filter((p) => p.expect === 'keeps')) {
      for (const { line } of byKind.get(perturbation.name)!) {
        const context = () => `${perturbation.name}: ${JSON.stringify(line)}`;
        same(stringPath(line).unchanged, true, context);
        same(check.check(Buffer.from(line), 0, line.length), true, context);
      }
    }
  });

  it('refuses every perturbation the string path changes or rejects', () => {
    const check = new CanonicalLineCheck();
    for (const perturbation of PERTURBATIONS) {
      const lines = cases.filter((c) => c.kind === perturbation.name).map((c) => c.line);
      expect(lines.length, perturbation.name).toBe(40);
      for (const line of lines) {
        const context = () => `${perturbation.name}: ${JSON.stringify(line)}`;
        const bytes = Buffer.from(line, 'utf8');
        // The perturbation does what it is labelled to do to the string path...
        same(stringPath(line).unchanged, perturbation.expect !== 'changes', context);
        // ...and the check refuses what the string path would change.
        if (perturbation.expect === 'changes') same(check.check(bytes, 0, bytes.length), false, context);
      }
    }
  });

  it('refuses a line that only starts like a canonical one (truncated anywhere)', () => {
    const check = new CanonicalLineCheck();
    const r = new Rng(SEED + 1);
    for (let n = 0; n < 200; n++) {
      const line = canonicalFields(r).join(',');
      const bytes = Buffer.from(`${line}\n${line}`);
      for (const end of [r.int(0, line.length - 1), line.length - 1, line.length - r.int(2, 8)]) {
        // data[end] is a byte of the line, not a terminator: the check must stay within [start, end).
        expect(check.check(bytes, 0, end), `${JSON.stringify(line)} cut at ${end}`).toBe(stringPath(line.slice(0, end)).unchanged);
      }
    }
  });
});

describe('canonicalLineCheck', () => {
  const columns = TRANSACTION_COLUMNS;

  it('is there for the nine columns in order, however they are spelled', () => {
    expect(canonicalLineCheck(mapHeader('t', NAMES, columns))).toBeInstanceOf(CanonicalLineCheck);
    const spelled = ['row id', 'USER-ID', 'model_name', 'Conversation Id', 'tokentype', 'TOKEN_COUNT', 'rate per 1k', 'calculated-cost', ' timestamp '];
    expect(canonicalLineCheck(mapHeader('t', spelled, columns))).toBeInstanceOf(CanonicalLineCheck);
  });

  it('is undefined for a reordered header or an extra column', () => {
    const rng = new Rng(SEED + 2);
    for (let i = 0; i + 1 < NAMES.length; i++) {
      const swapped = [...NAMES];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
      expect(canonicalLineCheck(mapHeader('t', swapped, columns)), swapped.join(',')).toBeUndefined();
    }
    for (let n = 0; n < 50; n++) {
      const shuffled = [...NAMES];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const expected = shuffled.every((name, i) => name === NAMES[i]);
      expect(canonicalLineCheck(mapHeader('t', shuffled, columns)) !== undefined, shuffled.join(',')).toBe(expected);
    }
    for (let at = 0; at <= NAMES.length; at++) {
      for (const extra of ['Extra', '', 'Notes']) {
        const wider: string[] = [...NAMES];
        wider.splice(at, 0, extra);
        expect(canonicalLineCheck(mapHeader('t', wider, columns)), wider.join(',')).toBeUndefined();
      }
    }
  });
});

describe('KeySet: string and byte keys are the same keys', () => {
  it('add(string) ↔ hasAt(bytes) and addAt(bytes) ↔ has(string), sizes agree', () => {
    const rng = new Rng(SEED + 3);
    const keys: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const roll = rng.int(0, 99);
      if (roll < 10 && keys.length) keys.push(rng.pick(keys)); // a repeat
      else if (roll < 15 && keys.length) {
        // A near miss: one hex digit of an earlier key changed.
        const key = rng.pick(keys);
        const at = rng.pick(hexPositions);
        keys.push(replaceAt(key, at, HEX[(HEX.indexOf(key[at]!) + rng.int(1, 15)) % 16]!));
      } else keys.push(canonicalUuid(rng));
    }
    keys.push('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001');

    const fromStrings = new KeySet(16); // small: the tables grow many times
    const fromBytes = new KeySet(16);
    const oracle = new Set<string>();
    for (const key of keys) {
      const isNew = !oracle.has(key);
      const context = () => `${key} (new: ${isNew})`;
      // Before: both sets agree the key is (not) there, by text and by bytes.
      same(fromStrings.hasAt(Buffer.from(key), 0), !isNew, context);
      same(fromBytes.has(key), !isNew, context);
      const prefix = Buffer.from('x'.repeat(rng.int(0, 40)));
      const framed = Buffer.concat([prefix, Buffer.from(key), Buffer.from(',rest')]);
      same(fromStrings.add(key), isNew, context);
      same(fromBytes.addAt(framed, prefix.length), isNew, context);
      oracle.add(key);
      same(fromStrings.hasAt(Buffer.from(key), 0), true, context);
      same(fromBytes.has(key), true, context);
    }
    expect(oracle.size).toBeGreaterThan(4000);
    expect(oracle.size).toBeLessThan(keys.length); // there were repeats
    expect(fromStrings.size).toBe(oracle.size);
    expect(fromBytes.size).toBe(oracle.size);
    for (const key of oracle) {
      const context = () => key;
      same(fromStrings.hasAt(Buffer.from(key), 0), true, context);
      same(fromBytes.has(key), true, context);
      same(fromStrings.has(key), true, context);
      same(fromBytes.hasAt(Buffer.from(`,${key}`), 1), true, context);
    }
    let absent = 0;
    for (let i = 0; i < 2000; i++) {
      const key = canonicalUuid(rng);
      if (oracle.has(key)) continue;
      absent++;
      same(fromStrings.hasAt(Buffer.from(key), 0), false, () => key);
      same(fromBytes.has(key), false, () => key);
    }
    expect(absent).toBeGreaterThan(1900);
  });
});
