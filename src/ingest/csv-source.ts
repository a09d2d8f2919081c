// Bytes → CSV records: strict UTF-8, BOM stripped, binary sniffing, exact physical lines.
//
// Records are read by csv-parse (csv-parse-records.ts), except the lines a caller's fast
// check takes: the transactions stage checks canonical lines (canonical-line.ts) straight
// from the bytes they arrived in, so they are handed on as byte ranges ("lines" batches)
// and never become strings. Every other line goes to csv-parse, from a record boundary:
// the run of lines the fast check refuses, or, without a fast check, everything up to the
// last line break of the bytes at hand. csv-parse says where each record ends (its byte
// offset); line numbers are counted here from the line feeds before that offset.
//
// Rules csv-parse does not decide, kept from the tokenizer this replaced so that every
// line number and rejection stays what it was:
// - text after a closing quote ("x"y) makes the record malformed up to the end of that
//   physical line; the next record starts on the next line;
// - a quote still open at the end of the file rejects the first line of its record only;
//   the lines after it are read again as records;
// - a record over MAX_RECORD_BYTES is rejected without being held: its end is found by
//   counting quotes, so a 100 MB field or a line of millions of commas costs no memory.
// - a lone CR at the very end of the file ends the last line (as CRLF would).
import { isUtf8 } from 'node:buffer';
import { brokenClosingQuote, parseRecords } from './csv-parse-records.js';
import { InputFileError } from './errors.js';

export interface CsvRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  /** Field values; empty when `malformed` is set. */
  fields: string[];
  /** The record's text without its line terminator. */
  raw: string;
  /** Why the record could not be read (broken quoting, too long). */
  malformed?: string;
}

/** Longest record read: a longer one is rejected, whatever holds it (an unclosed quote, a huge field). */
export const MAX_RECORD_BYTES = 1024 * 1024;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);
/** A NUL in a file's first line or first bytes marks it as binary (see readCsvBatches). */
const SNIFF_BYTES = 16;
const RAW_KEPT = 1024;

/** Lines a fast check took, in file order. Line i is data[starts[i], ends[i]) without its terminator. */
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

/** Records read by csv-parse (or rejected as malformed). */
export interface CsvRecords {
  kind: 'records';
  records: CsvRecord[];
}

export type CsvBatch = CsvLines | CsvRecords;

/**
 * True when data[start, end) (one physical line, without its terminator) is a record the
 * caller reads from the bytes itself. It must refuse every line that holds a quote: such
 * a line may open a field that spans lines.
 */
export type LineCheck = (data: Buffer, start: number, end: number) => boolean;

export interface ReadCsvOptions {
  /** Called with the byte count of every buffer as it is read (progress). */
  onBytes?: (bytes: number) => void;
  /** Called with the header record; the check it returns picks the lines kept as bytes. */
  fastLines?: (header: CsvRecord) => LineCheck | undefined;
}

/** Yields the file's records in batches, header record first (alone in its batch), in file order. */
export async function* readCsvBatches(source: AsyncIterable<Buffer> | Iterable<Buffer>, options: ReadCsvOptions = {}): AsyncGenerator<CsvBatch> {
  const reader = new CsvReader(options.fastLines);
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
    yield* reader.push(buffer);
  }
  yield* reader.end();
}

/** The same records one by one (no fast check: every record is csv-parse's). */
export async function* readCsvRecords(source: AsyncIterable<Buffer> | Iterable<Buffer>, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(source, options)) {
    if (batch.kind === 'records') yield* batch.records;
    else for (let i = 0; i < batch.starts.length; i++) yield lineRecord(batch, i);
  }
}

// ignoreBOM: a decoder would otherwise drop a U+FEFF at the start of every decode call
// (every line here); the file's BOM is stripped once, from the bytes.
const lineDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Line i of a lines batch as a record. The fast check refused quotes, so its fields are
 * its comma-separated parts, as csv-parse would read them.
 */
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

/** A record over MAX_RECORD_BYTES being passed over to its end, keeping only its first bytes. */
interface Skipped {
  line: number;
  raw: Buffer;
  inQuote: boolean;
  lineFeeds: number;
}

/** Where a csv-parse run stopped: at a record boundary, or waiting for more bytes at the start of an open record. */
interface GeneralStep {
  records: CsvRecord[];
  pos: number;
  waiting: boolean;
}

