// Prisma CLI config: only `prisma generate` runs through the CLI here; migrations go
// through scripts/migrate.ts (Prisma's WASM schema engine, no binary download).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
