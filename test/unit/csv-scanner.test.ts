// The reader with a fast path (readCsvBatches handing the lines a fast check takes on as
// bytes, csv-parse reading the rest from wherever the check refused a line) against the
// plain csv-parse path: the whole file in one buffer, no fast check. The fast check here
// takes every quote-free line, the most a check may take, so the hand-over between the two
// happens as often as it can. Random files, each split into random buffers several ways;
// everything is seeded, so a failure names the seed, the file and the split that reproduce it.
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, lineRecord, readCsvBatches, readCsvRecords, type CsvRecord } from '../../src/ingest/csv-source.js';
import { InputFileError } from '../../src/ingest/errors.js';
import { Rng } from '../helpers/random.js';

const SEED = 0x5eed_c5f;
const LINE_BYTES_LIMIT = 64 * 1024; // lines around this long cross buffer boundaries often
const BOM = '\ufeff';

// ---------------------------------------------------------------------------------------
// The reference and the scanner

/** The csv-parse path: the whole file in one buffer, every record csv-parse's. */
async function reference(bytes: Buffer): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords([bytes])) records.push(record);
  return records;
}

const QUOTE = 34;
const quoteFree = (data: Buffer, start: number, end: number) => {
  const quote = data.indexOf(QUOTE, start);
  return quote < 0 || quote >= end;
};

async function scan(pieces: readonly Buffer[]): Promise<CsvRecord[]> {
  const source = (async function* () {
    // Fresh copies: the reader must not depend on the pieces sharing one allocation.
    for (const piece of pieces) yield Buffer.from(piece);
  })();
  const records: CsvRecord[] = [];
  for await (const batch of readCsvBatches(source, { fastLines: () => quoteFree })) {
    if (batch.kind === 'records') records.push(...batch.records);
    else for (let i = 0; i < batch.starts.length; i++) records.push(lineRecord(batch, i));
  }
  return records;
}

async function scanError(pieces: readonly Buffer[]): Promise<unknown> {
  try {
    await scan(pieces);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Comparable form: every property, `malformed` null when absent. */
const plain = (records: CsvRecord[]) =>
  records.map((r) => ({ line: r.line, fields: r.fields, raw: r.raw, malformed: r.malformed ?? null }));

function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

const fixedSize = (bytes: Buffer, size: number) => {
  const cuts: number[] = [];
  for (let at = size; at < bytes.length; at += size) cuts.push(at);
  return cuts;
};

/** Offsets where a cut is worth making: inside a multi-byte character, between CR and LF, after a quote. */
function interestingOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i]!;
    const before = bytes[i - 1]!;
    if ((b & 0xc0) === 0x80 || (before === 13 && b === 10) || before === 34 || (before === 13 && i === bytes.length - 1)) {
      out.push(i);
    }
  }
  return out;
}

interface Split {
  name: string;
  cuts: number[];
}

/** Several ways to split `bytes` into buffers (cut offsets, possibly repeated: an empty buffer). */
function splits(bytes: Buffer, rng: Rng): Split[] {
  const n = bytes.length;
  const out: Split[] = [{ name: 'whole', cuts: [] }];
  const small = n <= 1500;
  if (small) out.push({ name: 'bytewise', cuts: fixedSize(bytes, 1) });
  const interesting = interestingOffsets(bytes);
  for (let k = 0; k < 2 && n > 1; k++) {
    const cuts: number[] = [];
    const count = rng.int(1, Math.min(n - 1, 30));
    for (let i = 0; i < count; i++) cuts.push(rng.int(1, n - 1));
    for (let i = 0; i < Math.min(interesting.length, 20); i++) cuts.push(rng.pick(interesting));
    if (rng.chance(0.2)) cuts.push(rng.int(0, n)); // repeated or edge cut: an empty buffer
    out.push({ name: `random#${k}`, cuts });
  }
  // Fixed-size pieces, from one byte to larger than the file (bounded below for big files:
  // tiny pieces of a 64 KiB line would only measure the carry's copying).
  const size = small ? rng.int(1, n + 10) : rng.int(Math.min(2048, n), n + 10);
  out.push({ name: `size ${size}`, cuts: fixedSize(bytes, size) });
  return out;
}

// ---------------------------------------------------------------------------------------
// Random CSV files

const NON_ASCII = ['é', 'Zoë', 'Ångström', '中文', '日本語テキスト', '😀', '👍🏽', 'naïve café', 'ß', '€'];
const WORD_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_;:/!?#$%&()[]{}<>+=*@^~|\'\t';

