// One jest preset for every package, run through the nx jest plugin.
// Tests run the TypeScript sources directly as native ES modules (swc strips types only; node runs
// jest with --experimental-vm-modules, see the root package.json), so `import.meta` and dynamic
// `import()` behave as in production. `@agon/*` resolves to each package's src/, so no build is
// needed before `npm test`.
const nxPreset = require('@nx/jest/preset').default;
const path = require('node:path');

const root = __dirname;
const agon = {};
for (const name of ['core', 'tensor', 'backend-gpujs', 'models', 'game', 'objectives', 'trainer', 'distributed', 'cli']) {
  agon[`^@agon/${name}$`] = path.join(root, `packages/${name}/src/index.ts`);
  agon[`^@agon/${name}/(.*)$`] = path.join(root, `packages/${name}/src/$1/index.ts`);
}

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Jest 30 "soft-deletes" globals a test file left behind before the next file in the same
  // worker; tfjs keeps its engine and backends on the global object, and the access-warning
  // proxies then recurse (RangeError) or hide the initialised backend. Jest 29 behaviour.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: {
    ...agon,
    // Sources import siblings as './x.js' (NodeNext); jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 120000,
  globalSetup: path.join(root, 'tools/jest-global-setup.cjs'),
  reporters: ['default', path.join(root, 'tools/jest-summary-reporter.cjs')],
};
