// Per-test-file isolation: a fresh database cloned from the migrated template and a
// Redis key prefix of its own. Call in beforeAll; `drop()` in afterAll.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { pgConfig } from '../../src/infra/migrations.js';
import { createDatabase, type Database } from '../../src/infra/db.js';
import { ADMIN_URL, REDIS_URL, databaseUrl } from './env.js';

export interface TestDatabase extends Database {
  url: string;
  name: string;
  redisUrl: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConfig(ADMIN_URL));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const name = `bi_test_${label.replace(/\W/g, '_').toLowerCase()}_${suffix}`;
  const template = inject('templateDb');
  // Cloning needs the template idle; retry briefly when another file is cloning it too.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (error) {
      if (attempt > 50 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  const url = databaseUrl(name);
  const db = createDatabase(url, { max: 8 });
  return {
    ...db,
    url,
    name,
    redisUrl: REDIS_URL,
    redisPrefix: `bi_test_${suffix}`,
    async drop() {
      await db.close().catch(() => undefined);
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
