// Sample data in the SPEC §2 formats, deterministic by seed:
//   npm run generate -- --users 2000 --transactions 1000000 --days 30 --seed 42 [--dirty 2] --out DIR
// Writes DIR/users.csv, DIR/transactions.csv and, with --dirty, DIR/manifest.json listing
// every bad row (file, physical line, kind, column). Output is streamed: memory does not
// grow with the row count.
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

// ------------------------------------------------------------------ random numbers

/** sfc32 seeded through splitmix32: fast, and identical on every machine for a seed. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    [this.a, this.b, this.c, this.d] = [next(), next(), next(), next()];
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  float(): number {
    return this.uint32() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.float() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return (items.at(-1) as readonly [T, number])[0];
  }

  /** A version-4 UUID from this generator (not crypto.randomUUID: it must follow the seed). */
  uuid(): string {
    const a = this.uint32();
    const b = ((this.uint32() & 0xffff0fff) | 0x4000) >>> 0;
    const c = ((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0;
    const d = this.uint32();
    return `${hex8(a)}-${hex4(b >>> 16)}-${hex4(b & 0xffff)}-${hex4(c >>> 16)}-${hex4(c & 0xffff)}${hex8(d)}`;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex4 = (v: number) => (HEX[(v >>> 8) & 0xff] as string) + (HEX[v & 0xff] as string);
const hex8 = (v: number) => hex4(v >>> 16) + hex4(v & 0xffff);

// ------------------------------------------------------------------ vocabulary

const REGIONS: ReadonlyArray<readonly [string, number]> = [
  ['US', 34], ['EU', 24], ['UK', 9], ['JP', 8], ['IN', 8], ['BR', 5], ['CA', 5], ['AU', 4], ['SG', 3],
];
/** Local UTC offsets used in some timestamps of each region (ISO 8601 with an offset). */
const REGION_OFFSETS: Record<string, string[]> = {
  US: ['-05:00', '-08:00'], EU: ['+01:00', '+02:00'], UK: ['+00:00'], JP: ['+09:00'], IN: ['+05:30'],
  BR: ['-03:00'], CA: ['-05:00'], AU: ['+10:00'], SG: ['+08:00'],
};
const COMPANIES = [
  'Acme, Inc.', 'Globex Corporation', 'Initech', 'Umbrella Group', 'Stark Industries', 'Wayne Enterprises',
  'Hooli', 'Pied Piper', 'Soylent Foods', 'Tyrell Systems', 'Cyberdyne', 'Wonka Industries', 'Vandelay Imports',
  'Massive Dynamic', 'Aperture Science', 'Oscorp', 'Nakatomi Trading', 'Gringotts', 'Dunder Mifflin', 'Blue Sun',
];
const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'Research & Development', 'Legal', 'Operations', 'Product', 'HR'];
const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'David', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kenji', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wei', 'Yuki', 'Zoë'];
const LAST_NAMES = ['Andersen', 'Brown', 'Costa', 'Dubois', 'Evans', "O'Brien", 'Fischer', 'García', 'Hoffmann', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Müller', 'Nakamura', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Wright'];

interface Model {
  name: string;
  /** USD per 1k tokens as exact decimal strings: [prompt, completion]. */
  rates: [string, string];
  weight: number;
}
// List prices per 1k tokens of widely used models.
const MODELS: Model[] = [
  { name: 'gpt-4o', rates: ['0.0025', '0.01'], weight: 22 },
  { name: 'gpt-4o-mini', rates: ['0.00015', '0.0006'], weight: 20 },
  { name: 'gpt-4-turbo', rates: ['0.01', '0.03'], weight: 4 },
  { name: 'gpt-3.5-turbo', rates: ['0.0005', '0.0015'], weight: 5 },
  { name: 'o1', rates: ['0.015', '0.06'], weight: 2 },
  { name: 'o3-mini', rates: ['0.0011', '0.0044'], weight: 5 },
  { name: 'claude-3-5-sonnet', rates: ['0.003', '0.015'], weight: 15 },
  { name: 'claude-3-5-haiku', rates: ['0.0008', '0.004'], weight: 7 },
  { name: 'claude-3-opus', rates: ['0.015', '0.075'], weight: 2 },
  { name: 'gemini-1.5-pro', rates: ['0.00125', '0.005'], weight: 6 },
  { name: 'gemini-1.5-flash', rates: ['0.000075', '0.0003'], weight: 8 },
  { name: 'mistral-large', rates: ['0.002', '0.006'], weight: 4 },
];
const MODEL_WEIGHTS = MODELS.map((m) => [m, m.weight] as const);

/** tokens / 1000 × rate as an exact decimal string (integer arithmetic, no float rounding). */
export function exactCost(tokens: number, rate: string): string {
  const [whole = '0', fraction = ''] = rate.split('.');
  // rate × 10^scale and tokens stay far below 2^53, so the product is an exact integer.
  const units = Number(whole + fraction) * tokens;
  const scale = fraction.length + 3;
  const digits = String(units).padStart(scale + 1, '0');
  let end = digits.length;
  while (end > digits.length - scale && digits.charCodeAt(end - 1) === 48) end--;
  const integer = digits.slice(0, -scale);
  return end > digits.length - scale ? `${integer}.${digits.slice(digits.length - scale, end)}` : integer;
}

// ------------------------------------------------------------------ output

/** Buffered line writer that respects backpressure; counts physical lines. */
class LineWriter {
  private buffer: string[] = [];
  private size = 0;
  line = 0;
  private readonly stream: WriteStream;

  constructor(file: string) {
    this.stream = createWriteStream(file);
  }

  /** Buffers one record; returns its first physical line. Call drain() now and then. */
  push(record: string): number {
    const start = this.line + 1;
    this.line += 1;
    for (let at = record.indexOf('\n'); at >= 0; at = record.indexOf('\n', at + 1)) this.line++;
    this.buffer.push(record, '\n');
    this.size += record.length + 1;
    return start;
  }

  /** Writes the buffer out once it is large, waiting for the file when it lags. */
  async drain(): Promise<void> {
    if (this.size >= 1 << 20) await this.flush();
  }

  async write(record: string): Promise<number> {
    const line = this.push(record);
    await this.drain();
    return line;
  }

  async flush(): Promise<void> {
    if (!this.size) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Streams the manifest JSON: the bad rows are appended as they are written. */
class ManifestWriter {
  private readonly out: LineWriter;
  private first = true;
  readonly counts: Record<string, number> = {};

  constructor(file: string, header: Record<string, unknown>) {
    this.out = new LineWriter(file);
    const head = JSON.stringify(header, null, 2).slice(0, -2);
    void this.out.write(`${head},\n  "rejected": [`);
  }

  async add(entry: { file: 'USERS' | 'TRANSACTIONS'; line: number; kind: string; column: string | null }): Promise<void> {
    this.counts[`${entry.file}:${entry.kind}`] = (this.counts[`${entry.file}:${entry.kind}`] ?? 0) + 1;
    await this.out.write(`    ${this.first ? ' ' : ','}${JSON.stringify(entry)}`);
    this.first = false;
  }

  async close(): Promise<void> {
    await this.out.write(`  ],\n  "counts": ${JSON.stringify(this.counts)}\n}`);
    await this.out.close();
  }
}

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

// ------------------------------------------------------------------ users

export interface GenerateOptions {
  users: number;
  transactions: number;
  days: number;
  seed: number;
  /** Share of rows made invalid, 0–1 (the CLI takes a percent). */
  dirty: number;
  out: string;
  /** First day of the window (UTC). */
  start?: string;
}

interface UserProfile {
  id: string;
  region: string;
  preferredModel: Model;
}

export const USERS_HEADER = 'User_ID,User_Name,Region,Is_Active_Sub,Department,Company_Name,Signup_Date';
export const TRANSACTIONS_HEADER = 'RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp';

async function writeUsers(options: GenerateOptions, random: Random, manifest: ManifestWriter | null): Promise<UserProfile[]> {
  const out = new LineWriter(path.join(options.out, 'users.csv'));
  await out.write(USERS_HEADER);
  const users: UserProfile[] = [];
  const companyOf = (index: number) => (random.float() < 0.15 ? '' : (COMPANIES[index % 7 === 0 ? 0 : random.int(0, COMPANIES.length - 1)] as string));
  for (let i = 0; i < options.users; i++) {
    const id = random.uuid();
    const region = random.weighted(REGIONS);
    let name = `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
    // A few names carry quotes, as real exports do.
    if (i % 97 === 5) name = name.replace(' ', ' "Jo" ');
    const department = i % 53 === 7 ? 'Research\nand Development' : random.float() < 0.1 ? '' : random.pick(DEPARTMENTS);
    const signup = new Date(Date.UTC(2021, 0, 1) + random.int(0, 900) * 86_400_000).toISOString().slice(0, 10);
    const active = random.float() < 0.7 ? 'true' : 'false';
    await out.write([id, name, region, active, department, companyOf(i), signup].map(csvField).join(','));
    users.push({ id, region, preferredModel: random.weighted(MODEL_WEIGHTS) });
    if (manifest && random.float() < options.dirty) await writeDirtyUser(out, random, manifest, users);
  }
  await out.close();
  return users;
}

const DIRTY_USER_KINDS = ['bad_uuid', 'missing_region', 'bad_boolean', 'impossible_signup_date', 'duplicate_user_id'] as const;

/** An extra bad user row (good users are never replaced, so their transactions stay valid). */
async function writeDirtyUser(out: LineWriter, random: Random, manifest: ManifestWriter, users: UserProfile[]) {
  const kind = random.pick(DIRTY_USER_KINDS);
  const fields = [random.uuid(), 'Bad Row', 'US', 'true', 'QA', 'Initech', '2022-03-04'];
  const column = { bad_uuid: 'User_ID', missing_region: 'Region', bad_boolean: 'Is_Active_Sub', impossible_signup_date: 'Signup_Date', duplicate_user_id: 'User_ID' }[kind];
  if (kind === 'bad_uuid') fields[0] = 'user-' + random.int(1, 1e6);
  if (kind === 'missing_region') fields[2] = '';
  if (kind === 'bad_boolean') fields[3] = 'maybe';
  if (kind === 'impossible_signup_date') fields[6] = '2023-02-30';
  if (kind === 'duplicate_user_id') fields[0] = (users.at(-1) as UserProfile).id;
  const line = await out.write(fields.map(csvField).join(','));
  await manifest.add({ file: 'USERS', line, kind, column });
}

// ------------------------------------------------------------------ transactions

const DAY_MS = 86_400_000;

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function isoTimestamp(ms: number, offset: string | null): string {
  if (!offset) {
    // Hot path (90 % of rows): the date part changes once a day, so build only the time.
    const day = Math.floor(ms / DAY_MS);
    const seconds = Math.floor((ms - day * DAY_MS) / 1000);
    return `${dayText(day)}T${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}Z`;
  }
  const sign = offset[0] === '-' ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return `${new Date(ms + minutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

let cachedDay = -1;
let cachedDayText = '';
function dayText(day: number): string {
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  return cachedDayText;
}

const DIRTY_TX_KINDS = [
  'bad_row_id', 'unknown_user', 'negative_tokens', 'fractional_tokens', 'bad_token_type', 'impossible_date',
  'bad_timestamp', 'timestamp_without_zone', 'negative_cost', 'bad_conversation_id', 'empty_model',
  'wrong_field_count', 'duplicate_row_id', 'broken_quotes',
] as const;
type DirtyKind = (typeof DIRTY_TX_KINDS)[number];
const DIRTY_COLUMN: Record<DirtyKind, string | null> = {
  bad_row_id: 'RowId', unknown_user: 'User_ID', negative_tokens: 'Token_Count', fractional_tokens: 'Token_Count',
  bad_token_type: 'Token_Type', impossible_date: 'Timestamp', bad_timestamp: 'Timestamp',
  timestamp_without_zone: 'Timestamp', negative_cost: 'Calculated_Cost', bad_conversation_id: 'Conversation_ID',
  empty_model: 'Model_Name', wrong_field_count: null, duplicate_row_id: 'RowId', broken_quotes: null,
};

function spoil(kind: DirtyKind, fields: string[], random: Random, previousRowId: string | null): string {
  switch (kind) {
    case 'bad_row_id': fields[0] = fields[0]!.slice(0, 30); break;
    case 'unknown_user': fields[1] = random.uuid(); break;
    case 'negative_tokens': fields[5] = `-${fields[5]}`; break;
    case 'fractional_tokens': fields[5] = `${fields[5]}.5`; break;
    case 'bad_token_type': fields[4] = 'image'; break;
    case 'impossible_date': fields[8] = '2023-02-30T10:15:00Z'; break;
    case 'bad_timestamp': fields[8] = 'yesterday 10am'; break;
    case 'timestamp_without_zone': fields[8] = fields[8]!.slice(0, 19); break;
    case 'negative_cost': fields[7] = `-${fields[7]}`; break;
    case 'bad_conversation_id': fields[3] = 'conv-' + random.int(1, 1e6); break;
    case 'empty_model': fields[2] = ''; break;
    case 'wrong_field_count': fields.pop(); break;
    case 'duplicate_row_id': fields[0] = previousRowId ?? fields[0]!; break;
    case 'broken_quotes': return `${fields.slice(0, 2).join(',')},"${fields[2]}"x,${fields.slice(3).join(',')}`;
  }
  return fields.join(',');
}

async function writeTransactions(options: GenerateOptions, random: Random, users: UserProfile[], manifest: ManifestWriter | null) {
  const out = new LineWriter(path.join(options.out, 'transactions.csv'));
  await out.write(TRANSACTIONS_HEADER);
  const start = Date.parse(`${options.start ?? '2024-03-01'}T00:00:00Z`);
  // Weekdays are busier than weekends.
  const dayWeights = Array.from({ length: options.days }, (_, d) => ([0, 6].includes(new Date(start + d * DAY_MS).getUTCDay()) ? 0.45 : 1));
  const weightSum = dayWeights.reduce((a, b) => a + b, 0);
  let written = 0;
  let cumulative = 0;
  let previousRowId: string | null = null;
  for (let day = 0; day < options.days && written < options.transactions; day++) {
    cumulative += dayWeights[day]!;
    const target = day === options.days - 1 ? options.transactions : Math.round((options.transactions * cumulative) / weightSum);
    while (written < target) {
      // Heavy users: a squared uniform skews activity towards the first users.
      const user = users[Math.floor(users.length * random.float() ** 2)]!;
      const model = random.float() < 0.7 ? user.preferredModel : random.weighted(MODEL_WEIGHTS);
      const conversation = random.uuid();
      const offsets = REGION_OFFSETS[user.region] ?? ['+00:00'];
      let at = start + day * DAY_MS + random.int(0, DAY_MS - 1);
      await out.drain();
      const turns = random.int(1, 6);
      for (let turn = 0; turn < turns && written < target; turn++) {
        for (const side of ['prompt', 'completion'] as const) {
          if (written >= target) break;
          const tokens = side === 'prompt' ? Math.round(20 + 3000 * random.float() ** 3) : Math.round(10 + 1500 * random.float() ** 2);
          const rate = model.rates[side === 'prompt' ? 0 : 1];
          const rowId = random.uuid();
          const stamp = isoTimestamp(at, random.float() < 0.1 ? random.pick(offsets) : null);
          const fields = [rowId, user.id, model.name, conversation, side, String(tokens), rate, exactCost(tokens, rate), stamp];
          at += random.int(2, 90) * 1000;
          let record = fields.join(',');
          let kind: DirtyKind | null = null;
          if (manifest && random.float() < options.dirty) {
            kind = random.pick(DIRTY_TX_KINDS);
            if (kind === 'duplicate_row_id' && !previousRowId) kind = 'bad_token_type';
            record = spoil(kind, [...fields], random, previousRowId);
          }
          const line = out.push(record);
          if (kind) await manifest!.add({ file: 'TRANSACTIONS', line, kind, column: DIRTY_COLUMN[kind] });
          if (!kind || kind === 'duplicate_row_id') previousRowId = kind ? previousRowId : rowId;
          written++;
        }
      }
    }
  }
  await out.close();
  return written;
}

// ------------------------------------------------------------------ entry point

export async function generateSample(options: GenerateOptions): Promise<{ users: number; transactions: number }> {
  mkdirSync(options.out, { recursive: true });
  const random = new Random(options.seed);
  const manifest = options.dirty > 0
    ? new ManifestWriter(path.join(options.out, 'manifest.json'), {
        seed: options.seed, users: options.users, transactions: options.transactions, days: options.days, dirty: options.dirty,
      })
    : null;
  const users = await writeUsers(options, random, manifest);
  const transactions = await writeTransactions(options, random, users, manifest);
  await manifest?.close();
  return { users: users.length, transactions };
}

export const GENERATE_USAGE = `Usage: npm run generate -- [options]
Writes users.csv and transactions.csv (and, with --dirty, manifest.json) to --out.
  --users N          users (default 2000)
  --transactions N   transactions (default 100000)
  --days N           days of data starting at --start (default 30)
  --start YYYY-MM-DD first day (default 2024-03-01)
  --seed N           same seed, same files (default 42)
  --dirty P          percent of rows made invalid, 0-100 (default 0; 2 = 2 %)
  --out DIR          output directory (default: a bi-sample directory under the OS temp dir)
  -h, --help         this text`;

/** The generator's options from its command line; null when --help was asked. */
export function parseOptions(argv: string[]): GenerateOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      users: { type: 'string', default: '2000' },
      transactions: { type: 'string', default: '100000' },
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '42' },
      dirty: { type: 'string', default: '0' },
      start: { type: 'string', default: '2024-03-01' },
      out: { type: 'string', default: path.join(os.tmpdir(), 'bi-sample') },
    },
  });
  if (values.help) return null;
  const number = (name: string, value: string, min: number) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return parsed;
  };
  const dirtyPercent = number('dirty', values.dirty, 0);
  if (dirtyPercent > 100) throw new Error('--dirty is a percent: at most 100');
  return {
    users: Math.floor(number('users', values.users, 1)),
    transactions: Math.floor(number('transactions', values.transactions, 0)),
    days: Math.floor(number('days', values.days, 1)),
    seed: Math.floor(number('seed', values.seed, 0)),
    dirty: dirtyPercent / 100,
    start: values.start,
    out: values.out,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: GenerateOptions | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}\n\n${GENERATE_USAGE}\n`);
    process.exit(1);
  }
  if (!options) {
    process.stdout.write(`${GENERATE_USAGE}\n`);
    process.exit(0);
  }
  const started = performance.now();
  const result = await generateSample(options);
  process.stdout.write(
    `wrote ${result.users} users and ${result.transactions} transactions to ${options.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
