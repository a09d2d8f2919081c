import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, fileText, type IngestHarness } from '/work/main/test/integration/ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => { h = await createHarness('perf'); });
afterAll(async () => h?.close());
it('perf', async () => {
  const dir = process.env.PERF_DIR ?? '/tmp/exp/s1';
  const jobId = await h.upload({ users: await fileText(`${dir}/users.csv`), transactions: await fileText(`${dir}/transactions.csv`) });
  const t0 = performance.now();
  const result = await h.run(jobId, {});
  console.log('run ms', performance.now() - t0, result);
  console.log(await h.job(jobId), await h.files(jobId));
  if (process.env.PERF_AGAIN) {
    const j2 = await h.upload({ users: await fileText(`${dir}/users.csv`), transactions: await fileText(`${dir}/transactions.csv`) });
    const t1 = performance.now();
    await h.run(j2, {});
    console.log('rerun ms', performance.now() - t1, (await h.job(j2)).stage_timings, await h.files(j2));
  }
}, 600_000);
