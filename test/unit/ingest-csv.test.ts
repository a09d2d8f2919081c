import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, readCsvRecords, truncateUtf8, type CsvRecord } from '../../src/ingest/csv-source.js';
import { InputFileError } from '../../src/ingest/errors.js';

/** Reads `text` as a file arriving in buffers of `size` bytes (exercises every split point). */
async function read(text: string | Buffer, size?: number): Promise<CsvRecord[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const step = size ?? Math.max(1, bytes.length);
  const source = (async function* () {
    for (let at = 0; at < bytes.length; at += step) yield bytes.subarray(at, at + step);
  })();
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords(source)) records.push(record);
  return records;
}

const summary = (records: CsvRecord[]) => records.map((r) => [r.line, r.malformed ?? r.fields]);

describe('readCsvRecords (csv-parse with physical line numbers)', () => {
  const sample = '\ufeffa,b,c\r\n1,"x\r\ny",3\r\n\r\n4,"he said ""hi"", ok",6\r\n"7",,\r\n8,9,10';

  it('gives physical start lines across CRLF, quoted newlines, blank lines and a missing final newline', async () => {
    expect(summary(await read(sample))).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', 'x\r\ny', '3']],
      [5, ['4', 'he said "hi", ok', '6']],
      [6, ['7', '', '']],
      [7, ['8', '9', '10']],
    ]);
  });

  it('gives the same records whatever the buffer boundaries', async () => {
    const whole = await read(sample);
    for (const size of [1, 2, 3, 5, 7]) expect(await read(sample, size)).toEqual(whole);
  });

  it('keeps the raw record text without its terminator', async () => {
    expect((await read(sample)).map((r) => r.raw)[1]).toBe('1,"x\r\ny",3');
  });

  it('counts a lone CR inside a field as text, not as a line', async () => {
    expect(summary(await read('a,b\n1,x\ry\n"2\r",3\n4,5\n'))).toEqual([
      [1, ['a', 'b']],
      [2, ['1', 'x\ry']],
      [3, ['2\r', '3']],
      [4, ['4', '5']],
    ]);
  });

  it('turns broken quoting into a malformed record and resumes on the next line', async () => {
    const records = await read('a,b\n1,"x"y\n2,3\n');
    expect(summary(records)).toEqual([
      [1, ['a', 'b']],
      [2, 'unexpected character after a closing quote in field 2'],
      [3, ['2', '3']],
    ]);
    expect(records[1]?.raw).toBe('1,"x"y');
  });

  it('gives up a record broken on a later physical line up to the end of that line', async () => {
    // The quoted field spans lines 2–3 and its closing quote is followed by text on line 3;
    // the field opened after it would run on to line 4, but reading resumes at line 4.
    const records = await read('a,b\n1,"x\ny"z,"w\n2,3\n');
    expect(summary(records)).toEqual([
      [1, ['a', 'b']],
      [2, 'unexpected character after a closing quote in field 2'],
      [4, ['2', '3']],
    ]);
    expect(records[1]?.raw).toBe('1,"x\ny"z,"w');
  });

  it('treats a stray quote inside an unquoted field as a literal', async () => {
    expect(summary(await read('a,b\n1,x"y\n'))).toEqual([
      [1, ['a', 'b']],
      [2, ['1', 'x"y']],
    ]);
  });

  it('rejects an unclosed quote at the end of the file without losing the lines after it', async () => {
    for (const size of [undefined, 1, 4]) {
      expect(summary(await read('a,b\n1,"open\n2,3\n', size))).toEqual([
        [1, ['a', 'b']],
        [2, 'a quoted field is never closed'],
        [3, ['2', '3']],
      ]);
    }
  });

  it('gives up on a quoted field longer than the record limit instead of buffering the file', async () => {
    const text = `a,b\n1,"${'x'.repeat(MAX_RECORD_BYTES + 10)}\n2,3\n`;
    for (const size of [undefined, 64 * 1024]) {
      const out = await read(text, size);
      // Everything after the open quote belongs to that field: one rejected record.
      expect(out).toHaveLength(2);
      expect(out[1]?.malformed).toBe('a quoted field is never closed');
      expect(out[1]?.line).toBe(2);
      expect(out[1]?.raw.length).toBeLessThanOrEqual(1024);
    }
  });

  it('skips an over-long but well-formed record to its real end, keeping later line numbers', async () => {
    const big = `"${'x\n'.repeat(MAX_RECORD_BYTES / 2)}"`;
    const text = `a,b\n1,${big}\n2,3\n`;
    for (const size of [undefined, 256 * 1024]) {
      const out = await read(text, size);
      expect(out.map((record) => [record.line, record.malformed ?? null])).toEqual([
        [1, null],
        [2, `record longer than ${MAX_RECORD_BYTES} bytes`],
        [MAX_RECORD_BYTES / 2 + 3, null],
      ]);
      expect(out[2]?.fields).toEqual(['2', '3']);
    }
  });

  it('rejects a line of a million commas as too long', async () => {
    const text = `a,b\n${','.repeat(MAX_RECORD_BYTES + 1)}\n2,3`;
    const out = await read(text, 64 * 1024);
    expect(out.map((record) => [record.line, record.malformed ?? record.fields])).toEqual([
      [1, ['a', 'b']],
      [2, `record longer than ${MAX_RECORD_BYTES} bytes`],
      [3, ['2', '3']],
    ]);
  });

  it('reads a lone CR at the very end of the file as the end of the last line', async () => {
    expect(summary(await read('a,b\n"1",2\r'))).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
    ]);
  });
});

const collect = (bytes: Buffer, pieces = 1) => read(bytes, Math.ceil(bytes.length / pieces));

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

  it('gives the records before a line that is not UTF-8, then fails on that line', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n"1",2\n3,4\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\n5,6\n')]);
    const records: CsvRecord[] = [];
    const reading = (async () => {
      for await (const record of readCsvRecords([bytes])) records.push(record);
    })();
    await expect(reading).rejects.toThrow('the file is not UTF-8 text: invalid byte sequence on line 4 (bytes from offset 14)');
    expect(summary(records)).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
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
