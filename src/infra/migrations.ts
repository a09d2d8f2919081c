// Prisma migrations without the native schema-engine binary (it cannot be downloaded
// here): Prisma's own engine built to WASM, driven through the pg driver adapter. Same
// _prisma_migrations table, checksums and advisory lock as `prisma migrate deploy`.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import { PROJECT_ROOT } from './paths.js';

export const PRISMA_DIR = path.join(PROJECT_ROOT, 'prisma');
const filters: SchemaFilter = { externalTables: [], externalEnums: [] };

/** Connection fields instead of a URL: with a URL, pg lets the URL's database win. */
export function pgConfig(databaseUrl: string, database?: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: database ?? (url.pathname.slice(1) || 'postgres'),
    max: 4,
  };
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { database } = pgConfig(databaseUrl);
  const admin = new pg.Client(pgConfig(databaseUrl, 'postgres'));
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database!)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently by another process
      });
    }
  } finally {
    await admin.end();
  }
}

async function loadMigrationsList(prismaDir = PRISMA_DIR): Promise<MigrationList> {
  const baseDir = path.join(prismaDir, 'migrations');
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(baseDir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => 'provider = "postgresql"\n');
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(path.join(baseDir, dir, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  };
}

// PrismaPg 7.10 cannot map the "char" type (OID 18) that the engine's introspection
// reads; it is plain text on the wire, so report it as text.
const CHAR_OID = 18;
const TEXT_OID = 25;
let charPatched = false;
function patchCharType(adapter: SqlDriverAdapter): void {
  if (charPatched) return;
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(adapter)) as {
    performIO: (query: unknown) => Promise<{ fields: { dataTypeID: number }[] }>;
  };
  const performIO = queryable.performIO;
  queryable.performIO = async function (this: unknown, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result.fields) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    return result;
  };
  charPatched = true;
}

// PrismaPg's executeScript splits on ';' (breaking $$ bodies): run the script whole.
function wholeScripts(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    await pool.query(script);
  };
  return adapter;
}

class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly pools: pg.Pool[] = [];

  constructor(private readonly databaseUrl: string) {}

  private async open(database?: string, onDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool(pgConfig(this.databaseUrl, database));
    // The shadow database is dropped WITH (FORCE), which terminates any connection the
    // engine still holds: expected, and must not surface as an unhandled 'error' event.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    this.pools.push(pool);
    const adapter = await new PrismaPg(pool).connect();
    patchCharType(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await pool.end().catch(() => undefined);
      await onDispose?.();
    };
    return wholeScripts(adapter, pool);
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.open();
  }

  // Our own shadow database: the pool is closed before the database is dropped.
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Pool(pgConfig(this.databaseUrl, 'postgres'));
    await admin.query(`CREATE DATABASE ${name}`);
    return this.open(name, async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end().catch(() => undefined)));
  }
}

// @types/node leaves WebAssembly out; the little used here is typed by hand.
interface WasmInstance { exports: Record<string, unknown> }
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance }> };
};

let wasmReady: Promise<void> | undefined;
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package exports only its JS glue: locate the .wasm beside it.
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = path.join(path.dirname(gluePath), 'schema_engine_bg.wasm');
    const { instance } = await Wasm.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': engineGlue });
    engineGlue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

export interface MigrationEngine {
  /** `prisma migrate deploy`: applies pending migrations, returns their names. */
  deploy(): Promise<string[]>;
  /** SQL that takes the migrations folder to schema.prisma ('' when they match). */
  diffMigrationsToSchema(): Promise<string>;
  close(): Promise<void>;
}

export async function openMigrationEngine(databaseUrl: string, prismaDir = PRISMA_DIR): Promise<MigrationEngine> {
  await loadWasm();
  const schemaPath = path.join(prismaDir, 'schema.prisma');
  const schema = await readFile(schemaPath, 'utf8');
  const factory = new MigrationAdapterFactory(databaseUrl);
  const log = (message: string) => {
    if (process.env.DEBUG_MIGRATIONS) process.stderr.write(`${message}\n`);
  };
  const engine = await engineGlue.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    log,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  return {
    async deploy() {
      const migrationsList = await loadMigrationsList(prismaDir);
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters });
      return appliedMigrationNames;
    },
    async diffMigrationsToSchema() {
      const migrationsList = await loadMigrationsList(prismaDir);
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
        script: true,
        exitCode: true,
        filters,
      });
      return result.exitCode === 2 ? (result.stdout ?? '') : '';
    },
    async close() {
      engine.free();
      await factory.close();
    },
  };
}