interface FileOptions {
  /** U+FEFF at the start of a line inside the file (once dropped by per-line decoding). */
  bomAtLineStart?: boolean;
  /**
   * Broken quoting and quoted line breaks mixed freely within a record, and unclosed quotes
   * anywhere (they pair with later quotes): this reaches broken quoting on a later physical
   * line of a record (the hand-written tokenizer once cut it at buffer ends). Without it, a record holds either
   * quoted line breaks or broken quoting (as its last field), and an unclosed quote opens
   * only the last line.
   */
  mixBrokenAndMultiline?: boolean;
}

function word(rng: Rng, max = 12): string {
  let s = '';
  const length = rng.int(1, max);
  for (let i = 0; i < length; i++) s += WORD_CHARS[rng.int(0, WORD_CHARS.length - 1)];
  if (rng.chance(0.02)) s = BOM + s; // only reached with bomAtLineStart (see randomFile)
  return s;
}

function quotedContent(rng: Rng, newlines: boolean): string {
  let s = '';
  const parts = rng.int(0, 6);
  const pieces = newlines ? ['\n', '\r\n', '\n\n'] : [];
  for (let i = 0; i < parts; i++) {
    s += rng.pick([word(rng), word(rng), ',', '""', '\r', rng.pick(NON_ASCII), ' ', ',,', '""""', ...pieces]);
  }
  return s;
}

/** One field; `multiline`: quoted fields may hold line breaks, else broken quoting may occur. */
function field(rng: Rng, multiline: boolean): string {
  const roll = rng.int(0, 99);
  if (roll < 35) return word(rng);
  if (roll < 45) return '';
  if (roll < 57) return rng.chance(0.5) ? rng.pick(NON_ASCII) : `${word(rng, 4)}${rng.pick(NON_ASCII)}${word(rng, 4)}`;
  if (roll < 77) return `"${quotedContent(rng, multiline)}"`;
  if (roll < 81) return `${word(rng, 4)}"${word(rng, 4)}`; // a stray quote inside an unquoted field is literal
  if (roll < 85) return `${word(rng, 4)}\r${word(rng, 4)}`; // a lone CR inside a field is text
  if (roll < 90) return `"${rng.pick(NON_ASCII)}${quotedContent(rng, multiline)}${rng.pick(NON_ASCII)}"`;
  return word(rng, 3);
}

/** Broken quoting (the rest of its physical line is given up, so it ends the record here). */
function brokenField(rng: Rng, newlines: boolean): string {
  return rng.chance(0.7)
    ? `"${quotedContent(rng, newlines)}"${word(rng, 3)}` // "x"y
    : `"${quotedContent(rng, newlines)}"\r${word(rng, 3)}`; // CR, not CRLF, after a closing quote
}

function longLine(rng: Rng): string {
  const target = LINE_BYTES_LIMIT + rng.int(-200, 6000);
  const kind = rng.int(0, 2);
  const unit = kind === 0 ? 'abcdefghij,' : kind === 1 ? 'é中😀x,' : 'abc,d';
  let body = unit.repeat(Math.ceil(target / Buffer.byteLength(unit)));
  const roll = rng.int(0, 9);
  if (roll < 3) body = `"${body}",end`; // one long physical line holding a quoted field
  else if (roll < 5) body = `x,"${body.replaceAll(',', ',\n')}"`; // a long quoted field over many lines
  else if (roll < 6) body = `${body}"${body.slice(0, 100)}`; // a stray quote in a long unquoted field
  return body;
}

function record(rng: Rng, options: FileOptions): string {
  const mix = options.mixBrokenAndMultiline ?? false;
  const multiline = rng.chance(0.5);
  const fields: string[] = [];
  const width = rng.int(1, 6);
  for (let f = 0; f < width; f++) {
    if (mix && rng.chance(0.1)) fields.push(brokenField(rng, rng.chance(0.5)));
    else fields.push(field(rng, mix || multiline));
  }
  if (!multiline && !mix && rng.chance(0.2)) fields.push(brokenField(rng, false));
  return fields.join(',');
}

