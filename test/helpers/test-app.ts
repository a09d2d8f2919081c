// A real API server on a free port, on the test file's own database and Redis prefix.
import { parseEnv, type Env } from '../../src/config/env.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export interface TestApp {
  app: App;
  url: string;
  env: Env;
  db: TestDatabase;
  services: ReturnType<typeof createServices>;
  close(): Promise<void>;
}

export async function startTestApp(
  label: string,
  overrides: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const testDb = db ?? (await createTestDatabase(label));
  const env = parseEnv({
    NODE_ENV: 'test',
    DATABASE_URL: testDb.url,
    REDIS_URL: testDb.redisUrl,
    REDIS_PREFIX: testDb.redisPrefix,
    PORT: '0',
    ...overrides,
  });
  const services = createServices(env);
  const app = buildApp(services);
  const url = await app.start(0);
  return {
    app,
    url,
    env,
    db: testDb,
    services,
    async close() {
      await app.stop();
      await services.close();
      if (!db) await testDb.drop();
    },
  };
}