class CsvReader {
  /** Bytes not read yet: a line not finished, or an open record waiting for more bytes. */
  private carry: Buffer | null = null;
  /** The carry is an open record: the next buffer is joined to all of it. */
  private carryIsRecord = false;
  /** File offset just past the bytes pushed so far. */
  private offset = 0;
  /** Physical line of the next unread byte (always a line start). */
  private line = 1;
  private bomChecked = false;
  private header = true;
  private fast: LineCheck | undefined;
  /** Bytes an open record waits for before csv-parse reads it again (doubling: linear work on a long field). */
  private waitFor = 0;
  private skipping: Skipped | null = null;
  private readonly skipDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(private readonly fastLines: ReadCsvOptions['fastLines']) {}

  *push(buffer: Buffer): Generator<CsvBatch> {
    const carry = this.carry;
    const dataOffset = this.offset - (carry?.length ?? 0);
    this.carry = null;
    this.offset += buffer.length;
    if (carry && this.bomChecked && !this.carryIsRecord) {
      // A line cut by the buffer end: only that line is joined (no megabyte copies).
      const newline = buffer.indexOf(LF);
      if (newline >= 0) {
        yield* this.scan(Buffer.concat([carry, buffer.subarray(0, newline + 1)]), 0, dataOffset, false);
        const restAt = dataOffset + carry.length + newline + 1;
        const open = this.carry as Buffer | null;
        if (!open) return yield* this.scan(buffer, newline + 1, dataOffset + carry.length, false);
        // That line opened a record that goes on: it is carried whole with the rest.
        this.carry = null;
        return yield* this.scan(Buffer.concat([open, buffer.subarray(newline + 1)]), 0, restAt - open.length, false);
      }
    }
    const data = carry ? Buffer.concat([carry, buffer]) : buffer;
    let pos = 0;
    if (!this.bomChecked) {
      if (data.length < 3 && isBomPrefix(data)) {
        this.carry = data;
        return;
      }
      this.bomChecked = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    }
    yield* this.scan(data, pos, dataOffset, false);
  }

  *end(): Generator<CsvBatch> {
    const data = this.carry ?? EMPTY;
    this.carry = null;
    yield* this.scan(data, 0, this.offset - data.length, true);
  }

  private *scan(data: Buffer, pos: number, dataOffset: number, final: boolean): Generator<CsvBatch> {
    this.carryIsRecord = false;
    let lines: CsvLines | null = null;
    while (pos < data.length || (final && this.skipping)) {
      if (this.skipping) {
        const skipped = this.skip(data, pos, final);
        pos = skipped.pos;
        if (!skipped.record) break;
        if (lines) yield lines;
        lines = null;
        yield* this.withHeader([skipped.record]);
        continue;
      }
      const newline = data.indexOf(LF, pos);
      if (newline < 0 && !final) {
        if (data.length - pos > MAX_RECORD_BYTES + 2) {
          this.startSkip(data, pos);
          continue;
        }
        this.carry = data.subarray(pos);
        break;
      }
      const lineEnd = newline < 0 ? data.length : newline;
      const end = lineEnd > pos && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (end === pos) {
        // A blank line is no record (csv-parse skips them too).
        this.line++;
        pos = lineEnd + 1;
        continue;
      }
      if (end - pos <= MAX_RECORD_BYTES && this.fast?.(data, pos, end)) {
        lines ??= { kind: 'lines', data, starts: [], ends: [], lines: [], offset: dataOffset };
        lines.starts.push(pos);
        lines.ends.push(end);
        lines.lines.push(this.line++);
        pos = lineEnd + 1;
        continue;
      }
      if (lines) yield lines;
      lines = null;
      const step = this.general(data, pos, dataOffset, final);
      for (const batch of this.withHeader(step.records)) yield batch;
      pos = step.pos;
      if (step.waiting) {
        this.carry = data.subarray(pos);
        this.carryIsRecord = true;
        break;
      }
    }
    if (lines) yield lines;
  }

  /** The records as batches; the header alone first, so the fast check it selects applies right after it. */
  private *withHeader(records: CsvRecord[]): Generator<CsvRecords> {
    if (!records.length) return;
    if (this.header) {
      this.header = false;
      const [header, ...rest] = records as [CsvRecord, ...CsvRecord[]];
      yield { kind: 'records', records: [header] };
      this.fast = this.fastLines?.(header);
      if (rest.length) yield { kind: 'records', records: rest };
      return;
    }
    yield { kind: 'records', records };
  }

