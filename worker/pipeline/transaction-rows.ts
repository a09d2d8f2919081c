// The valid rows of one transactions chunk, packed: each row is its COPY text for the
// file's nine columns plus its UTC date, in one growing buffer, and the same row as the
// start of a binary COPY tuple in another. No per-row objects live from parsing to commit
// (at a million rows, collecting such objects cost the worker seconds). Encoding here,
// while the chunk is parsed ahead, keeps it off the path where PostgreSQL waits.
import { FIELDS, canonicalLineCheck, type CanonicalLineCheck } from '../../src/ingest/canonical-line.js';
import { copyField } from '../../src/ingest/copy-text.js';
import type { HeaderMapping } from '../../src/ingest/headers.js';
import type { RowValues } from '../../src/ingest/rows.js';
import type { TransactionColumn } from '../../src/ingest/rows.js';
import { utcDate } from '../../src/ingest/values.js';
import { bufferPool } from './buffer-pool.js';
import { binaryFieldsBound, writeBinaryFields } from './transaction-copy.js';
import type { LinePath, ValidRows } from './file-stage.js';

const TAB = 9;
const UUID_BYTES = 36;
const DATE_BYTES = 10;
/** A 10k-row chunk of canonical lines packs into ~1.9 MB. */
const INITIAL_BYTES = 2 << 20;

/** COPY columns of a packed row, in order (what a target appends follows `date`). */
export const PACKED_COLUMNS = 'row_id, user_id, model, conversation_id, token_type, token_count, rate_per_1k, cost, occurred_at, date';

export class TransactionRows implements ValidRows {
  private buffer = bufferPool.take(INITIAL_BYTES);
  private used = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private binary = bufferPool.take(INITIAL_BYTES);
  private binaryUsed = 0;
  private readonly binaryEnds: number[] = [];
  private readonly lines: number[] = [];
  /** Raw text of rows added from values; a line added as bytes is its own raw text. */
  private readonly raws = new Map<number, string>();

  get count(): number {
    return this.starts.length;
  }

  /** The bytes the offsets below point into. */
  get data(): Buffer {
    return this.buffer;
  }

  /** Binary COPY fields of the rows: row i spans binaryData[binaryStart(i), binaryEnd(i)). */
  get binaryData(): Buffer {
    return this.binary;
  }

  binaryStart(i: number): number {
    return i === 0 ? 0 : this.binaryEnds[i - 1]!;
  }

  binaryEnd(i: number): number {
    return this.binaryEnds[i]!;
  }

  add(line: number, key: string, values: RowValues, raw: string): void {
    const [userId, model, conversationId, tokenType, tokenCount, rate, cost, occurredAt] = values as string[];
    const text =
      `${key}\t${userId}\t${copyField(model as string)}\t${conversationId}\t${tokenType}\t${tokenCount}\t` +
      `${rate}\t${cost}\t${occurredAt}\t${utcDate(occurredAt as string)}`;
    this.reserve(text.length * 3);
    this.raws.set(this.count, raw);
    const start = this.used;
    this.used += this.buffer.write(text, start);
    this.push(start, line);
  }

  /** A canonical line (see canonical-line.ts) of `data`: commas become tabs, its UTC date is appended. */
  addLine(data: Buffer, start: number, end: number, fieldStarts: Int32Array, date: Buffer, line: number): void {
    const length = end - start;
    this.reserve(length + 1 + DATE_BYTES);
    const out = this.buffer;
    const at = this.used;
    data.copy(out, at, start, end);
    for (let field = 1; field < FIELDS; field++) out[at + fieldStarts[field]! - start - 1] = TAB;
    out[at + length] = TAB;
    for (let i = 0; i < DATE_BYTES; i++) out[at + length + 1 + i] = date[i]!;
    this.used = at + length + 1 + DATE_BYTES;
    this.push(at, line);
  }

  line(i: number): number {
    return this.lines[i]!;
  }

  /** Row i spans data[start(i), end(i)). */
  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  /** The key (RowId) starts the row. */
  key(i: number): string {
    return this.buffer.toString('latin1', this.starts[i]!, this.starts[i]! + UUID_BYTES);
  }

  userId(i: number): string {
    const at = this.starts[i]! + UUID_BYTES + 1;
    return this.buffer.toString('latin1', at, at + UUID_BYTES);
  }

  /** Offset of the row's UTC date (YYYY-MM-DD), its last field. */
  dateAt(i: number): number {
    return this.ends[i]! - DATE_BYTES;
  }

  /** The record's text as it was in the file. */
  raw(i: number): string {
    return this.raws.get(i) ?? this.buffer.toString('latin1', this.starts[i]!, this.ends[i]! - DATE_BYTES - 1).replaceAll('\t', ',');
  }

  /** Returns the buffer to the pool: the chunk is committed and nothing reads these rows again. */
  dispose(): void {
    bufferPool.give(this.buffer);
    bufferPool.give(this.binary);
    this.buffer = Buffer.alloc(0);
    this.binary = Buffer.alloc(0);
  }

  private push(start: number, line: number): void {
    this.starts.push(start);
    this.ends.push(this.used);
    this.lines.push(line);
    this.binary = withRoom(this.binary, this.binaryUsed, binaryFieldsBound(this.used - start));
    this.binaryUsed = writeBinaryFields(this.buffer, start, this.used, this.binary, this.binaryUsed);
    this.binaryEnds.push(this.binaryUsed);
  }

  private reserve(bytes: number): void {
    this.buffer = withRoom(this.buffer, this.used, bytes);
  }
}

/** `buffer`, or a bigger one from the pool holding its first `used` bytes, with room for `bytes` more. */
function withRoom(buffer: Buffer, used: number, bytes: number): Buffer {
  if (used + bytes <= buffer.length) return buffer;
  const grown = bufferPool.take(Math.max(buffer.length * 2, used + bytes));
  buffer.copy(grown, 0, 0, used);
  bufferPool.give(buffer);
  return grown;
}

/** The byte path for canonical transactions files, or undefined for other headers. */
export function transactionLinePath(mapping: HeaderMapping<TransactionColumn>): LinePath<TransactionRows> | undefined {
  const check = canonicalLineCheck(mapping);
  return check && new CanonicalLinePath(check);
}

class CanonicalLinePath implements LinePath<TransactionRows> {
  constructor(private readonly line: CanonicalLineCheck) {}

  /** The key (RowId) is the first field. */
  get keyAt(): number {
    return this.line.fieldStarts[0]!;
  }

  check(data: Buffer, start: number, end: number): boolean {
    return this.line.check(data, start, end);
  }

  add(rows: TransactionRows, data: Buffer, start: number, end: number, line: number): void {
    rows.addLine(data, start, end, this.line.fieldStarts, this.line.utcDate, line);
  }
}

/** YYYY-MM-DD at data[at] as a number (a cheap set key). */
export function dateNumber(data: Buffer, at: number): number {
  let n = 0;
  for (let i = 0; i < DATE_BYTES; i++) if (i !== 4 && i !== 7) n = n * 10 + data[at + i]! - 48;
  return n;
}

