// ESLint flat config: typescript-eslint's recommended rules (syntax only, no type information:
// fast enough for every `npm test`) plus the project's own rules below. Formatting is Prettier's
// job (.prettierrc.json); neither recommended set has a formatting rule, so the two never disagree.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Seeded replay: packages/core reads time and randomness only through env/clock.ts and env/random.ts,
// so that a seed replays a run exactly (docs/testing.md). The simulator's virtual clock is the one
// other place: its setImmediate drives virtual time, it is no time source for the protocol.
const CLOCK_FILES = ['packages/core/src/env/clock.ts', 'packages/core/src/env/random.ts', 'packages/core/src/wire/simulated/sim-clock.ts'];
const SEEDED_REPLAY = 'packages/core reads time and randomness only through env/clock.ts and env/random.ts (seeded replay)';
const TIMERS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];

// A focused or skipped test would pass the suite with tests not run.
const NOT_RUN = 'a committed test runs: no .only/.skip (a failing test is a bug to fix)';
const TEST_FUNCTIONS = ['describe', 'it', 'test'];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/coverage/',
      'test-artifacts/',
      '.traces/',
      '.sim/',
      'scratch/',
      // Written and removed by the README test (see .gitignore).
      'apps/demo/src/readme-block-*.ts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Node's globals that the .js/.cjs files use (no-undef checks JavaScript only; tsc checks TypeScript).
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // tsc already reports unused locals and parameters (noUnusedLocals, noUnusedParameters);
      // this keeps the `_`-prefixed convention for the rest (destructuring, catch bindings).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `let timer; ... timer = setTimer(..., () => timer?.cancel())`: a closure reads it before it is set.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: CLOCK_FILES,
    rules: {
      'no-restricted-globals': ['error', ...TIMERS.map((name) => ({ name, message: SEEDED_REPLAY }))],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: SEEDED_REPLAY },
        { object: 'Math', property: 'random', message: SEEDED_REPLAY },
        { object: 'performance', property: 'now', message: SEEDED_REPLAY },
        ...TIMERS.map((property) => ({ object: 'globalThis', property, message: SEEDED_REPLAY })),
      ],
      'no-restricted-syntax': [
        'error',
        // new Date() and Date() read the clock; new Date(t) only formats a given time.
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: SEEDED_REPLAY },
        { selector: "CallExpression[callee.name='Date']", message: SEEDED_REPLAY },
      ],
      'no-restricted-imports': [
        'error',
        { paths: ['timers', 'node:timers', 'timers/promises', 'node:timers/promises'].map((name) => ({ name, message: SEEDED_REPLAY })) },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...TEST_FUNCTIONS.flatMap((object) => [
          { object, property: 'only', message: NOT_RUN },
          { object, property: 'skip', message: NOT_RUN },
        ]),
      ],
      'no-restricted-globals': ['error', ...['fdescribe', 'fit', 'xdescribe', 'xit', 'xtest'].map((name) => ({ name, message: NOT_RUN }))],
    },
  },
);
