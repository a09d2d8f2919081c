// Bytes → CSV records: strict UTF-8, BOM stripped, binary sniffing.
//
// Most lines of an export hold no quote, and such a line is one record: its fields are
// what split(',') gives. Those lines are handed on as byte ranges of the buffer they
// arrived in ("lines" batches), so the transactions stage can check and copy them
// without decoding a million rows into strings. A quote may open a field spanning lines:
// from the line holding it, the decoded text goes through the CsvTokenizer until a record
// boundary, then the scan is back on bytes.
import { CsvTokenizer, type CsvRecord } from './csv-tokenizer.js';
import { InputFileError } from './errors.js';

/** Longest line kept as bytes; a longer one goes to the tokenizer, which bounds records. */
const MAX_LINE_BYTES = 64 * 1024;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);
/** A NUL in a file's first line or first bytes marks it as binary (see readCsvBatches). */
const SNIFF_BYTES = 16;

/** Quote-free lines of one buffer, in file order. Line i is data[starts[i], ends[i]) without its terminator. */
export interface CsvLines {
  kind: 'lines';
  data: Buffer;
  starts: number[];
  ends: number[];
  /** Physical line numbers (1-based). */
  lines: number[];
  /** File offset of data[0] (error messages). */
  offset: number;
}

/** Records the tokenizer read (quoted fields, over-long lines). */
export interface CsvRecords {
  kind: 'records';
  records: CsvRecord[];
}

export type CsvBatch = CsvLines | CsvRecords;

export interface ReadCsvOptions {
  /** Called with the byte count of every buffer as it is read (progress). */
  onBytes?: (bytes: number) => void;
}

/** Yields the file's records in batches, header record first, in file order. */
export async function* readCsvBatches(source: AsyncIterable<Buffer>, options: ReadCsvOptions = {}): AsyncGenerator<CsvBatch> {
  const scanner = new CsvScanner();
  // Binary formats hold a NUL in their first bytes (gzip, zip/xlsx, PNG, SQLite, UTF-16
  // text) and a CSV header never does. Past that, a NUL is one cell's problem: its row is
  // rejected (every field rule refuses NUL), the others go in.
  let offset = 0;
  let inFirstLine = true;
  for await (const buffer of source) {
    if (inFirstLine || offset < SNIFF_BYTES) {
      const newline: number = inFirstLine ? buffer.indexOf(LF) : 0;
      const sniffed = Math.max(newline < 0 ? buffer.length : newline, SNIFF_BYTES - offset);
      if (buffer.subarray(0, sniffed).includes(0)) {
        throw new InputFileError('the file is not CSV text: it holds binary data (NUL bytes)');
      }
      inFirstLine &&= newline < 0;
    }
    offset += buffer.length;
    options.onBytes?.(buffer.length);
    yield* scanner.push(buffer);
  }
  yield* scanner.end();
}

/** The same records one by one, each line decoded as it is reached. */
export async function* readCsvRecords(source: AsyncIterable<Buffer>, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(source, options)) {
    if (batch.kind === 'records') yield* batch.records;
    else for (let i = 0; i < batch.starts.length; i++) yield lineRecord(batch, i);
  }
}

// ignoreBOM: a decoder would otherwise drop a U+FEFF at the start of every decode call
// (every line here); the file's BOM is stripped once, from the bytes.
const lineDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Line i of a lines batch as a record (decoded, split on commas). */
export function lineRecord(batch: CsvLines, i: number): CsvRecord {
  const start = batch.starts[i]!;
  const line = batch.lines[i]!;
  let raw: string;
  try {
    raw = lineDecoder.decode(batch.data.subarray(start, batch.ends[i]));
  } catch {
    throw new InputFileError(
      `the file is not UTF-8 text: invalid byte sequence on line ${line} (bytes from offset ${batch.offset + start})`,
    );
  }
  return { line, fields: raw.split(','), raw };
}

