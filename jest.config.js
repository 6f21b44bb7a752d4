/** GIFTFLOW_TEST_SERVER=cluster (scripts/test-cluster.sh) runs test/cluster/ on temporal-server + PostgreSQL; the default run leaves it out. */
const cluster = process.env.GIFTFLOW_TEST_SERVER === 'cluster';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testMatch: cluster ? ['<rootDir>/test/cluster/**/*.test.ts'] : ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: cluster ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/cluster/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // One file at a time: every file's workers poll the same provider task queues on one server.
  maxWorkers: 1,
};
