// Two projects: `default` (npm test) and `faults` (npm run test:faults). Each script names
// its project, so `npm test` never runs a fault file: those kill and restart real
// processes and the shared PostgreSQL and Redis, one file at a time, on their own.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node and the CJS libraries we
    // use (graphql-upload-minimal, …) load the CJS one; Vite would pick the ESM one for
    // our sources, and two graphql instances cannot share a schema.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Shared by both projects (extends: true). globalSetup is per project: at the root it
    // would also run for the root itself, a second migration alongside the project's.
    setupFiles: ['test/helpers/setup-logger.ts'],
    pool: 'forks',
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          globalSetup: ['test/helpers/global-setup.ts'],
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: ['test/faults/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files run in parallel, each on its own database and Redis prefix.
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          globalSetup: ['test/helpers/global-setup.ts'],
          include: ['test/faults/**/*.test.ts'],
          // One file at a time, one test at a time: they stop the services under everyone.
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { concurrent: false },
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
