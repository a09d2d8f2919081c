// csv-parse (SPEC §1) on one piece of a file that starts at a record boundary. csv-parse
// decides the records and their fields; csv-source.ts places them in the file.
//
// What we take from csv-parse and what we do not:
// - Record ends: `info.bytes` of each record is exact (the offset just past its line
//   terminator). Its `info.lines` is not: a CRLF inside a quoted field counts as two lines
//   and a lone CR inside a field as one, so line numbers are counted from the bytes
//   (test/unit/csv-parse-pins.test.ts pins both). `raw` drops the LF of a CRLF terminator
//   and holds the blank lines before a record: not used either.
// - relax_quotes: a quote inside an unquoted field is a character (x"y), as exports write
//   it. The same option also accepts text after a closing quote ("x"y) as part of the field;
//   such a record is malformed for us, which the strict pass below finds.
// - Line terminators are CRLF or LF, mixed freely; a lone CR is a character.
import { parse, type Options } from 'csv-parse/sync';

const RELAXED: Options = {
  bom: false, // the reader strips the file's BOM; a U+FEFF anywhere else is content
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: ['\r\n', '\n'],
  relax_quotes: true,
  relax_column_count: true, // a ragged record is the row rules' rejection, not a parse error
  skip_empty_lines: true,
};

export interface ParsedRecord {
  fields: string[];
  /** Offset in the piece just past the record's line terminator (or its end). */
  end: number;
}

export interface ParsedPiece {
  records: ParsedRecord[];
  /** The last record's quoted field is still open at the end of the piece. */
  open: boolean;
}

const QUOTE_NOT_CLOSED = 'CSV_QUOTE_NOT_CLOSED';
const INVALID_CLOSING_QUOTE = 'CSV_INVALID_CLOSING_QUOTE';

/**
 * The records of `bytes` (valid UTF-8 that starts at a record boundary), read as the end
 * of the input. When a quoted field is still open at the end, the records before it are
 * returned and `open` is set: either more input completes it, or it is never closed.
 */
export function parseRecords(bytes: Buffer): ParsedPiece {
  const records: ParsedRecord[] = [];
  try {
    parse(bytes, {
      ...RELAXED,
      // Records are collected here with their end offsets; returning nothing keeps
      // csv-parse from building its own array.
      on_record: (fields: string[], context) => {
        records.push({ fields, end: context.bytes });
        return undefined;
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code !== QUOTE_NOT_CLOSED) throw error;
    return { records, open: true };
  }
  return { records, open: false };
}

export interface BrokenQuote {
  /** Offset in the record's bytes of the closing quote that other text follows. */
  at: number;
  /** 1-based field it closes. */
  field: number;
}

/**
 * Where the record `bytes` (one record, no terminator) has text after a closing quote
 * ("x"y), if anywhere: csv-parse's strict mode reports it, with the record read so far as
 * `raw` (ending at that quote). Its other complaint, a quote inside an unquoted field, is
 * skipped, and it reads on as the relaxed pass does, up to the first broken closing quote.
 */
export function brokenClosingQuote(bytes: Buffer): BrokenQuote | undefined {
  let broken: BrokenQuote | undefined;
  parse(bytes, {
    ...RELAXED,
    relax_quotes: false,
    skip_records_with_error: true,
    raw: true,
    on_skip: (error, raw) => {
      if (broken || error?.code !== INVALID_CLOSING_QUOTE || raw === undefined) return undefined;
      broken = { at: Buffer.byteLength(raw) - 1, field: Number(error.column) + 1 };
      return undefined;
    },
    on_record: () => undefined,
  });
  return broken;
}