function randomFile(rng: Rng, options: FileOptions = {}): Buffer {
  const lines: string[] = [];
  const count = rng.chance(0.05) ? rng.int(0, 2) : rng.int(1, 30);
  for (let i = 0; i < count; i++) {
    const roll = rng.int(0, 99);
    const last = i === count - 1;
    if (roll < 10) lines.push('');
    else if (roll < 13 && (last || options.mixBrokenAndMultiline)) lines.push(`${word(rng, 4)},"${word(rng)}`); // unclosed quote
    else if (roll < 14 && rng.chance(0.3)) lines.push(longLine(rng));
    else lines.push(record(rng, options));
  }
  const style = rng.int(0, 2); // LF, CRLF, mixed
  let text = '';
  lines.forEach((line, i) => {
    text += line;
    if (i < lines.length - 1) text += style === 0 ? '\n' : style === 1 ? '\r\n' : rng.pick(['\n', '\r\n']);
  });
  if (lines.length) text += rng.pick(['', '\n', '\r\n', '\r', '\n\n', '\r\n\r\n']);
  // U+FEFF inside the file only when asked for.
  if (!options.bomAtLineStart) text = text.replaceAll(BOM, '');
  if (rng.chance(0.3)) text = BOM + text;
  // Two BOMs: the first is the file's BOM, the second is content.
  if (options.bomAtLineStart && rng.chance(0.05)) text = BOM + BOM + text;
  return Buffer.from(text, 'utf8');
}

const preview = (bytes: Buffer) =>
  bytes.length <= 2000 ? JSON.stringify(bytes.toString('utf8')) : `${bytes.length} bytes (regenerate from the seed)`;

async function expectSameRecords(bytes: Buffer, split: Split, context: string): Promise<void> {
  const expected = plain(await reference(bytes));
  const actual = plain(await scan(cut(bytes, split.cuts)));
  const cuts = split.cuts.length <= 60 ? JSON.stringify([...split.cuts].sort((a, b) => a - b)) : `${split.cuts.length} cuts`;
  expect(actual, `${context}, split ${split.name} at ${cuts}: ${preview(bytes)}`).toEqual(expected);
}

// ---------------------------------------------------------------------------------------

