// The API on the test file's own database and Redis prefix: built without a port for
// GraphQL-only tests (app.yoga.fetch, see dashboard-graphql.ts's graphql()), or listening
// on a free port for tests that need real HTTP or WebSocket connections.
import { parseConfig, type Config } from '../../src/config/config.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export interface BuiltTestApp {
  app: App;
  config: Config;
  db: TestDatabase;
  services: ReturnType<typeof createServices>;
  close(): Promise<void>;
}

export interface TestApp extends BuiltTestApp {
  url: string;
}

/** The app, not listening: call app.yoga.fetch. */
export async function buildTestApp(
  label: string,
  overrides: Record<string, string> = {},
  db?: TestDatabase,
): Promise<BuiltTestApp> {
  const testDb = db ?? (await createTestDatabase(label));
  const config = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDb.url,
    REDIS_URL: testDb.redisUrl,
    REDIS_PREFIX: testDb.redisPrefix,
    PORT: '0',
    ...overrides,
  });
  const services = createServices(config);
  const app = buildApp(services);
  return {
    app,
    config,
    db: testDb,
    services,
    async close() {
      await app.stop();
      await services.close();
      if (!db) await testDb.drop();
    },
  };
}

/** The app listening on a free port; `url` is its /graphql URL. */
export async function startTestApp(
  label: string,
  overrides: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const built = await buildTestApp(label, overrides, db);
  try {
    return { ...built, url: await built.app.start(0) };
  } catch (error) {
    await built.close();
    throw error;
  }
}
