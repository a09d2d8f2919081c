import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../scripts/generate-sample.js';
import { createHarness, fileText, type IngestHarness } from './ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('ingest_smoke');
});
afterAll(async () => h?.close());

describe('generated sample', () => {
  it('ingests a clean generated sample', async () => {
    const out = `/tmp/ingest-smoke-${process.pid}`;
    await generateSample({ users: 200, transactions: 20_000, days: 10, seed: 7, dirty: 0, out });
    const jobId = await h.upload({ users: await fileText(`${out}/users.csv`), transactions: await fileText(`${out}/transactions.csv`) });
    const t0 = performance.now();
    const result = await h.run(jobId, { chunkRecords: 5000 });
    console.log('run ms', performance.now() - t0);
    expect(result).toEqual({ status: 'COMPLETED' });
    const files = await h.files(jobId);
    expect(files.TRANSACTIONS).toMatchObject({ total: 20_000, inserted: 20_000, rejected: 0 });
    expect(files.USERS).toMatchObject({ total: 200, inserted: 200 });
    expect(await h.differences()).toEqual({});
    console.log(await h.job(jobId));
  });
});
