// The sample generator and the pipeline check each other: every bad row the generator's
// manifest lists is rejected at that line and column, and nothing else is.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../scripts/generate-sample.js';
import { createHarness, type IngestHarness } from '../helpers/ingest-fixtures.js';

interface ManifestEntry {
  file: 'USERS' | 'TRANSACTIONS';
  line: number;
  kind: string;
  column: string | null;
}

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('ingest_sample');
});
afterAll(async () => h?.close());

describe('generated samples', () => {
  it('ingests a clean sample completely', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ingest-sample-'));
    await generateSample({ users: 200, transactions: 6000, days: 10, seed: 7, dirty: 0, out });
    const jobId = await h.upload({
      users: readFileSync(path.join(out, 'users.csv')),
      transactions: readFileSync(path.join(out, 'transactions.csv')),
    });
    expect(await h.run(jobId, { chunkRecords: 1000 })).toEqual({ status: 'COMPLETED' });
    expect(await h.files(jobId)).toEqual({
      USERS: { total: 200, inserted: 200, updated: 0, unchanged: 0, rejected: 0, committed: 200 },
      TRANSACTIONS: { total: 6000, inserted: 6000, updated: 0, unchanged: 0, rejected: 0, committed: 6000 },
    });
    expect(await h.differences()).toEqual({});
  });

  it('rejects exactly the bad rows a dirty sample lists, at their lines and columns', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ingest-sample-'));
    await generateSample({ users: 300, transactions: 8000, days: 12, seed: 99, dirty: 0.05, out });
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { rejected: ManifestEntry[] };
    const kinds = new Set(manifest.rejected.map((entry) => entry.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(18);

    const jobId = await h.upload({
      users: readFileSync(path.join(out, 'users.csv')),
      transactions: readFileSync(path.join(out, 'transactions.csv')),
    });
    expect((await h.run(jobId, { chunkRecords: 700 })).status).toBe('COMPLETED_WITH_ERRORS');
    const byPlace = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]);
    const rejected = (await h.rejected(jobId)).map((r) => [r.file, r.line, r.column]).sort(byPlace);
    const expected = manifest.rejected.map((entry) => [entry.file, entry.line, entry.column]).sort(byPlace);
    expect(rejected).toEqual(expected);

    const files = await h.files(jobId);
    const bad = (file: string) => manifest.rejected.filter((entry) => entry.file === file).length;
    expect(files.TRANSACTIONS).toMatchObject({ total: 8000, rejected: bad('TRANSACTIONS'), inserted: 8000 - bad('TRANSACTIONS') });
    expect(files.USERS).toMatchObject({ rejected: bad('USERS'), inserted: 300 });
    expect(await h.differences()).toEqual({});
  });
});