describe('readCsvBatches with a fast path, any buffers ≡ csv-parse on the whole file', () => {
  it('hand-picked files, every split point', async () => {
    const files = [
      '',
      BOM,
      `${BOM}a,b\n1,2`,
      'a,b\r\n1,"x\r\ny",3\r\n\r\n4,"he said ""hi"", ok",6\r\n"7",,\r\n8,9,10',
      'a\n\n\r\n\nb\r',
      'a,b\n1,"x"y\n2,3\n',
      'a,b\n1,"open\n2,3\n',
      'a,b\n1,x"y\n"q"\r\n',
      'é,中文\n😀,"👍🏽\n😀"\r\nZoë\r',
      '"a\n\n\nb"\nc\n"d"',
      'x\r\ry\r\n\r',
      '"x"\r',
      '"x"\rz\n1\n',
      `${BOM}${BOM}x,"${BOM}"\n`, // two BOMs then text: both paths drop both
    ];
    for (const text of files) {
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at <= bytes.length; at++) {
        await expectSameRecords(bytes, { name: `two pieces`, cuts: [at] }, 'hand-picked');
      }
      await expectSameRecords(bytes, { name: 'bytewise', cuts: fixedSize(bytes, 1) }, 'hand-picked');
    }
  });

  it('random files, each split several ways', async () => {
    const rng = new Rng(SEED);
    let compared = 0;
    const seen = { long: 0, bom: 0, multiline: 0, quoted: 0, plain: 0, nonAscii: 0, loneCrEnd: 0, noFinalNewline: 0 };
    const malformed = new Map<string, number>();
    for (let file = 0; file < 300; file++) {
      const bytes = randomFile(rng);
      for (const split of splits(bytes, rng)) {
        await expectSameRecords(bytes, split, `seed ${SEED}, file ${file}`);
        compared++;
      }
      const text = bytes.toString('utf8');
      if (bytes.length > LINE_BYTES_LIMIT) seen.long++;
      if (text.startsWith(BOM)) seen.bom++;
      if (text.endsWith('\r') && !text.endsWith('\n\r')) seen.loneCrEnd++;
      if (text.length && !/[\r\n]$/.test(text)) seen.noFinalNewline++;
      for (const r of await reference(bytes)) {
        if (r.malformed) malformed.set(r.malformed, (malformed.get(r.malformed) ?? 0) + 1);
        else if (r.raw.includes('"')) seen.quoted++;
        else seen.plain++;
        if (!r.malformed && r.raw.includes('\n')) seen.multiline++;
        if (/[^\x00-\x7f]/.test(r.raw)) seen.nonAscii++;
      }
    }
    // The generator really reached every kind of input (guards the fuzzer against going blind).
    expect(compared).toBeGreaterThan(1000);
    expect(seen.long).toBeGreaterThan(3);
    for (const [kind, count] of Object.entries(seen)) expect(count, kind).toBeGreaterThan(3);
    expect(malformed.get('a quoted field is never closed')).toBeGreaterThan(3);
    const broken = [...malformed].filter(([reason]) => reason.startsWith('unexpected character after a closing quote'));
    expect(broken.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(20);
    expect(broken.length).toBeGreaterThan(3); // in several field positions
  }, 180_000); // ~10 s on an idle machine

  it('lines longer than 64 KiB with and without quotes, at any position', async () => {
    const rng = new Rng(SEED + 1);
    for (let file = 0; file < 12; file++) {
      const parts = [`h1,h2`, `1,"q\n${rng.pick(NON_ASCII)}"`, longLine(rng), 'x,y', longLine(rng), `"z"`];
      if (rng.chance(0.5)) parts.reverse();
      const bytes = Buffer.from((rng.chance(0.5) ? BOM : '') + parts.join(rng.pick(['\n', '\r\n'])) + rng.pick(['', '\n', '\r']));
      for (const split of splits(bytes, rng)) await expectSameRecords(bytes, split, `seed ${SEED + 1}, long file ${file}`);
    }
  });

  it('a record over MAX_RECORD_BYTES is rejected whatever the buffers, and the records around it are exact', async () => {
    const rng = new Rng(SEED + 2);
    const big = 'v'.repeat(MAX_RECORD_BYTES + 100);
    for (const text of [`a,b\n1,2\n${big},x\r\n3,"4\n5"\n6,7\n`, `a,b\n"q\nq"\n${big}`, `a,b\n1,"${big}\n"\n2,3\n`]) {
      const bytes = Buffer.from(text);
      const expected = plain(await reference(bytes));
      expect(expected.filter((r) => r.malformed === `record longer than ${MAX_RECORD_BYTES} bytes`)).toHaveLength(1);
      const cutsList = [[], fixedSize(bytes, 256 * 1024), fixedSize(bytes, 1 << 20), [rng.int(1, bytes.length - 1), rng.int(1, bytes.length - 1)]];
      for (const cuts of cutsList) expect(plain(await scan(cut(bytes, cuts))), `cuts ${JSON.stringify(cuts)}`).toEqual(expected);
    }
  });

  // Mismatches this fuzzer found in the hand-written tokenizer csv-parse replaced: decoders
  // keep U+FEFF (ignoreBOM), and a record broken by a quote ends with its physical line.
  it('keeps a U+FEFF that starts a line after the first (only the file\'s BOM is stripped)', async () => {
    // Quote-free: lineRecord decodes each line as a fresh stream. Quoted: the scanner's
    // streaming decoder starts at the first quoted line, so a U+FEFF there is eaten too.
    // After a BOM, a second one alone on line 1 becomes an empty record (fields ['']), where
    // the string path drops both and sees a blank line.
    for (const text of ['h\n\ufeffx,y\n', 'h\n\ufeff"x",y\n', '\ufeff\ufeff\r\nx\n']) {
      const bytes = Buffer.from(text);
      const records = plain(await scan([bytes]));
      expect(records).toEqual(plain(await reference(bytes)));
      expect(records.some((r) => r.raw.includes('\ufeff'))).toBe(true);
    }
  });

  it('random files with U+FEFF at line starts', async () => {
    const rng = new Rng(SEED + 10);
    for (let file = 0; file < 100; file++) {
      const bytes = randomFile(rng, { bomAtLineStart: true });
      await expectSameRecords(bytes, { name: 'whole', cuts: [] }, `seed ${SEED + 10}, file ${file}`);
    }
  });

  it('broken quoting on a later physical line of a record, a buffer ending before that line does', async () => {
    // The broken line must be read to its end, not to the end of the bytes at hand.
    const bytes = Buffer.from('h\n1,"a\nb"cdd\n2,3\n');
    const at = bytes.indexOf('c') + 1;
    const records = plain(await scan([bytes.subarray(0, at), bytes.subarray(at)]));
    expect(records).toEqual(plain(await reference(bytes)));
    expect(records.map((r) => [r.line, r.raw])).toEqual([[1, 'h'], [2, '1,"a\nb"cdd'], [4, '2,3']]);
  });

  it('random files mixing broken quoting and quoted line breaks', async () => {
    const rng = new Rng(SEED + 11);
    for (let file = 0; file < 100; file++) {
      const bytes = randomFile(rng, { mixBrokenAndMultiline: true });
      const split = { name: 'bytewise', cuts: bytes.length <= 1500 ? fixedSize(bytes, 1) : fixedSize(bytes, 97) };
      await expectSameRecords(bytes, split, `seed ${SEED + 11}, file ${file}`);
    }
  });
});

