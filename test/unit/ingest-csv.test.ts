import { describe, expect, it } from 'vitest';
import { CsvTokenizer, MAX_RECORD_CHARS, type CsvRecord } from '../../src/ingest/csv-tokenizer.js';
import { readCsvRecords, truncateUtf8 } from '../../src/ingest/csv-source.js';
import { InputFileError } from '../../src/ingest/errors.js';

/** Tokenizes `text` fed in pieces of `size` characters (exercises every split point). */
function tokenize(text: string, size = text.length): CsvRecord[] {
  const tokenizer = new CsvTokenizer();
  const records: CsvRecord[] = [];
  for (let at = 0; at < text.length; at += size) records.push(...tokenizer.push(text.slice(at, at + size)));
  records.push(...tokenizer.end());
  return records;
}

const summary = (records: CsvRecord[]) => records.map((r) => [r.line, r.malformed ?? r.fields]);

describe('CsvTokenizer', () => {
  const sample = '\ufeffa,b,c\r\n1,"x\r\ny",3\r\n\r\n4,"he said ""hi"", ok",6\r\n"7",,\r\n8,9,10';

  it('gives physical start lines across CRLF, quoted newlines, blank lines and a missing final newline', () => {
    expect(summary(tokenize(sample))).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', 'x\r\ny', '3']],
      [5, ['4', 'he said "hi", ok', '6']],
      [6, ['7', '', '']],
      [7, ['8', '9', '10']],
    ]);
  });

  it('gives the same records whatever the piece boundaries', () => {
    const whole = tokenize(sample);
    for (const size of [1, 2, 3, 5, 7]) expect(tokenize(sample, size)).toEqual(whole);
  });

  it('keeps the raw record text without its terminator', () => {
    expect(tokenize(sample).map((r) => r.raw)[1]).toBe('1,"x\r\ny",3');
  });

  it('turns broken quoting into a malformed record and resumes on the next line', () => {
    const records = tokenize('a,b\n1,"x"y\n2,3\n');
    expect(summary(records)).toEqual([
      [1, ['a', 'b']],
      [2, 'unexpected character after a closing quote in field 2'],
      [3, ['2', '3']],
    ]);
    expect(records[1]?.raw).toBe('1,"x"y');
  });

  it('treats a stray quote inside an unquoted field as a literal', () => {
    expect(summary(tokenize('a,b\n1,x"y\n'))).toEqual([
      [1, ['a', 'b']],
      [2, ['1', 'x"y']],
    ]);
  });

  it('rejects an unclosed quote at the end of the file without losing the lines after it', () => {
    expect(summary(tokenize('a,b\n1,"open\n2,3\n'))).toEqual([
      [1, ['a', 'b']],
      [2, 'a quoted field is never closed'],
      [3, ['2', '3']],
    ]);
  });

  it('gives up on a quoted field longer than the record limit instead of buffering the file', () => {
    const tokenizer = new CsvTokenizer();
    const out = [...tokenizer.push('a,b\n1,"'), ...tokenizer.push('x'.repeat(MAX_RECORD_CHARS + 10) + '\n2,3\n'), ...tokenizer.end()];
    // Everything after the open quote belongs to that field: one rejected record.
    expect(out).toHaveLength(2);
    expect(out[1]?.malformed).toBe('a quoted field is never closed');
    expect(out[1]?.line).toBe(2);
    expect(out[1]?.raw.length).toBeLessThanOrEqual(1024);
  });

  it('skips an over-long but well-formed record to its real end, keeping later line numbers', () => {
    const tokenizer = new CsvTokenizer();
    const big = `"${'x\n'.repeat(MAX_RECORD_CHARS)}"`;
    const text = `a,b\n1,${big}\n2,3\n`;
    const out: CsvRecord[] = [];
    for (let at = 0; at < text.length; at += 256 * 1024) out.push(...tokenizer.push(text.slice(at, at + 256 * 1024)));
    out.push(...tokenizer.end());
    expect(out.map((record) => [record.line, record.malformed ?? null])).toEqual([
      [1, null],
      [2, `record longer than ${MAX_RECORD_CHARS} characters`],
      [MAX_RECORD_CHARS + 3, null],
    ]);
    expect(out[2]?.fields).toEqual(['2', '3']);
  });
});

async function collect(bytes: Buffer, pieces = 1): Promise<CsvRecord[]> {
  const size = Math.ceil(bytes.length / pieces);
  const source = (async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  })();
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords(source)) records.push(record);
  return records;
}

describe('readCsvRecords', () => {
  it('decodes UTF-8 split inside a character and strips the BOM', async () => {
    const bytes = Buffer.from('\ufeffname\nZoë Ångström\n', 'utf8');
    for (const pieces of [1, 3, bytes.length]) {
      expect(summary(await collect(bytes, pieces))).toEqual([
        [1, ['name']],
        [2, ['Zoë Ångström']],
      ]);
    }
  });

  it('fails binary data with a clear message', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    await expect(collect(png)).rejects.toThrow(/not CSV text: it holds binary data/);
  });

  it('fails invalid UTF-8 with the offset', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    await expect(collect(bytes)).rejects.toThrow(InputFileError);
    await expect(collect(bytes)).rejects.toThrow(/not UTF-8 text/);
  });
});

describe('truncateUtf8', () => {
  it('cuts at 1 KiB on a character boundary', () => {
    const text = 'é'.repeat(1000);
    const cut = truncateUtf8(text);
    expect(Buffer.byteLength(cut)).toBe(1024);
    expect(cut).toBe('é'.repeat(512));
    expect(truncateUtf8('a'.repeat(1023) + 'é')).toBe('a'.repeat(1023));
    expect(truncateUtf8('short')).toBe('short');
  });
});
