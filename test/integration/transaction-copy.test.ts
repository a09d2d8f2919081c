// Binary COPY of packed transaction rows (worker/pipeline/transaction-copy.ts) against
// PostgreSQL's own text input of the very same rows. Raw field strings full of edge cases
// (seeded, so a failure reproduces: TX_COPY_SEED=… overrides the seed) go through the
// file validator and TransactionRows.add; one table is loaded with binary tuples, a twin
// with COPY text, and every column of every row must render identically.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyField } from '../../src/ingest/copy-text.js';
import { mapHeader } from '../../src/ingest/headers.js';
import { TRANSACTION_COLUMNS, transactionsFormat, type RowProblem, type RowValues } from '../../src/ingest/rows.js';
import { Invalid, utcDate, uuid } from '../../src/ingest/values.js';
import { copyBytes } from '../../src/infra/pg-pool.js';
import { BINARY_HEADER, BINARY_TRAILER, binaryFieldsBound, binaryTail, writeBinaryFields } from '../../worker/pipeline/transaction-copy.js';
import { PACKED_COLUMNS, TransactionRows } from '../../worker/pipeline/transaction-rows.js';
import { seeded } from '../helpers/random.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const SEED = Number(process.env.TX_COPY_SEED ?? 0x5eed_2024);
const GENERATED = 4000;
const COLUMNS = `${PACKED_COLUMNS}, user_seq, region, company, job_id, agg_batch`;
const INT8_MAX = 9223372036854775807n;
// Small, so rows share buffers, buffers are flushed often and long rows get a buffer of
// exactly their bound (as copyRows in transactions.ts does with its 1 MiB).
const COPY_BUFFER_BYTES = 512;

// ---------------------------------------------------------------------------------------
// Seeded generation of raw fields.

const random = seeded(SEED);
const int = (n: number) => Math.floor(random() * n);
const chance = (p: number) => random() < p;
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const digits = (n: number, firstNonZero = false) =>
  Array.from({ length: n }, (_, i) => String(i === 0 && firstNonZero ? 1 + int(9) : int(10))).join('');
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const spaced = (value: string, p = 0.1) => (chance(p) ? `${' '.repeat(1 + int(2))}${value}${' '.repeat(int(3))}` : value);

