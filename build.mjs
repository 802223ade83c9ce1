// Bundles the CLI: loading @oclif/core's ~200 modules one by one costs more than node's own start-up, and the
// start-up budget is 2x `node -e 0`. dockerode stays external: only ssh:// endpoints load it. Two entry points share
// their chunks: lean-cli (a plain diagnose, which never loads oclif) and cli (oclif, for everything else).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // typescript is only for oclif's ts-node development mode, never used by the installed CLI.
  external: ['dockerode', 'ssh2', 'cpu-features', 'typescript'],
  banner: { js: "import { createRequire as __ddCreateRequire } from 'node:module'; const require = __ddCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: {
    cli: 'src/cli.ts',
    'lean-cli': 'src/lean-cli.ts',
    index: 'src/index.ts',
    'scan-worker': 'src/facts/project/scan-worker.ts',
  },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
