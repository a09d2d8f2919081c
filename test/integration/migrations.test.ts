import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/migrate.js';
import { openMigrationEngine, pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, databaseUrl } from '../helpers/env.js';

const name = `bi_test_migrations_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(name);

afterAll(async () => {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('migrations', () => {
  it('create the database, apply every migration, then apply again as a no-op', async () => {
    const first = await migrate(url);
    expect(first.length).toBeGreaterThan(0);
    expect(await migrate(url)).toEqual([]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY 1');
    await client.end();
    expect(rows.map((row) => row.migration_name)).toEqual(first);
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
  });

  it('match schema.prisma exactly (no drift)', async () => {
    const engine = await openMigrationEngine(url);
    try {
      expect(await engine.diffMigrationsToSchema()).toBe('');
    } finally {
      await engine.close();
    }
  });
});
