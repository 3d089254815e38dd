/**
 * One jest run over every workspace. Workspace packages resolve to their TypeScript sources
 * through the "@communities/source" export condition, so tests never need a build first.
 * Type errors are the job of `npm run typecheck`; ts-jest only transpiles (isolatedModules).
 */
/** @type {import('jest').Config} */
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@communities/source', 'node', 'require'] },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  ...extra,
});

module.exports = {
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/packages/test-support/summary-reporter.js'],
  globalSetup: '<rootDir>/packages/test-support/global-setup.js',
  globalTeardown: '<rootDir>/packages/test-support/global-teardown.js',
  projects: [
    project('unit', {
      testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts'],
    }),
    project('integration', {
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/services/*/test/**/*.test.ts',
      ],
    }),
    // Images, docker-compose.yml and k8s/ checked without a Docker engine or a cluster.
    project('deploy', {
      testMatch: ['<rootDir>/test/deploy/**/*.test.ts'],
    }),
    // The web app in Debian's Chromium (playwright-core) against `npm start`'s process.
    project('browser', {
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
    }),
    // The whole system as separate processes under faults (killed gateways, a restarted Redis).
    project('faults', {
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    }),
  ],
};
