import { existsSync } from 'node:fs';
import { join } from 'node:path';

// SWC options mirror tsconfig.base.json: ES2022 + legacy decorators with metadata (NestJS).
const swc = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
  // Jest errors on a missing root, and libs/ (maybe apps/) does not exist yet.
  roots: ['packages', 'apps', 'libs'].filter((d) => existsSync(join(import.meta.dirname, d))).map((d) => `<rootDir>/${d}`),
  testMatch: ['**/test/**/*.spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  // node_modules is not transformed (default transformIgnorePatterns): ESM deps load natively.
  moduleNameMapper: {
    '^@cohort/core$': '<rootDir>/packages/core/src/index.ts',
    '^@cohort/core/testing$': '<rootDir>/packages/core/src/testing/index.ts',
    '^@cohort/nestjs$': '<rootDir>/packages/nestjs/src/index.ts',
    '^@cohort/nestjs/internal$': '<rootDir>/packages/nestjs/src/internal.ts',
    '^@cohort/nestjs/health$': '<rootDir>/packages/nestjs/src/health/index.ts',
    '^@cohort/nats$': '<rootDir>/packages/nats/src/index.ts',
    '^@cohort/nats/testing$': '<rootDir>/packages/nats/src/testing/index.ts',
    // NodeNext-style './x.js' -> './x', which Jest then resolves to x.ts.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
