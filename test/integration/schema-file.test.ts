import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printSchemaFile, SCHEMA_FILE } from '../../src/graphql/print.js';

describe('schema.graphql', () => {
  it('is up to date with the Pothos schema (run `npm run schema:print`)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await printSchemaFile());
  });
});
