import { readdirSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Modules a check may not import: checks see the world only through ctx.facts, which is what makes them testable with fakes. */
const CLIENT_LIBRARIES = [
  'dockerode',
  'systeminformation',
  'execa',
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'node:child_process',
  'child_process',
];

/** Every built-in check by id: checks/<id>.ts and its helpers in checks/<id>/. */
const CHECK_IDS = [
  ...new Set(
    readdirSync(path.join(import.meta.dirname, 'checks'), { withFileTypes: true })
      .map((entry) => (entry.isDirectory() ? entry.name : entry.name.replace(/\.ts$/, '')))
      .filter((id) => id !== 'index' && id !== 'shared'),
  ),
];

/** The rule matches exceptions against absolute paths, as globs (braces make `checks/{dns.ts,dns/**}` one). */
const absolute = (glob) => path.join(import.meta.dirname, glob);

/**
 * One zone per check: its files may import their own folder and checks/shared, never another check (one check's
 * change must not break another; what two checks need goes to checks/shared). checks/shared imports no check.
 */
const CHECK_ZONES = [
  ...CHECK_IDS.map((id) => ({
    target: `checks/{${id}.ts,${id}/**}`,
    from: 'checks/**',
    except: [absolute(`checks/{${id}.ts,${id}/**}`), absolute('checks/shared/**')],
    message: `a check imports only its own folder and checks/shared: move what ${id} needs from another check to checks/shared.`,
  })),
  {
    target: 'checks/shared/**',
    from: 'checks/**',
    except: [absolute('checks/shared/**')],
    message: 'checks/shared is for every check and imports none.',
  },
];

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
    // An import cycle makes load order decide what a module sees (undefined at first use); the engine receives the
    // catalogue and the facts own their errors so that none exists. Type-only imports have no runtime effect and are not counted.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these the plugin reads only .js files, and a cycle through .ts files goes unseen.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Sources import './x.js' for the file x.ts, as TypeScript's NodeNext resolution wants.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['checks/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'no-restricted-imports': ['error', { paths: CLIENT_LIBRARIES }],
      'import-x/no-restricted-paths': ['error', { zones: CHECK_ZONES, basePath: import.meta.dirname }],
      'no-console': 'error',
    },
  },
  {
    // One screen per function, and no line wider than prettier's: long text is written with prose`` (src/util/text.ts).
    // Regular expressions are exempt (prettier cannot break them). Tests are exempt: a describe block is not a function to read.
    files: ['checks/**/*.ts', 'src/**/*.ts', 'bench/**/*.ts', 'examples/**/*.js', 'build.mjs', 'bin/*.js'],
    ignores: ['examples/**/test/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      'max-len': ['error', { code: 140, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
);