describe('the reader rejects what is not UTF-8 CSV text', () => {
  const invalid = [
    Buffer.from([0xc3, 0x28]), // a lead byte without its continuation
    Buffer.from([0x80]), // a lone continuation byte
    Buffer.from([0xc0, 0xaf]), // an overlong encoding
    Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
    Buffer.from([0xff]),
    Buffer.from([0xf0, 0x9f, 0x98]), // a truncated 4-byte character
  ];

  async function expectNotUtf8(bytes: Buffer, rng: Rng, context: string): Promise<void> {
    for (const split of splits(bytes, rng)) {
      const error = await scanError(cut(bytes, split.cuts));
      expect(error, `${context}, split ${split.name} ${JSON.stringify(split.cuts)}`).toBeInstanceOf(InputFileError);
      expect((error as Error).message).toMatch(/not UTF-8 text/);
    }
  }

  it('on a quote-free line (byte mode), wherever the buffers split', async () => {
    const rng = new Rng(SEED + 3);
    for (const bad of invalid) {
      for (const [before, after] of [
        ['a,b\n1,', ',2\n3,4\n'],
        ['a,b\n', '\n'],
        ['a,b\r\nx', ''], // at the very end, no final newline
        ['', ',b\n'], // on the header line
      ]) {
        await expectNotUtf8(Buffer.concat([Buffer.from(before!), bad, Buffer.from(after!)]), rng, `quote-free ${bad.toString('hex')}`);
      }
    }
  });

  it('on a quoted line (csv-parse), wherever the buffers split', async () => {
    const rng = new Rng(SEED + 4);
    for (const bad of invalid) {
      for (const [before, after] of [
        ['a,b\n1,"', '"\n3,4\n'],
        ['a,b\n1,"x\n', 'y"\n'], // inside a field spanning lines
        ['a,b\n"x",', ''], // the last bytes of the file
        ['a,b\n"x",y\n', ',"z"\n'], // a line after a quoted one
      ]) {
        await expectNotUtf8(Buffer.concat([Buffer.from(before!), bad, Buffer.from(after!)]), rng, `quoted ${bad.toString('hex')}`);
      }
    }
  });

  it('a NUL byte in the first line or the first 16 bytes is binary data, wherever the buffers split', async () => {
    const rng = new Rng(SEED + 5);
    const text = Buffer.from(`${'h'.repeat(100)},b\n${'1,"2"\n'.repeat(12_000)}`); // 72 000 bytes
    for (const [at, file] of [[0, text], [1, text], [50, text], [99, text], [101, text], [8, Buffer.from('a,b\n1,2\n3,4\n')]] as const) {
      const bytes = Buffer.from(file);
      bytes[at] = 0;
      for (const split of splits(bytes, rng)) {
        const error = await scanError(cut(bytes, split.cuts));
        expect(error, `NUL at ${at}, split ${split.name}`).toBeInstanceOf(InputFileError);
        expect((error as Error).message).toMatch(/binary data/);
      }
    }
  });

  it('a NUL byte after the first line is a character of its record (the field rules reject it), on either path', async () => {
    const rng = new Rng(SEED + 6);
    const text = Buffer.from(`${'h'.repeat(20)},b\n${'1,"2"\n3,4\n'.repeat(2000)}`); // 20 023 bytes
    for (const at of [23, 24, 26, 31, 1000, rng.int(23, text.length - 1), text.length - 2]) {
      const bytes = Buffer.from(text);
      bytes[at] = 0;
      for (const split of splits(bytes, rng)) await expectSameRecords(bytes, split, `NUL at ${at}`);
      expect((await scan([bytes])).some((record) => record.raw.includes('\u0000'))).toBe(true);
    }
  });

});
