// Migrates one template database per test run; every test file then clones it
// (CREATE DATABASE … TEMPLATE), which is much faster than migrating each file's database.
import pg from 'pg';
import { migrate } from '../../src/migrate.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, TEMPLATE_DB, databaseUrl } from './env.js';

export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.end();
  await migrate(databaseUrl(TEMPLATE_DB));
  return async () => {
    const client = new pg.Client(pgConfig(ADMIN_URL));
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await client.end();
  };
}
