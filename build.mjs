// Bundles the CLI: loading @oclif/core's ~200 modules one by one costs more than node's own start-up, and the
// start-up budget is 2x `node -e 0`. Two entry points share their chunks: lean-cli (a plain diagnose, which never
// loads oclif) and cli (oclif, for everything else).
import { build } from 'esbuild';

/**
 * Libraries only some projects need (the YAML parser for compose files, RE2 for .dockerignore patterns) are bundled
 * as usual but evaluated on first use rather than at start-up: checks import them statically, and evaluating them cost
 * every run ~20 ms whether or not the project has such files. Each entry lists the members the code uses; importing
 * another one fails the build ("No matching export"), never a run.
 */
const ON_FIRST_USE = {
  yaml: {
    functions: ['isAlias', 'isMap', 'isNode', 'isPair', 'isScalar', 'isSeq', 'parseDocument', 'stringify'],
    classes: ['LineCounter', 'Lexer'],
    statics: { CST: ['tokenType'] },
  },
  re2js: { statics: { RE2JS: ['compile'] } },
};

/** The stand-in module for a library in ON_FIRST_USE: each member requires the library when first called. */
function onFirstUseModule(name) {
  const { functions = [], classes = [], statics = {} } = ON_FIRST_USE[name];
  return [
    `let loaded;`,
    `const load = () => (loaded ??= require(${JSON.stringify(name)}));`,
    ...functions.map((f) => `export function ${f}(...args) { return load().${f}(...args); }`),
    ...classes.map((c) => `export class ${c} { constructor(...args) { return new (load().${c})(...args); } }`),
    ...Object.entries(statics).map(
      ([c, members]) => `export const ${c} = { ${members.map((m) => `${m}: (...args) => load().${c}.${m}(...args)`).join(', ')} };`,
    ),
  ].join('\n');
}

const onFirstUse = {
  name: 'on-first-use',
  setup(bundle) {
    const names = new RegExp(`^(${Object.keys(ON_FIRST_USE).join('|')})$`);
    // Our imports get the stand-in; the stand-in's own require, and the libraries' imports of each other, get the real one.
    bundle.onResolve({ filter: names }, (args) =>
      args.kind === 'import-statement' && !args.importer.includes('node_modules')
        ? { path: args.path, namespace: 'on-first-use' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'on-first-use' }, (args) => ({
      contents: onFirstUseModule(args.path),
      resolveDir: process.cwd(),
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // typescript is only for oclif's ts-node development mode, never used by the installed CLI.
  external: ['typescript'],
  banner: { js: "import { createRequire as __ddCreateRequire } from 'node:module'; const require = __ddCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  plugins: [onFirstUse],
};

await build({
  ...common,
  entryPoints: {
    cli: 'src/cli.ts',
    'lean-cli': 'src/lean-cli.ts',
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    'scan-worker': 'src/facts/project/scan-worker.ts',
  },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
