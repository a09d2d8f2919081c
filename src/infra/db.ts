// PostgreSQL: one pg.Pool per process, shared by Prisma (through the driver adapter) and
// by the raw-SQL paths (COPY, aggregates, dashboard) that need more than Prisma offers.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { logger } from './logger.js';

// Raw queries get int8 and numeric as strings (pg's default, which Prisma's adapter
// relies on too): convert where read, never through a float unless the value is a count.
export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function createDatabase(databaseUrl: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client losing its server must not crash the process; the next query retries.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'));
  // A connection lost while checked out emits 'error' on its client; without a listener
  // that crashes the process instead of failing the query in progress (which is retried).
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'PostgreSQL connection lost'));
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
