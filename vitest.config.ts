import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { PACT_DO_NOT_TRACK: 'true' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['mock-server/**/*.test.ts', 'sdk/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'http', include: ['test/**/*.test.ts'], exclude: ['test/browser/**', 'test/install/**'] },
      },
      {
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'contracts-consumer', include: ['contracts/consumer/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'contracts-provider', include: ['contracts/provider/**/*.test.ts'], fileParallelism: false },
      },
      {
        // Packs both packages and installs them into a scratch app (from the npm registry's cache
        // when it can), so it runs on its own, after the rest.
        extends: true,
        test: {
          name: 'install',
          include: ['test/install/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 420_000,
        },
      },
    ],
  },
});
