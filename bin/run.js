#!/usr/bin/env node
// `--version` is answered before loading oclif (as npm and git do): it needs only package.json, and loading the
// framework would triple its cost. The output is the same user agent oclif prints.
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`docker-doctor/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const root = new URL('..', import.meta.url).pathname;
  // A plain diagnose runs without oclif (src/lean-cli.ts); whatever that path does not take, oclif runs as before.
  const { runLean } = await import('../dist/lean-cli.js');
  if (!(await runLean(root, argv))) {
    const { main } = await import('../dist/cli.js');
    await main(root, argv);
  }
}
