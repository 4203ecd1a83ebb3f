// Lint rules that catch real bugs in this codebase: a forgotten await on a workflow API, Node
// built-ins in workflow code (non-deterministic), import cycles, loose equality.
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.cache/**', 'test-results/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
      // Without it the plugin parses imported TypeScript files with the JavaScript parser, fails
      // silently, and no-cycle sees no imports at all.
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https'], message: 'Workflow and domain code must be deterministic: no Node built-ins.' },
          { group: ['postgres', 'express', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow and domain code must not do I/O.' },
        ],
      }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Not deterministic: use uuid4() in workflows.' }],
    },
  },
  {
    // The domain is pure: time comes in as an argument. (Workflow code may use Date: the SDK
    // makes it the deterministic workflow clock.)
    files: ['src/domain/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', { name: 'Date', message: 'Pass times in.' }] },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', document: 'readonly', window: 'readonly', fetch: 'readonly', localStorage: 'readonly' } },
  },
);
