// The entry points as an operator runs them: real child processes, real signals.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { requestData } from '../../src/client/http.js';
import { JobsQuery } from '../../src/client/operations/jobs.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, databaseUrl } from '../helpers/env.js';
import { freePort } from '../helpers/ports.js';
import { spawnEntry } from '../helpers/processes.js';

const database = `bi_test_start_${randomBytes(4).toString('hex')}`;


afterAll(async () => {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('process entry points', () => {
  it('a bad env var stops the API with one clear message, not a stack trace', async () => {
    const api = spawnEntry('src/main.ts', { PORT: 'abc', MAX_UPLOAD_BYTES: '-5' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/Invalid environment:\n {2}PORT: .+\n {2}MAX_UPLOAD_BYTES: .+/);
    expect(api.output()).not.toMatch(/\n\s+at /);
  });

  it('npm start migrates a new database, serves the API with a worker, and stops both on SIGINT', async () => {
    const port = await freePort();
    const start = spawnEntry('src/start.ts', {
      DATABASE_URL: databaseUrl(database),
      PORT: String(port),
      REDIS_PREFIX: `bi_test_start_${randomBytes(4).toString('hex')}`,
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (!(await fetch(`${base}/ready`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || start.child.exitCode !== null) throw new Error(`not ready:\n${start.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const { jobs } = await requestData({ url: `${base}/graphql` }, JobsQuery, { first: 5 });
    expect(jobs.edges).toEqual([]);

    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(await fetch(`${base}/health`).then(() => 'up', () => 'down')).toBe('down');
  });
});
