// What csv-parse 7 gets wrong for us, pinned so that an upgrade which fixes it shows up
// here (then csv-source.ts could take csv-parse's own line numbers). Until then the reader
// counts line feeds in the bytes up to each record's `info.bytes`, which is exact.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../src/ingest/csv-source.js';

interface Parsed {
  record: string[];
  raw: string;
  info: { lines: number; bytes: number };
}

const parseWithInfo = (text: string) =>
  parse(text, { info: true, raw: true, record_delimiter: ['\r\n', '\n'], relax_column_count: true, skip_empty_lines: true }) as unknown as Parsed[];

async function ourLines(text: string): Promise<number[]> {
  const lines: number[] = [];
  for await (const record of readCsvRecords([Buffer.from(text)])) lines.push(record.line);
  return lines;
}

describe('csv-parse 7 line numbers (why the reader counts lines itself)', () => {
  it('counts a CRLF inside a quoted field as two lines', async () => {
    // `1,"x\r\ny"` spans physical lines 2–3; the next record starts on line 4.
    const text = 'a,b\r\n1,"x\r\ny"\r\n2,3\r\n';
    expect(parseWithInfo(text).map((r) => r.info.lines)).toEqual([1, 4, 5]); // ends on 1, 3, 4 in fact
    expect(await ourLines(text)).toEqual([1, 2, 4]);
  });

  it('counts a lone CR inside a field as a line', async () => {
    const text = 'a,b\n1,x\ry\n2,3\n';
    expect(parseWithInfo(text).map((r) => r.info.lines)).toEqual([1, 3, 4]); // 1, 2, 3 in fact
    expect(await ourLines(text)).toEqual([1, 2, 3]);
  });

  it('drops the LF of a CRLF terminator from `raw` and puts the blank lines before a record in it', () => {
    const parsed = parseWithInfo('a,b\r\n\r\n2,3\r\n');
    expect(parsed.map((r) => r.raw)).toEqual(['a,b\r', '\r2,3\r']);
    // `info.bytes` is exact: the offset just past each record's terminator.
    expect(parsed.map((r) => r.info.bytes)).toEqual([5, 12]);
  });
});
