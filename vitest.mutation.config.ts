/**
 * The fast test projects only (unit and HTTP), for mutation runs (`npm run test:mutation`).
 * Browser and Pact contract tests are left out: they are slow and reach the same rules.
 */
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
        test: {
          name: 'http',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
        },
      },
    ],
  },
});
