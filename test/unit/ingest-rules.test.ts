import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/ingest/errors.js';
import { mapHeader, normalizeHeader } from '../../src/ingest/headers.js';
import { TRANSACTION_COLUMNS, transactionsFormat, USER_COLUMNS } from '../../src/ingest/rows.js';
import * as v from '../../src/ingest/values.js';
import { copyFields } from '../../src/ingest/copy-text.js';
import { sanitizeFileName } from '../../src/jobs/service.js';
import { exactCost, Random } from '../../scripts/generate-sample.js';

const reason = (result: unknown) => (result instanceof v.Invalid ? result.reason : result);

describe('headers', () => {
  it('match case-insensitively, ignoring spaces, "_" and "-"', () => {
    for (const spelling of ['User_ID', 'user id', 'userId', ' USER-ID ', 'user__id']) {
      expect(normalizeHeader(spelling)).toBe('userid');
    }
  });

  it('map columns in any order and list unknown ones', () => {
    const mapping = mapHeader('users file', ['region', 'Shoe Size', 'is active sub', 'user name', 'USER_ID', ''], USER_COLUMNS);
    expect(mapping.index).toMatchObject({ User_ID: 4, User_Name: 3, Region: 0, Is_Active_Sub: 2, Department: -1 });
    expect(mapping.unknown).toEqual(['Shoe Size', '(empty, column 6)']);
    expect(mapping.width).toBe(6);
  });

  it('fail naming every missing required column', () => {
    expect(() => mapHeader('transactions file', ['RowId', 'User_ID', 'Model_Name'], TRANSACTION_COLUMNS)).toThrow(
      new InputFileError(
        'transactions file: missing required columns: Conversation_ID, Token_Type, Token_Count, Rate_Per_1k, Calculated_Cost, Timestamp',
      ),
    );
  });

  it('fail a column given twice', () => {
    expect(() => mapHeader('users file', ['User_ID', 'user id', 'User_Name', 'Region', 'Is_Active_Sub'], USER_COLUMNS)).toThrow(
      'users file: column given more than once: User_ID',
    );
  });
});