function hexUuid(): string {
  const h = Array.from({ length: 32 }, () => '0123456789abcdef'[int(16)]).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function rawUuid(): string {
  if (chance(0.005)) return pick(['not-a-uuid', hexUuid().slice(1), '']);
  let value = hexUuid();
  const r = random();
  if (r < 0.15) value = value.toUpperCase();
  else if (r < 0.25) value = [...value].map((c) => (chance(0.5) ? c.toUpperCase() : c)).join('');
  return spaced(value, 0.15);
}

const MODEL_SPECIALS = [
  'gpt-4o',
  'claude-3-5-sonnet',
  'modèle-é',
  '中文模型',
  '🤖 assistant 🚀',
  'back\\slash',
  'ends with \\',
  '\\N',
  '\\\\',
  '\\t not a tab',
  '"quoted"',
  "it's",
  'comma, semi; colon',
  'a',
  '7',
  'm'.repeat(128),
  'é'.repeat(128),
  '中'.repeat(128),
  '😀'.repeat(64),
  `${'中'.repeat(60)}\\${'é'.repeat(67)}`,
  '  padded model  ',
  '\u00a0nbsp-trimmed\u00a0',
  'soft\u00adhyphen \u2028 line-separator',
  'm'.repeat(129), // rejected: too long
  'tab\tinside', // rejected: control character
  'nel\u0085', // rejected: C1 control
  '   ', // rejected: required
];
const MODEL_CHARS = [...'abcdefxyz-_.:/019 ABC', 'é', 'ß', 'Ω', 'ж', '中', '文', '😀', '🚀', '\\', '"', "'", ',', ';', 'N', '\u00ad'];

function rawModel(): string {
  if (chance(0.25)) return pick(MODEL_SPECIALS);
  const target = chance(0.2) ? 120 + int(9) : 1 + int(40);
  let model = '';
  while (model.length < target) {
    const c = pick(MODEL_CHARS);
    model += model.length + c.length <= target ? c : 'z';
  }
  return spaced(model, 0.05);
}

function rawTokenType(): string {
  if (chance(0.01)) return pick(['image', '', 'prompts']);
  return pick(['prompt', 'completion', 'prompt', 'completion', 'PROMPT', 'Completion', 'pRoMpT', ' prompt ', 'COMPLETION  ']);
}

function int8Digits(n: number): string {
  if (n < 19) return digits(n, true);
  const low = 10n ** 18n;
  const span = INT8_MAX - low + 1n;
  const r = BigInt(`0x${hexUuid().replaceAll('-', '').slice(0, 16)}`) % span;
  return String(low + r);
}

function rawTokenCount(): string {
  switch (int(14)) {
    case 0:
      return '0';
    case 1:
      return '1';
    case 2:
      return digits(1 + int(15), true);
    case 3:
      return int8Digits(pick([15, 16]));
    case 4:
      return int8Digits(18);
    case 5:
      return int8Digits(19);
    case 6:
      return '9223372036854775807';
    case 7:
      return '0'.repeat(1 + int(5)) + digits(1 + int(12), true); // plain, ≤ 18 characters
    case 8:
      return '000' + int8Digits(19); // leading zeros past 19 characters
    case 9:
      return `+${digits(1 + int(19 - 1), true)}`;
    case 10:
      return '+5';
    case 11:
      return spaced(digits(1 + int(8), true), 1);
    case 12:
      return '0'.repeat(1 + int(20)); // zero spelled long
    default:
      return chance(0.3) ? pick(['9223372036854775808', '99999999999999999999', '-1', '1.0', '1e3', 'abc']) : digits(1 + int(6));
  }
}

const DECIMAL_SPECIALS = [
  '0',
  '0.0',
  '0.00000001',
  '007.50',
  '.5',
  '5.',
  '1.500',
  '1.5e3',
  '2.5E-3',
  '12e-1',
  '0.0e+2',
  '1e-30',
  '9.99e20',
  '+1.5',
  '-0.00',
  '-0',
  '+0',
  '-.0',
  '+.5',
  '0e0',
  '1E+0',
  '0.000e-5',
  '-0.00e5',
  '100e-2',
  '.5e2',
  '5.e1',
  '1.5e-999',
  '7e999',
  '  3.25  ',
  '0000.0000',
  '10000',
  '9999.9999',
  '1.0001',
  '12345678.87654321',
  `${'9'.repeat(30)}.${'9'.repeat(30)}`,
  `${'1'.repeat(60)}.${'0'.repeat(59)}1`,
  // rejected
  '-1.5',
  '-1e-9',
  'abc',
  '1e',
  '1.2.3',
  'NaN',
  'Infinity',
  '1e1000',
  '',
];

function rawDecimal(): string {
  const r = random();
  if (r < 0.2) return pick(DECIMAL_SPECIALS);
  if (r < 0.55) {
    // Plain: up to 30 + 30 digits, leading and trailing zeros now and then.
    let whole = chance(0.3) ? '0' : digits(1 + int(30), true);
    if (chance(0.1)) whole = '0'.repeat(1 + int(4)) + whole;
    if (chance(0.2)) return whole;
    let fraction = digits(1 + int(30));
    if (chance(0.15)) fraction += '0'.repeat(1 + int(4));
    return `${whole}.${fraction}`;
  }
  if (r < 0.65) return `${digits(31 + int(30), true)}.${digits(31 + int(30))}`; // past the plain fast path
  if (r < 0.9) {
    // Exponent forms.
    const whole = chance(0.2) ? '' : digits(1 + int(8), chance(0.7));
    const fraction = whole === '' || chance(0.6) ? digits(1 + int(8)) : '';
    const point = whole === '' || fraction !== '' || chance(0.3) ? '.' : '';
    const magnitude = chance(0.05) ? int(1000) : int(41);
    const sign = pick(['', '-', '+']);
    return spaced(`${chance(0.1) ? '+' : ''}${whole}${point}${fraction}${pick(['e', 'E'])}${sign}${magnitude}`, 0.05);
  }
  const body = chance(0.5) ? `${digits(1 + int(6))}.${digits(1 + int(8))}` : `.${digits(1 + int(6))}`;
  return spaced(chance(0.5) ? `+${body}` : chance(0.5) ? `-0.${'0'.repeat(int(5))}` : body, 0.5);
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
const YEARS = [1, 2, 4, 99, 100, 400, 1000, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2004, 2023, 2024, 2038, 2100, 2400, 9998, 9999];
const OFFSET_SPECIALS = ['+15:00', '-15:59', '-00:00', '+00:00', '+05:45', '+05:30', '-09:30', '+14:00', '-12:00', '+0530', '-0800', '+09'];
const TIME_SPECIALS = [
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:30:00+00:30',
  '0001-01-01T00:00:00+00:01', // rejected: year 0 in UTC
  '0001-01-01 23:59:59.999999-15:59',
  '1000-02-28T23:00:00-01:00',
  '1900-02-28T23:30:00-00:31',
  '1969-12-31T23:59:59.999999Z',
  '1970-01-01T00:00:00Z',
  '1969-12-31T20:00:00-04:00',
  '2000-02-29T23:59:59-00:01',
  '2000-03-01T00:00:00+00:01',
  '2000-01-01T00:00:00Z',
  '1999-12-31T23:00:00-01:00',
  '2038-01-19T03:14:07Z',
  '2038-01-19T03:14:08.000001+00:00',
  '2100-02-28T23:59:59.5-00:01',
  '2024-02-29t12:00:00.1234567Z',
  '2024-12-31 23:59z',
  '2024-06-30T20:15+05:45',
  '2024-03-10T02:30:00,25-15:00',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999+15:00',
  '2023-02-29T00:00:00Z', // rejected: not a real date
  '2024-01-01T24:00:00Z', // rejected
  '2024-01-01T10:00:00', // rejected: no zone
  '2024-01-01T10:00:00+16:00', // rejected
];

function rawInstant(): string {
  if (chance(0.08)) return pick(TIME_SPECIALS);
  const year = chance(0.5) ? pick(YEARS) : 1 + int(9999);
  const month = chance(0.4) ? pick([1, 2, 12]) : 1 + int(12);
  const dim = daysIn(year, month);
  const day = chance(0.5) ? pick([1, dim, Math.min(28, dim)]) : 1 + int(dim);
  const hour = chance(0.5) ? pick([0, 23]) : int(24);
  const minute = chance(0.4) ? pick([0, 59]) : int(60);
  const second = chance(0.4) ? pick([0, 59]) : int(60);
  let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${pick(['T', 'T', 'T', 't', ' '])}${pad(hour, 2)}:${pad(minute, 2)}`;
  if (!chance(0.1)) {
    text += `:${pad(second, 2)}`;
    const fraction = chance(0.1) ? 8 + int(2) : int(8);
    if (fraction) text += `${chance(0.9) ? '.' : ','}${digits(fraction)}`;
  }
  const z = random();
  if (z < 0.35) text += 'Z';
  else if (z < 0.4) text += 'z';
  else if (z < 0.55) text += pick(OFFSET_SPECIALS);
  else if (z < 0.99) {
    const hours = chance(0.3) ? pick([0, 14, 15]) : int(16);
    const minutes = chance(0.5) ? pick([0, 30, 45, 59]) : int(60);
    text += `${pick(['+', '-'])}${pad(hours, 2)}:${pad(minutes, 2)}`;
  } // else: no zone, rejected
  return spaced(text, 0.05);
}

// ---------------------------------------------------------------------------------------
// Validation and packing, as the worker's string path does.

const mapping = mapHeader(
  'transactions file',
  TRANSACTION_COLUMNS.map((column) => column.name),
  TRANSACTION_COLUMNS,
);
const validate = transactionsFormat.validator(mapping);

interface Case {
  /** Raw fields in TRANSACTION_COLUMNS order (RowId first). */
  raw: string[];
  key: string;
  values: string[];
  /** Index into USERS. */
  user: number;
}

type Outcome = { ok: Case } | { rejected: string };

function check(raw: string[], user: number): Outcome {
  const key = uuid(raw[0] as string);
  if (key instanceof Invalid) return { rejected: `RowId ${key.reason}` };
  const result: RowValues | RowProblem = validate(raw);
  if (!Array.isArray(result)) return { rejected: result.reason };
  return { ok: { raw, key, values: result as string[], user } };
}

const USERS = [
  { seq: 1, region: 'EU', company: 'Acme, Inc.', jobId: hexUuid(), batch: 1 },
  { seq: 2_147_483_647, region: 'Zürich-中文', company: 'Tab\there "quoted" back\\slash', jobId: hexUuid(), batch: 2_147_483_647 },
  { seq: 7, region: 'US', company: '', jobId: hexUuid(), batch: 0 },
  { seq: 42, region: '🚀 orbit', company: "O'Brien \\N\nnew line\r\n", jobId: hexUuid(), batch: 65_536 },
  { seq: 100_000, region: 'r'.repeat(128), company: 'é'.repeat(300), jobId: hexUuid(), batch: 7 },
];
const TAILS = USERS.map(({ seq, region, company, jobId, batch }) => binaryTail(seq, region, company, jobId, batch));

const describeRaw = (c: Case) => `raw ${JSON.stringify(c.raw)} (user ${c.user}, seed ${SEED})`;

// ---------------------------------------------------------------------------------------
// Loading and comparing.

let db: TestDatabase;
let client: pg.PoolClient;
let tables = 0;

beforeAll(async () => {
  db = await createTestDatabase('transaction_copy');
  client = await db.pool.connect();
  // Every instant carries its zone, so the session's must not matter.
  await client.query("SET TimeZone = 'Asia/Kathmandu'");
});
afterAll(async () => {
  client?.release();
  await db?.drop();
});

const RENDERED = [
  'row_id',
  'user_id',
  'model',
  'conversation_id',
  'token_type',
  'token_count',
  'rate_per_1k',
  'cost',
  'occurred_at epoch',
  'occurred_at UTC',
  'date',
  'user_seq',
  'region',
  'company',
  'job_id',
  'agg_batch',
] as const;

const render = (t: string) => `ARRAY[
  ${t}.row_id::text, ${t}.user_id::text, ${t}.model, ${t}.conversation_id::text, ${t}.token_type::text,
  ${t}.token_count::text, ${t}.rate_per_1k::text, ${t}.cost::text,
  extract(epoch FROM ${t}.occurred_at)::numeric(30, 6)::text,
  to_char(${t}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US BC'),
  ${t}.date::text, ${t}.user_seq::text, ${t}.region, ${t}.company, ${t}.job_id::text, ${t}.agg_batch::text]`;

function packRows(cases: Case[]): TransactionRows {
  const rows = new TransactionRows();
  cases.forEach((c, i) => rows.add(i + 2, c.key, c.values, c.raw.join(',')));
  return rows;
}

/**
 * Binary tuples as copyRows writes them: each row's fields as TransactionRows encoded them,
 * then its user's tail. Rows whose fields exceed their bound are collected in `overflows`.
 */
function* binaryStream(rows: TransactionRows, cases: Case[], overflows: string[]): Generator<Buffer> {
  yield BINARY_HEADER;
  let out = Buffer.alloc(COPY_BUFFER_BYTES);
  let used = 0;
  for (let i = 0; i < rows.count; i++) {
    const tail = TAILS[cases[i]!.user]!;
    const bound = binaryFieldsBound(rows.end(i) - rows.start(i));
    const size = rows.binaryEnd(i) - rows.binaryStart(i);
    if (size > bound) overflows.push(`${size} bytes > bound ${bound}: ${describeRaw(cases[i]!)}`);
    if (used + size + tail.length > out.length) {
      if (used) yield out.subarray(0, used);
      out = Buffer.alloc(Math.max(COPY_BUFFER_BYTES, size + tail.length));
      used = 0;
    }
    used += rows.binaryData.copy(out, used, rows.binaryStart(i), rows.binaryEnd(i));
    used += tail.copy(out, used);
  }
  if (used) yield out.subarray(0, used);
  yield BINARY_TRAILER;
}

/** The packed text rows plus the user's tail, as COPY text. */
function* textStream(rows: TransactionRows, cases: Case[]): Generator<Buffer> {
  let text = '';
  for (let i = 0; i < rows.count; i++) {
    const { seq, region, company, jobId, batch } = USERS[cases[i]!.user]!;
    text += `${rows.data.toString('utf8', rows.start(i), rows.end(i))}\t${seq}\t${copyField(region)}\t${copyField(company)}\t${jobId}\t${batch}\n`;
    if (text.length > 64 * 1024) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text) yield Buffer.from(text);
}

/**
 * Loads `cases` into two fresh tables, one by binary COPY and one by text COPY, and
 * returns every problem found (empty when binary stores exactly what text input does).
 */
async function loadAndCompare(cases: Case[]): Promise<string[]> {
  const n = ++tables;
  const binary = `tx_binary_${n}`;
  const text = `tx_text_${n}`;
  await client.query(`CREATE TABLE ${binary} (LIKE transactions INCLUDING ALL)`);
  await client.query(`CREATE TABLE ${text} (LIKE transactions INCLUDING ALL)`);
  const rows = packRows(cases);
  expect(rows.count).toBe(cases.length);

  const problems: string[] = [];
  await copyBytes(client, `${text} (${COLUMNS})`, textStream(rows, cases));
  const overflows: string[] = [];
  try {
    await copyBytes(client, `${binary} (${COLUMNS})`, binaryStream(rows, cases, overflows), '(FORMAT binary)');
  } catch (error) {
    problems.push(`binary COPY failed: ${(error as Error).message} (rows: ${cases.map(describeRaw).join('; ')})`.slice(0, 4000));
  }
  problems.push(...overflows);

  const byKey = new Map(cases.map((c) => [c.key, c]));
  interface Pair {
    key: string;
    b: string[] | null;
    t: string[] | null;
    b_date_ok: boolean | null;
    t_date_ok: boolean | null;
  }
  const { rows: pairs } = await client.query<Pair>(
    `SELECT coalesce(b.row_id, t.row_id)::text AS key,
            CASE WHEN b.row_id IS NOT NULL THEN ${render('b')} END AS b,
            CASE WHEN t.row_id IS NOT NULL THEN ${render('t')} END AS t,
            b.date = (b.occurred_at AT TIME ZONE 'UTC')::date AS b_date_ok,
            t.date = (t.occurred_at AT TIME ZONE 'UTC')::date AS t_date_ok
       FROM ${binary} b FULL JOIN ${text} t ON t.row_id = b.row_id`,
  );
  for (const { key, b, t, b_date_ok: bDateOk, t_date_ok: tDateOk } of pairs) {
    const c = byKey.get(key);
    const input = c ? describeRaw(c) : `unknown row_id ${key}`;
    if (!c) problems.push(`a row_id that was not loaded: ${key}`);
    if (!t) {
      problems.push(`missing from the text-loaded table: ${input}`);
      continue;
    }
    if (!b) {
      problems.push(`missing from the binary-loaded table: ${input}`);
      continue;
    }
    RENDERED.forEach((column, k) => {
      if (b[k] !== t[k]) problems.push(`${column}: binary ${JSON.stringify(b[k])} ≠ text ${JSON.stringify(t[k])} for ${input}`);
    });
    if (!bDateOk) problems.push(`binary date ${b[10]} is not the UTC date of ${b[9]}: ${input}`);
    if (!tDateOk) problems.push(`text date ${t[10]} is not the UTC date of ${t[9]}: ${input}`);
    if (!c) continue;
    // The text-loaded reference holds the validated values themselves.
    const user = USERS[c.user]!;
    const expected: Array<[number, string]> = [
      [2, c.values[1]!],
      [4, c.values[3]!],
      [10, utcDate(c.values[7]!)],
      [12, user.region],
      [13, user.company],
      [14, user.jobId],
      [15, String(user.batch)],
    ];
    for (const [k, value] of expected) {
      if (t[k] !== value) problems.push(`text ${RENDERED[k]} ${JSON.stringify(t[k])} ≠ ${JSON.stringify(value)}: ${input}`);
    }
  }
  if (pairs.length !== cases.length) problems.push(`${pairs.length} rows stored for ${cases.length} loaded`);

  // The validator's normal forms keep numeric_in's value and display scale, and int8in's value.
  interface RawPair {
    key: string;
    count: string;
    rate: string;
    cost: string;
    t_count: string;
    t_rate: string;
    t_cost: string;
  }
  const { rows: raws } = await client.query<RawPair>(
    `SELECT r.key, r.count::int8::text AS count, r.rate::numeric::text AS rate, r.cost::numeric::text AS cost,
            t.token_count::text AS t_count, t.rate_per_1k::text AS t_rate, t.cost::text AS t_cost
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(key, count, rate, cost)
       JOIN ${text} t ON t.row_id = r.key::uuid`,
    [cases.map((c) => c.key), cases.map((c) => c.raw[5]), cases.map((c) => c.raw[6]), cases.map((c) => c.raw[7])],
  );
  for (const r of raws) {
    const input = describeRaw(byKey.get(r.key)!);
    if (r.count !== r.t_count) problems.push(`token_count: raw::int8 ${r.count} ≠ stored ${r.t_count}: ${input}`);
    if (r.rate !== r.t_rate) problems.push(`rate_per_1k: raw::numeric ${r.rate} ≠ stored ${r.t_rate}: ${input}`);
    if (r.cost !== r.t_cost) problems.push(`cost: raw::numeric ${r.cost} ≠ stored ${r.t_cost}: ${input}`);
  }
  if (raws.length !== cases.length) problems.push(`${raws.length} raw values compared for ${cases.length} rows`);
  return problems;
}

const report = (problems: string[]) =>
  problems.length ? `${problems.length} problem(s), first ones:\n${problems.slice(0, 25).join('\n')}` : '';

// ---------------------------------------------------------------------------------------

describe('binary COPY of packed transaction rows', () => {
  it(`stores exactly what PostgreSQL's text input stores, for ${GENERATED} generated rows (seed ${SEED})`, async () => {
    const accepted: Case[] = [];
    const beyondYear9999: Case[] = [];
    const keys = new Set<string>();
    const reasons = new Map<string, number>();
    let generated = 0;
    while (generated < GENERATED) {
      const raw = [rawUuid(), rawUuid(), rawModel(), rawUuid(), rawTokenType(), rawTokenCount(), rawDecimal(), rawDecimal(), rawInstant()];
      const outcome = check(raw, int(USERS.length));
      const key = 'ok' in outcome ? outcome.ok.key : undefined;
      if (key !== undefined && keys.has(key)) continue; // RowIds stay unique
      generated++;
      if ('rejected' in outcome) {
        const kind = outcome.rejected.replace(/".*"/, '…');
        reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
        continue;
      }
      keys.add(outcome.ok.key);
      // An instant whose UTC date is past 9999-12-31 has its own test below.
      (utcDate(outcome.ok.values[7]!).length === 10 ? accepted : beyondYear9999).push(outcome.ok);
    }

    // Most rows pass validation, and the rejections are the ones meant.
    expect(accepted.length / GENERATED).toBeGreaterThan(0.75);
    expect(reasons.size).toBeGreaterThan(5);

    // The edge cases the generator is for are really there.
    const has = (test: (c: Case) => boolean, atLeast = 5) => expect(accepted.filter(test).length).toBeGreaterThanOrEqual(atLeast);
    has((c) => c.raw[0] !== c.key); // RowId normalised (case, spaces)
    has((c) => /[^\x20-\x7e]/.test(c.values[1]!));
    has((c) => c.values[1]!.includes('\\'));
    has((c) => c.values[1]!.length === 128);
    has((c) => c.values[1]!.length === 1, 1);
    has((c) => c.raw[4] !== c.values[3]);
    has((c) => c.values[4]!.length === 19);
    has((c) => c.values[4] === '9223372036854775807');
    has((c) => /^0\d/.test(c.values[4]!)); // plain token counts keep leading zeros
    has((c) => /[eE]/.test(c.raw[6]!) || /[eE]/.test(c.raw[7]!), 50);
    has((c) => c.values[6]!.length > 60);
    has((c) => /^\./.test(c.values[6]!) || /\.$/.test(c.values[6]!));
    has((c) => /[+-]\d\d:\d\d$/.test(c.values[7]!), 500);
    has((c) => utcDate(c.values[7]!) !== c.values[7]!.slice(0, 10), 200); // day crossed in UTC
    has((c) => utcDate(c.values[7]!).slice(0, 4) !== c.values[7]!.slice(0, 4), 10); // year crossed
    has((c) => utcDate(c.values[7]!).startsWith('0001'), 10);
    has((c) => utcDate(c.values[7]!).startsWith('9999'), 10);
    has((c) => /\.\d{6}[Z+-]/.test(c.values[7]!), 50);
    has((c) => /-02-29/.test(utcDate(c.values[7]!)));

    // Long packed rows (multi-byte 128-character models, 60-digit decimals) and the bound.
    const long = [
      ['😀'.repeat(64), `${'9'.repeat(60)}.${'9'.repeat(60)}`, `${'1'.repeat(30)}.${'0'.repeat(29)}1`],
      ['中'.repeat(128), `${'0'.repeat(30)}${'7'.repeat(60)}.${'5'.repeat(60)}0000`, '1.23456789e-60'],
      [`${'é'.repeat(127)}\\`, '9.87654321e59', `${'4'.repeat(31)}.${'3'.repeat(31)}`],
    ].map(([model, rate, cost], j) => {
      const raw = [hexUuid(), hexUuid(), model!, hexUuid(), 'completion', '9223372036854775807', rate!, cost!, '9999-12-31T23:59:59.999999+15:00'];
      const outcome = check(raw, j % USERS.length);
      if (!('ok' in outcome)) throw new Error(`long row rejected: ${outcome.rejected}`);
      return outcome.ok;
    });
    for (const c of long) {
      const rows = packRows([c]);
      expect(rows.end(0) - rows.start(0)).toBeGreaterThan(400);
      const bound = binaryFieldsBound(rows.end(0) - rows.start(0));
      const size = rows.binaryEnd(0) - rows.binaryStart(0);
      expect(size, `binary row of ${size} bytes, bound ${bound}: ${describeRaw(c)}`).toBeLessThanOrEqual(bound);
      // And in a buffer of exactly its bound, the room TransactionRows reserves for a row.
      const exact = Buffer.alloc(bound);
      expect(writeBinaryFields(rows.data, rows.start(0), rows.end(0), exact, 0)).toBe(size);
    }

    const problems = await loadAndCompare([...long, ...accepted]);
    expect(problems, report(problems)).toEqual([]);
  });

  it('rejects an instant whose UTC date falls past 9999-12-31 (dates are written with four-digit years)', async () => {
    const inputs = [
      '9999-12-31T20:00:00-05:00',
      '9999-12-31T23:59:59.999999-00:01',
      '9999-12-31 19:00-15:59',
      '9999-12-31T23:00:00.5-01:00',
    ];
    const problems: string[] = [];
    for (const [j, timestamp] of inputs.entries()) {
      const outcome = check([hexUuid(), hexUuid(), 'gpt-4o', hexUuid(), 'prompt', '1', '0.5', '0.0005', timestamp], j % USERS.length);
      expect('ok' in outcome, timestamp).toBe(false);
      if (!('ok' in outcome)) expect(outcome.rejected).toMatch(/^Timestamp .* falls outside the years 0001–9999 in UTC$/);
    }
    // The last instant of year 9999 in UTC is still stored exactly.
    const last = check([hexUuid(), hexUuid(), 'gpt-4o', hexUuid(), 'prompt', '1', '0.5', '0.0005', '9999-12-31T23:59:59.999999Z'], 0);
    if (!('ok' in last)) throw new Error(`rejected: ${last.rejected}`);
    problems.push(...(await loadAndCompare([last.ok])));
    expect(problems, report(problems)).toEqual([]);
  });
});
