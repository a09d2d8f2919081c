// PostgreSQL: one pg.Pool per process, shared by Prisma (through the driver adapter) and
// by the raw-SQL paths (COPY, aggregates, dashboard) that need more than Prisma offers.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { logger } from './logger.js';

// int8 and numeric come back as strings by default; keep them exact (BigInt / string).
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => BigInt(value));

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function createDatabase(databaseUrl: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client losing its server must not crash the process; the next query retries.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'));
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
