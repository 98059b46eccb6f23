// Mutation testing of the security-critical modules: `npm run test:mutation` (not part of `npm test`).
// One module at a time: `npm run test:mutation -- --mutate mock-server/core/tokens.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: [
    'mock-server/core/tokens.ts',
    'mock-server/core/request-jwt.ts',
    'mock-server/core/consent.ts',
    'sdk/src/server-token.ts',
    'sdk/src/token-keeper.ts',
  ],
  ignorePatterns: ['dist', 'coverage', '.data', 'reports', 'contracts/logs', 'mutation'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
};