  /** The end of the bytes csv-parse reads from `pos`, a line start whose line the fast check refused. */
  private pieceEnd(data: Buffer, pos: number, final: boolean): number {
    const lastBreak = data.lastIndexOf(LF) + 1;
    const available = final ? data.length : lastBreak;
    if (!this.header && !this.fast) return available;
    // The header alone (the fast check depends on it), or the run of lines the check refuses.
    let at = pos;
    do {
      const newline = data.indexOf(LF, at);
      at = newline < 0 ? data.length : newline + 1;
      if (this.header || at >= available) break;
      const next = data.indexOf(LF, at);
      const lineEnd = next < 0 ? data.length : next;
      const end = lineEnd > at && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (end > at && this.fast!(data, at, end)) break;
    } while (at < available);
    return Math.min(at, available);
  }

  /** csv-parse from `pos` (a record boundary on this.line). */
  private general(data: Buffer, pos: number, dataOffset: number, final: boolean): GeneralStep {
    if (!final && data.length - pos < this.waitFor) return { records: [], pos, waiting: true };
    this.waitFor = 0;
    const records: CsvRecord[] = [];
    let stop = this.pieceEnd(data, pos, final);
    let invalid: InvalidLine | undefined;
    for (;;) {
      // A lone CR at the very end of the file ends its last line.
      const parseEnd = final && stop === data.length && data[stop - 1] === CR ? stop - 1 : stop;
      if (!invalid && !isUtf8(data.subarray(pos, parseEnd))) {
        // The records before the line that is not UTF-8 are read; the file fails on that line.
        invalid = firstInvalidLine(data, pos, parseEnd, this.line, dataOffset);
        if (invalid.start === pos) throw invalid.error;
        stop = invalid.start;
        continue;
      }
      const parsed = parseRecords(data.subarray(pos, parseEnd));
      let cursor = pos;
      for (const { fields, end: relativeEnd } of parsed.records) {
        const end = pos + relativeEnd;
        const start = this.skipBlankLines(data, cursor, end);
        const contentEnd = contentEndOf(data, start, end);
        if (contentEnd - start > MAX_RECORD_BYTES) {
          this.startSkip(data, start);
          return { records, pos: start, waiting: false };
        }
        // Text after a closing quote leaves that quote in the field's value (csv-parse puts
        // it back): only such records need the strict pass.
        if (fields.some(hasQuote)) {
          const broken = brokenClosingQuote(data.subarray(start, contentEnd));
          if (broken) {
            const restart = this.brokenRecord(data, start, start + broken.at, `unexpected character after a closing quote in field ${broken.field}`, records);
            cursor = restart;
            // csv-parse ended that record where the broken line ends (the usual case): the
            // records it read after it stand. Otherwise read again from the next line.
            if (restart === end) continue;
            return { records, pos: restart, waiting: false };
          }
        }
        records.push({ line: this.line, fields, raw: data.toString('utf8', start, contentEnd) });
        this.line += countLineFeeds(data, start, end);
        cursor = end;
      }
      if (!parsed.open) {
        this.line += countLineFeeds(data, cursor, parseEnd); // blank lines after the last record
        return { records, pos: parseEnd === stop ? stop : data.length, waiting: false };
      }
      // A quoted field is still open at the end of the piece.
      const start = this.skipBlankLines(data, cursor, parseEnd);
      if (invalid) throw invalid.error; // the open record runs into that line
      const available = final ? data.length : data.lastIndexOf(LF) + 1;
      if (stop < available) {
        // The piece ended inside the field: the lines after it belong to the record.
        pos = start;
        stop = available;
        continue;
      }
      if (data.length - start > MAX_RECORD_BYTES + 2) {
        this.startSkip(data, start);
        return { records, pos: start, waiting: false };
      }
      if (!final) {
        this.waitFor = Math.min(2 * (data.length - start), MAX_RECORD_BYTES + 3);
        return { records, pos: start, waiting: true };
      }
      const broken = brokenClosingQuote(data.subarray(start, parseEnd));
      const at = broken ? start + broken.at : start;
      const reason = broken ? `unexpected character after a closing quote in field ${broken.field}` : 'a quoted field is never closed';
      return { records, pos: this.brokenRecord(data, start, at, reason, records), waiting: false };
    }
  }

