/**
 * ESLint (flat config): the rules the compiler cannot see, as errors rather than comments.
 * Every TypeScript file: no floating promises (a promise nobody awaits loses its failure).
 * Workflow code and the contract modules it imports: no Node built-ins, zod, undici or
 * fastify, no Temporal client/worker/activity packages, and only the zod-free contract
 * modules — the workflow sandbox must stay deterministic, and it evaluates these modules once
 * per workflow (docs/design.md). Type-only imports are erased at compile time and stay allowed.
 * test/imports.test.ts checks the same ban transitively, across every module a workflow imports.
 */
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');

const WHY =
  'workflow code must stay deterministic and light; move this to an activity or a non-workflow module (docs/design.md)';
/** The contract modules workflow code imports: zod-free by rule. */
const WORKFLOW_CONTRACTS = [
  'contracts/*-workflow.ts',
  'contracts/shared.ts',
  'contracts/metrics.ts',
  'contracts/money.ts',
];

const banned = (group, message) => ({ group, message, allowTypeImports: true });

/** The import bans of workflow code; `local` adds patterns for the folder's own relative imports. */
const workflowImportBans = (local = []) => [
  'error',
  {
    paths: [
      ...builtinModules
        .filter((name) => !name.startsWith('_'))
        .map((name) => ({ name, message: `Node built-in: ${WHY}`, allowTypeImports: true })),
      ...['zod', 'undici', 'fastify', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map(
        (name) => ({
          name,
          message: `${name}: ${WHY}`,
          allowTypeImports: true,
        }),
      ),
    ],
    patterns: [
      ...local,
      banned(['node:*'], `Node built-in: ${WHY}`),
      banned(['zod/*', 'undici/*', 'fastify/*'], WHY),
      // A provider's main contract module builds zod schemas; its `-workflow` half is the zod-free one.
      banned(
        [
          '**/contracts/*',
          '!**/contracts/*-workflow',
          '!**/contracts/shared',
          '!**/contracts/metrics',
          '!**/contracts/money',
        ],
        `import the zod-free contracts/<provider>-workflow.ts, or import type: ${WHY}`,
      ),
      banned(['**/activities', '**/activities/*'], 'workflows import activity types only (import type)'),
      banned(
        [
          '**/client',
          '**/client/*',
          '**/config',
          '**/config/*',
          '**/sandbox/*',
          '**/security/*',
          '**/observability/*',
          '**/scripts/*',
        ],
        WHY,
      ),
    ],
  },
];

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.tools/**',
      '.data/**',
      'dist/**',
      'coverage/**',
      'schemas/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  { files: ['workflows/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': workflowImportBans() } },
  {
    files: WORKFLOW_CONTRACTS,
    rules: {
      '@typescript-eslint/no-restricted-imports': workflowImportBans([
        banned(
          ['./*', '!./*-workflow', '!./shared', '!./metrics', '!./money'],
          `import a zod-free contract module, or import type: ${WHY}`,
        ),
      ]),
    },
  },
);
