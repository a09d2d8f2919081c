// Every CSV the service writes goes through here: RFC 4180 (CRLF, quotes where needed,
// line breaks inside quoted cells) by csv-stringify, and formula-safe cells (SPEC §8).
import { stringify, type Stringifier } from 'csv-stringify';

/** A cell a spreadsheet would read as a number; such cells are never altered (e.g. -5). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** First characters that make a spreadsheet run the cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Neutralises a text cell that a spreadsheet would run as a formula by prefixing `'`.
 * csv-stringify's own `escape_formulas` also prefixes negative numbers, which SPEC §8
 * leaves alone.
 */
export function formulaSafe(value: string): string {
  return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
}

export type CsvCell = string | number | null;

/** A CSV writer with a header row; write arrays of cells in column order, read bytes. */
export function csvWriter(header: readonly string[]): Stringifier {
  return stringify({
    columns: header.map((name) => ({ key: name })),
    header: true,
    record_delimiter: 'windows',
    // Given an explicit record delimiter, csv-stringify stops quoting cells that hold
    // a line break unless asked to: without this, a multi-line cell would split the record.
    quote_record_delimiter: true,
    cast: { string: formulaSafe },
  });
}
