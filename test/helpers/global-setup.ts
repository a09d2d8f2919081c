// Migrates one template database per test run; every test file then clones it
// (CREATE DATABASE … TEMPLATE), which is much faster than migrating each file's database.
// The name is unique per run so concurrent runs on one machine cannot drop each other's.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/migrate.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, databaseUrl } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client(pgConfig(ADMIN_URL));
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const templateDb = `bi_test_template_${randomBytes(4).toString('hex')}`;
  await migrate(databaseUrl(templateDb));
  project.provide('templateDb', templateDb);
  return () => dropDatabase(templateDb);
}
