import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'oclif.manifest.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout is prettier's job (npm run format); this turns off the ESLint rules that would disagree with it.
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Checks see the world only through ctx.facts: keeping these imports out is what makes them testable with fakes.
    files: ['checks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'dockerode',
            'systeminformation',
            'execa',
            'fs',
            'node:fs',
            'fs/promises',
            'node:fs/promises',
            'node:child_process',
            'child_process',
          ],
        },
      ],
      'no-console': 'error',
    },
  },
);