class CsvScanner {
  /** Bytes of a line not finished yet (byte mode only). */
  private carry: Buffer | null = null;
  /** File offset just past the bytes pushed so far. */
  private offset = 0;
  /** Physical line of the next line (byte mode). */
  private line = 1;
  private bomChecked = false;
  /** Text mode: the tokenizer owns the input until it is idle at a line break. */
  private text = false;
  private readonly tokenizer = new CsvTokenizer();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  push(buffer: Buffer): CsvBatch[] {
    const carry = this.carry;
    const dataOffset = this.offset - (carry?.length ?? 0);
    this.carry = null;
    this.offset += buffer.length;
    if (carry && this.bomChecked) {
      // Only the line that straddles the two buffers is joined (no megabyte copies).
      const newline = buffer.indexOf(LF);
      if (newline >= 0) {
        const head = this.scan(Buffer.concat([carry, buffer.subarray(0, newline + 1)]), 0, dataOffset, false);
        return [...head, ...this.scan(buffer, newline + 1, dataOffset + carry.length, false)];
      }
    }
    const data = carry ? Buffer.concat([carry, buffer]) : buffer;
    let pos = 0;
    if (!this.bomChecked) {
      if (data.length < 3 && isBomPrefix(data)) {
        this.carry = data;
        return [];
      }
      this.bomChecked = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    }
    return this.scan(data, pos, dataOffset, false);
  }

  end(): CsvBatch[] {
    const data = this.carry ?? EMPTY;
    this.carry = null;
    return this.scan(data, 0, this.offset - data.length, true);
  }

  private scan(data: Buffer, pos: number, dataOffset: number, final: boolean): CsvBatch[] {
    const out: CsvBatch[] = [];
    let lines: CsvLines | null = null;
    let quoteAt = -2; // next quote at or after pos; -1: none in data; -2: not looked up yet
    while (pos < data.length) {
      if (this.text) {
        pos = this.scanText(data, pos, dataOffset, out);
        lines = null;
        continue;
      }
      const newline = data.indexOf(LF, pos);
      const lineEnd = newline < 0 ? data.length : newline;
      if (lineEnd - pos > MAX_LINE_BYTES) {
        this.enterText();
        continue;
      }
      if (newline < 0 && !final) {
        this.carry = data.subarray(pos);
        break;
      }
      if (quoteAt !== -1 && quoteAt < pos) quoteAt = data.indexOf(QUOTE, pos);
      if (quoteAt >= 0 && quoteAt < lineEnd) {
        this.enterText();
        continue;
      }
      const end = lineEnd > pos && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (end > pos) {
        lines ??= pushLines(out, data, dataOffset);
        lines.starts.push(pos);
        lines.ends.push(end);
        lines.lines.push(this.line);
      }
      this.line++;
      pos = lineEnd + 1;
    }
    if (final && this.text) {
      const records = [...this.tokenizer.push(this.decode(EMPTY, this.offset, true)), ...this.tokenizer.end()];
      if (records.length) out.push({ kind: 'records', records });
    }
    return out;
  }

  private enterText(): void {
    this.text = true;
    this.tokenizer.resumeAt(this.line);
  }

  /**
   * Feeds the tokenizer up to the next line break, then up to the last one of `data`,
   * then the rest, and goes back to byte mode as soon as the tokenizer is idle at a line
   * break (the decoder holds no partial character there). Returns where it stopped.
   */
  private scanText(data: Buffer, pos: number, dataOffset: number, out: CsvBatch[]): number {
    const stops = [data.indexOf(LF, pos) + 1, data.lastIndexOf(LF) + 1];
    for (const stop of stops) {
      if (stop <= pos) continue;
      this.feed(data, pos, stop, dataOffset, out);
      pos = stop;
      if (this.tokenizer.idle) {
        this.text = false;
        this.line = this.tokenizer.nextLine;
        return pos;
      }
    }
    if (pos < data.length) this.feed(data, pos, data.length, dataOffset, out);
    return data.length;
  }

  private feed(data: Buffer, from: number, to: number, dataOffset: number, out: CsvBatch[]): void {
    const records = this.tokenizer.push(this.decode(data.subarray(from, to), dataOffset + from, false));
    if (records.length) out.push({ kind: 'records', records });
  }

  private decode(bytes: Uint8Array, offset: number, final: boolean): string {
    try {
      return this.decoder.decode(bytes, { stream: !final });
    } catch {
      throw new InputFileError(
        `the file is not UTF-8 text: invalid byte sequence in the ${final ? 'last bytes' : `bytes from offset ${offset}`}`,
      );
    }
  }
}

function pushLines(out: CsvBatch[], data: Buffer, offset: number): CsvLines {
  const lines: CsvLines = { kind: 'lines', data, starts: [], ends: [], lines: [], offset };
  out.push(lines);
  return lines;
}

function isBomPrefix(data: Buffer): boolean {
  return (data.length < 1 || data[0] === 0xef) && (data.length < 2 || data[1] === 0xbb);
}

/** Truncates to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes = 1024): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
