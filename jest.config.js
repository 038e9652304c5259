// @ts-check
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // kubernetes-models is published as ES modules only: resolve it through its "import" condition
  // and let swc turn it (and its ES-module-only dependencies) into CommonJS like our own code.
  resolver: '<rootDir>/test/support/esm-resolver.js',
  transformIgnorePatterns: [
    '/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex)/)',
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
