// /ready reports a dependency that cannot be reached (503, naming it) while /health stays
// 200; the process keeps serving. Real servers pointed at ports where nothing listens, at
// a role that does not exist and at a host name that does not resolve. /ready is public:
// it answers a stable code per dependency, never the driver's message (which names
// roles, hosts and databases); that detail goes to the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/http/app.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { createServices } from '../../src/services.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { freePort } from '../helpers/ports.js';
import { spawnEntry, until } from '../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

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
    expect(await ready.json()).toEqual({
      ready: false,
      checks: { postgres: { ok: true }, redis: { ok: false, error: expect.stringMatching(/^(unreachable|timeout)$/) } },
    });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('PostgreSQL unreachable: /ready 503 naming PostgreSQL, /health 200', async () => {
    const base = noPostgres.url.replace('/graphql', '');
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, checks: { postgres: { ok: false, error: 'unreachable' }, redis: { ok: true } } });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe('/ready does not echo driver errors', () => {
  const ROLE = 'no_such_role_7c1e';
  const HOST = 'db-internal-7c1e.invalid';
  let db: TestDatabase;
  const apps: Array<{ app: App; close(): Promise<void> }> = [];
  const logLines: Array<Record<string, unknown>> = [];

  async function start(databaseUrl: string): Promise<string> {
    const config = parseConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: db.redisUrl, REDIS_PREFIX: db.redisPrefix, PORT: '0' });
    const services = createServices(config);
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });
    const app = buildApp({ ...services, log });
    const url = await app.start(0);
    apps.push({ app, close: () => app.stop().then(() => services.close()) });
    return url.replace('/graphql', '');
  }

  beforeAll(async () => {
    db = await createTestDatabase('ready_leak');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it.each([
    ['a role that does not exist', () => db.url.replace('postgres@', `${ROLE}@`), ROLE],
    ['a host name that does not resolve', () => db.url.replace('127.0.0.1', HOST), HOST],
  ])('%s: 503 with a stable code, the detail only in the log, the process serving', async (_case, url, secret) => {
    const base = await start(url());
    for (let probe = 0; probe < 3; probe++) {
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      const text = await ready.text();
      expect(text).not.toContain(secret);
      expect(JSON.parse(text)).toEqual({ ready: false, checks: { postgres: { ok: false, error: 'unreachable' }, redis: { ok: true } } });
    }
    const logged = logLines.filter((line) => line.msg === 'readiness: dependency failing' && String(line.detail).includes(secret));
    // Logged once when it starts failing, not on every probe.
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ dependency: 'postgres', level: 40 });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe('an API process with Redis down', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('ready_proc');
  });
  afterAll(() => db?.drop());

  it('keeps serving and writes only structured log lines (no raw stack trace per reconnect)', async () => {
    const port = await freePort();
    const api = spawnEntry('src/main.ts', { LOG_LEVEL: 'info', DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1', PORT: String(port) });
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(
        () => fetch(`${base}/health`).then((r) => r.ok, () => false),
        (ok) => ok || !api.alive(),
        'the API to answer /health',
        60_000,
        200,
        api.output,
      );
      expect(api.alive()).toBe(true);
      // A few reconnect attempts happen meanwhile (ioredis retries within a second or two).
      for (let probe = 0; probe < 5; probe++) {
        expect((await fetch(`${base}/ready`)).status).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const output = api.output();
      expect(output).toMatch(/Redis connection error/);
      expect(output).not.toMatch(/\n\s+at /);
      for (const line of output.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
      expect(api.alive()).toBe(true);
    } finally {
      await api.kill9();
    }
  });
});