describe('field rules', () => {
  it('UUIDs: any case, normalised to lower case', () => {
    expect(v.uuid('A0B1C2D3-0000-4000-8000-00000000000F')).toBe('a0b1c2d3-0000-4000-8000-00000000000f');
    expect(v.uuid(' a0b1c2d3-0000-4000-8000-00000000000f ')).toBe('a0b1c2d3-0000-4000-8000-00000000000f');
    expect(reason(v.uuid('a0b1c2d3-0000-4000-8000-00000000000'))).toBe('"a0b1c2d3-0000-4000-8000-00000000000" is not a UUID');
    expect(reason(v.uuid(''))).toBe('is required');
  });

  it('booleans: true/false, 1/0, yes/no, t/f in any case', () => {
    for (const yes of ['true', 'TRUE', '1', 'yes', 'Yes', 't', 'T']) expect(v.boolean(yes)).toBe('t');
    for (const no of ['false', 'False', '0', 'no', 'NO', 'f']) expect(v.boolean(no)).toBe('f');
    expect(v.boolean('maybe')).toBeInstanceOf(v.Invalid);
    expect(v.boolean('2')).toBeInstanceOf(v.Invalid);
  });

  it('codes: trimmed, at most 128 characters, one line', () => {
    expect(v.code('  EU ')).toBe('EU');
    expect(v.code('x'.repeat(128))).toBe('x'.repeat(128));
    expect(reason(v.code('x'.repeat(129)))).toBe('is longer than 128 characters');
    expect(reason(v.code('gpt\n4o'))).toMatch(/control characters/);
    expect(reason(v.code('gpt\u00854o'))).toMatch(/control characters/);
    expect(reason(v.code('   '))).toBe('is required');
  });

  it('free text keeps commas, quotes and newlines; empty optional text is null', () => {
    expect(v.text(' Acme, "Inc."\nEurope ', false, 256)).toBe('Acme, "Inc."\nEurope');
    expect(v.text('  ', false, 256)).toBeNull();
    expect(reason(v.text('', true, 256))).toBe('is required');
    expect(reason(v.text('a\u0000b', true, 256))).toBe('contains a NUL byte (0x00), shown as U+FFFD in the raw text');
  });

  it('lengths count characters (code points), not UTF-16 units', () => {
    expect(v.text('😀'.repeat(256), true, 256)).toBe('😀'.repeat(256));
    expect(reason(v.text('😀'.repeat(257), true, 256))).toBe('is longer than 256 characters');
    expect(v.code('€'.repeat(128))).toBe('€'.repeat(128));
    expect(v.code('🌍'.repeat(128))).toBe('🌍'.repeat(128));
    expect(reason(v.code('🌍'.repeat(129)))).toBe('is longer than 128 characters');
  });

  it('reasons never quote a NUL', () => {
    expect(reason(v.uuid('ab\u0000cd'))).toBe('"ab\uFFFDcd" is not a UUID');
    expect(reason(v.instant('2024\u0000'))).not.toContain('\u0000');
  });

  it('dates must be real calendar dates', () => {
    expect(v.dateOrInstant('2024-02-29')).toBe('2024-02-29T00:00:00Z');
    expect(reason(v.dateOrInstant('2023-02-29'))).toBe('"2023-02-29" is not a real date');
    expect(reason(v.dateOrInstant('2023-02-30'))).toBe('"2023-02-30" is not a real date');
    expect(reason(v.dateOrInstant('2023-13-01'))).toBe('"2023-13-01" is not a real date');
    expect(v.dateOrInstant('1900-02-28')).toBe('1900-02-28T00:00:00Z');
    expect(reason(v.dateOrInstant('1900-02-29'))).toBe('"1900-02-29" is not a real date');
    expect(v.dateOrInstant('2000-02-29')).toBe('2000-02-29T00:00:00Z');
    expect(v.dateOrInstant('2023-05-01T08:30:00')).toBe('2023-05-01T08:30:00Z');
    expect(v.dateOrInstant('')).toBeNull();
  });

  it('instants need Z or an offset and a real date and time', () => {
    expect(v.instant('2024-03-01T10:00:00Z')).toBe('2024-03-01T10:00:00Z');
    expect(v.instant('2024-03-01T10:00:00.123456Z')).toBe('2024-03-01T10:00:00.123456Z');
    expect(v.instant('2024-03-01T10:00:00+05:30')).toBe('2024-03-01T10:00:00+05:30');
    expect(v.instant('2024-03-01t10:00:00-0800')).toBe('2024-03-01T10:00:00-08:00');
    expect(v.instant('2024-03-01 10:00Z')).toBe('2024-03-01T10:00:00Z');
    expect(v.instant('2024-03-01T10:00:00,5+01')).toBe('2024-03-01T10:00:00.5+01:00');
    expect(reason(v.instant('2024-03-01T10:00:00'))).toMatch(/has no time zone/);
    expect(reason(v.instant('2024-02-30T10:00:00Z'))).toMatch(/not a real date/);
    expect(reason(v.instant('2024-03-01T24:00:00Z'))).toMatch(/not a valid time of day/);
    expect(reason(v.instant('2024-03-01T10:60:00Z'))).toMatch(/not a valid time of day/);
    expect(reason(v.instant('2024-03-01T10:00:00+16:00'))).toMatch(/invalid UTC offset/);
    expect(reason(v.instant('1709287200'))).toMatch(/not an ISO 8601 timestamp/);
  });

  it('integers are whole and ≥ 0, up to int8', () => {
    expect(v.nonNegativeInteger('0')).toBe('0');
    expect(v.nonNegativeInteger('+0042')).toBe('42');
    expect(v.nonNegativeInteger('9223372036854775807')).toBe('9223372036854775807');
    expect(reason(v.nonNegativeInteger('9223372036854775808'))).toBe('is too large');
    expect(reason(v.nonNegativeInteger('-1'))).toBe('must not be negative');
    expect(reason(v.nonNegativeInteger('1.0'))).toBe('"1.0" is not an integer');
    expect(reason(v.nonNegativeInteger('1e3'))).toBe('"1e3" is not an integer');
  });

  it('decimals are ≥ 0 and kept exactly as written', () => {
    expect(v.nonNegativeDecimal('0.000000000000000000000000000001')).toBe('0.000000000000000000000000000001');
    expect(v.nonNegativeDecimal('12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(v.nonNegativeDecimal('1.50')).toBe('1.50');
    expect(v.nonNegativeDecimal('.5')).toBe('.5');
    expect(v.nonNegativeDecimal('5.')).toBe('5.');
    // Exponents are written out with numeric_in's scale (fraction digits − exponent, ≥ 0).
    expect(v.nonNegativeDecimal('+2.5E-3')).toBe('0.0025');
    expect(v.nonNegativeDecimal('1.5e3')).toBe('1500');
    expect(v.nonNegativeDecimal('1.25e1')).toBe('12.5');
    expect(v.nonNegativeDecimal('12e-1')).toBe('1.2');
    expect(v.nonNegativeDecimal('0.0e+2')).toBe('0');
    expect(v.nonNegativeDecimal('-0.00')).toBe('0.00');
    expect(reason(v.nonNegativeDecimal('-0.01'))).toBe('must not be negative');
    expect(reason(v.nonNegativeDecimal('NaN'))).toBe('"NaN" is not a decimal number');
    expect(reason(v.nonNegativeDecimal('1,5'))).toBe('"1,5" is not a decimal number');
  });

  it('token types are prompt or completion in any case', () => {
    expect(v.tokenType('Prompt')).toBe('prompt');
    expect(v.tokenType('COMPLETION')).toBe('completion');
    expect(reason(v.tokenType('image'))).toBe('"image" is not prompt or completion');
  });
});

describe('row validation', () => {
  const mapping = mapHeader('transactions file', TRANSACTION_COLUMNS.map((c) => c.name), TRANSACTION_COLUMNS);
  const validate = transactionsFormat.validator(mapping);
  const row = ['ignored-key', 'a0b1c2d3-0000-4000-8000-00000000000f', 'gpt-4o', 'a0b1c2d3-0000-4000-8000-0000000000aa', 'prompt', '10', '0.0025', '0.000025', '2024-03-01T10:00:00Z'];

  it('returns the values after the key in staging order', () => {
    expect(validate(row)).toEqual(row.slice(1));
  });

  it('names the first broken column', () => {
    const broken = [...row];
    broken[5] = '-1';
    broken[7] = 'x';
    expect(validate(broken)).toEqual({ column: 'Token_Count', reason: 'Token_Count must not be negative' });
  });
});

describe('COPY text', () => {
  it('escapes the characters that end fields and rows', () => {
    expect(copyFields(['a\tb', 'c\nd\re', 'back\\slash', null, 'plain'])).toBe('a\\tb\tc\\nd\\re\tback\\\\slash\t\\N\tplain');
  });
});

describe('upload file names', () => {
  it('keep the base name only', () => {
    expect(sanitizeFileName('../../etc/passwd', 'USERS')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\me\\tx.csv', 'TRANSACTIONS')).toBe('tx.csv');
    expect(sanitizeFileName('..', 'USERS')).toBe('users.csv');
    expect(sanitizeFileName('  ', 'TRANSACTIONS')).toBe('transactions.csv');
    expect(sanitizeFileName('a\u0000b\nc.csv', 'USERS')).toBe('abc.csv');
    expect(sanitizeFileName('x'.repeat(300), 'USERS')).toHaveLength(255);
  });
});

describe('sample generator', () => {
  it('computes costs as exact decimals', () => {
    expect(exactCost(1234, '0.0025')).toBe('0.003085');
    expect(exactCost(1000, '0.01')).toBe('0.01');
    expect(exactCost(3, '0.000075')).toBe('0.000000225');
    expect(exactCost(0, '0.06')).toBe('0');
    expect(exactCost(2_000_000, '0.075')).toBe('150');
  });

  it('is deterministic by seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const draw = (r: Random) => [r.uuid(), r.uint32(), r.float()];
    expect(draw(a)).toEqual(draw(b));
    expect(draw(new Random(42))).not.toEqual(draw(c));
    expect(new Random(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('instants in UTC', () => {
  it('gives the UTC date of an instant', () => {
    expect(v.utcDate('2024-03-01T23:59:00-02:00')).toBe('2024-03-02');
    expect(v.utcDate('2024-03-02T01:00:00.250+09:00')).toBe('2024-03-01');
    expect(v.utcDate('2024-12-31T23:59:59.123456Z')).toBe('2024-12-31');
    expect(v.utcDate('2024-03-01T05:30:00.000+05:30')).toBe('2024-03-01');
    expect(v.utcDate('2024-03-01T00:00:00+00:00')).toBe('2024-03-01');
  });

  it('truncates fractions beyond microseconds instead of letting them round into another day', () => {
    expect(v.instant('2024-12-31T23:59:59.9999999Z')).toBe('2024-12-31T23:59:59.999999Z');
  });
});
