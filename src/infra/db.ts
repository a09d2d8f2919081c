// PostgreSQL for the API: one pg.Pool per process, shared by Prisma (through the driver
// adapter) and by the raw-SQL paths (dashboard, uploads) that need more than Prisma offers.
// The worker uses the pool alone (createPool) and never loads Prisma.
import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { createPool } from './pg-pool.js';

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function createDatabase(databaseUrl: string, options: { max?: number } = {}): Database {
  const pool = createPool(databaseUrl, options);
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
