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
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup-logger.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/faults/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files run in parallel, each on its own database and Redis prefix.
    pool: 'forks',
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  },
});