  /**
   * Rejects the record starting at `start` up to the end of the physical line holding
   * `at`; returns where reading resumes (the next line).
   */
  private brokenRecord(data: Buffer, start: number, at: number, reason: string, records: CsvRecord[]): number {
    const newline = data.indexOf(LF, at);
    const lineEnd = newline < 0 ? data.length : newline;
    const contentEnd = lineEnd > start && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    records.push({ line: this.line, fields: [], raw: data.toString('utf8', start, contentEnd), malformed: reason });
    this.line += countLineFeeds(data, start, lineEnd) + 1;
    return Math.min(lineEnd + 1, data.length);
  }

  /** Skips the blank lines csv-parse skipped before a record (this.line follows). */
  private skipBlankLines(data: Buffer, from: number, limit: number): number {
    while (from < limit) {
      if (data[from] === LF) from += 1;
      else if (data[from] === CR && data[from + 1] === LF && from + 1 < limit) from += 2;
      else break;
      this.line++;
    }
    return from;
  }

  private startSkip(data: Buffer, start: number): void {
    this.skipping = { line: this.line, raw: Buffer.from(data.subarray(start, start + RAW_KEPT + 3)), inQuote: false, lineFeeds: 0 };
    this.skipDecoder.decode(EMPTY); // resets the streaming state
  }

  /**
   * Passes over the over-long record from `pos` by its quotes: it ends at the first line
   * feed outside them. Returns the rejected record once its end (or the file's) is reached.
   */
  private skip(data: Buffer, pos: number, final: boolean): { pos: number; record?: CsvRecord } {
    const skip = this.skipping!;
    let end = -1;
    let i = pos;
    for (; i < data.length; i++) {
      const c = data[i];
      if (c === QUOTE) skip.inQuote = !skip.inQuote;
      else if (c === LF) {
        if (!skip.inQuote) {
          end = i;
          break;
        }
        skip.lineFeeds += 1;
      }
    }
    try {
      this.skipDecoder.decode(data.subarray(pos, end < 0 ? data.length : end), { stream: end < 0 && !final });
    } catch {
      throw new InputFileError(`the file is not UTF-8 text: invalid byte sequence in the record on line ${skip.line}`);
    }
    if (end < 0 && !final) return { pos: data.length };
    const malformed = end < 0 && skip.inQuote ? 'a quoted field is never closed' : `record longer than ${MAX_RECORD_BYTES} bytes`;
    const record = { line: skip.line, fields: [], raw: utf8Prefix(skip.raw, RAW_KEPT), malformed };
    this.line = skip.line + skip.lineFeeds + 1;
    this.skipping = null;
    return { pos: end < 0 ? data.length : end + 1, record };
  }
}

/** The end of a record's text: before its LF or CRLF (none at the end of the file). */
function contentEndOf(data: Buffer, start: number, end: number): number {
  if (end > start && data[end - 1] === LF) end--;
  else return end;
  return end > start && data[end - 1] === CR ? end - 1 : end;
}

const hasQuote = (field: string) => field.includes('"');

function countLineFeeds(data: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = data.indexOf(LF, from); at >= 0 && at < to; at = data.indexOf(LF, at + 1)) count++;
  return count;
}

interface InvalidLine {
  start: number;
  error: InputFileError;
}

/** The first line of data[from, to) that is not UTF-8 (`line` is the line at `from`). */
function firstInvalidLine(data: Buffer, from: number, to: number, line: number, dataOffset: number): InvalidLine {
  let start = from;
  for (; start < to; line++) {
    const newline = data.indexOf(LF, start);
    const end = newline < 0 || newline >= to ? to : newline + 1;
    if (!isUtf8(data.subarray(start, end))) break;
    start = end;
  }
  const error = new InputFileError(`the file is not UTF-8 text: invalid byte sequence on line ${line} (bytes from offset ${dataOffset + start})`);
  return { start: Math.min(start, to), error };
}

/** The longest prefix of `bytes` of at most `max` bytes that ends on a character boundary, decoded. */
function utf8Prefix(bytes: Buffer, max: number): string {
  if (bytes.length <= max) return bytes.toString('utf8');
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
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
