// /ready reports a dependency that cannot be reached (503, naming it) while /health stays
// 200; the process keeps serving. Real servers pointed at ports where nothing listens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('/ready with a dependency down', () => {
  let noRedis: TestApp;
  let noPostgres: TestApp;
  beforeAll(async () => {
    noRedis = await startTestApp('ready_noredis', { REDIS_URL: 'redis://127.0.0.1:1' });
    noPostgres = await startTestApp('ready_nopg', { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/bi' });
  });
  afterAll(async () => {
    await noRedis?.close();
    await noPostgres?.close();
  });

  it('Redis unreachable: /ready 503 naming Redis, /health 200', async () => {
    const base = noRedis.url.replace('/graphql', '');
    const started = Date.now();
    const ready = await fetch(`${base}/ready`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, postgres: 'ok', redis: expect.not.stringMatching(/^ok$/) });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('PostgreSQL unreachable: /ready 503 naming PostgreSQL, /health 200', async () => {
    const base = noPostgres.url.replace('/graphql', '');
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, postgres: expect.not.stringMatching(/^ok$/), redis: 'ok' });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
