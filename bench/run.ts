// `npm run bench`: docker-doctor's speed as ratios against floors measured in the same run (DESIGN.md section 7).
// Ratios, not absolute times, so the figures hold on a noisy machine. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, dockerMayFail, engineAvailable, ensureTestImage } from '../test/helpers/engine.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'run.js');
const BENCH_LABEL = 'docker-doctor.bench=1';
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

interface Measure {
  name: string;
  command: string[];
  shell?: boolean;
}

function timeOnce(m: Measure): number {
  const started = process.hrtime.bigint();
  const result = m.shell
    ? spawnSync('sh', ['-c', m.command.join(' ')], { stdio: 'ignore' })
    : spawnSync(m.command[0]!, m.command.slice(1), { stdio: 'ignore' });
  if (result.error) throw result.error;
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Interleaves the two commands so machine noise hits both alike; reports medians. */
function compare(subject: Measure, floor: Measure, runs = RUNS): { subject: number; floor: number; ratio: number } {
  timeOnce(subject);
  timeOnce(floor);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(timeOnce(subject));
    b.push(timeOnce(floor));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const s = median(a);
  const f = median(b);
  return { subject: s, floor: f, ratio: s / f };
}

/** Peak RSS of one run, from GNU time when the machine has it. */
function peakMemoryMiB(command: string[]): number | undefined {
  if (!existsSync('/usr/bin/time')) return undefined;
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...command], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const kib = Number(result.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kib) ? kib / 1024 : undefined;
}

function line(label: string, r: { subject: number; floor: number; ratio: number }, budget: number, floorName: string): boolean {
  const ok = r.ratio <= budget;
  const ms = (value: number) => `${value.toFixed(1).padStart(8)} ms`;
  console.log(
    `${ok ? 'ok  ' : 'OVER'} ${label.padEnd(34)} ${ms(r.subject)}  vs ${floorName.padEnd(40)} ${ms(r.floor)}  ` +
      `= ${r.ratio.toFixed(2)}x (budget ${budget.toFixed(1)}x)`,
  );
  return ok;
}

async function seedContainers(image: string, count: number): Promise<void> {
  const existing = (await docker('ps', '-aq', '--filter', `label=${BENCH_LABEL}`)).split('\n').filter(Boolean).length;
  const jobs: Promise<unknown>[] = [];
  for (let i = existing; i < count; i++) {
    // A mix of states, as on a developer's machine: mostly stopped and created, some running.
    const kind = i % 10;
    const args = ['--label', BENCH_LABEL, '--network', 'none', '--name', `dd-bench-${i}`];
    if (kind === 0) jobs.push(docker('run', '-d', ...args, image, 'sleep', '3600'));
    else if (kind < 5) jobs.push(docker('run', ...args, image, 'true'));
    else jobs.push(docker('create', ...args, image, 'sleep', '1'));
    if (jobs.length >= 8) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

async function removeSeeded(): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${BENCH_LABEL}`)).split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) await dockerMayFail('rm', '-f', ...ids.slice(i, i + 50));
}

/** A 100,000-file tree (1,000 directories of 100 small files) with a Dockerfile at its root. */
function makeTree(root: string, files: number): void {
  if (existsSync(path.join(root, 'Dockerfile'))) return;
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'Dockerfile'), 'FROM scratch\nCOPY . /app/\n');
  const perDir = 100;
  for (let d = 0; d < files / perDir; d++) {
    const dir = path.join(root, `pkg${Math.floor(d / 10)}`, `mod${d % 10}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(path.join(dir, `f${f}.js`), 'x'.repeat((f % 50) + 1));
  }
}

/** Start-up against `node -e 0`, and for reference what loading oclif costs (the `list` command). */
function startupFigures(): boolean {
  const ok = line(
    'start-up: docker-doctor --version',
    compare({ name: 'dd', command: [process.execPath, BIN, '--version'] }, { name: 'node', command: [process.execPath, '-e', '0'] }),
    2.0,
    'node -e 0',
  );
  const framework = compare(
    { name: 'dd', command: [process.execPath, BIN, 'list'] },
    { name: 'node', command: [process.execPath, '-e', '0'] },
  );
  const loaded = `${framework.subject.toFixed(1)} ms = ${framework.ratio.toFixed(2)}x node -e 0`;
  console.log(`     (for reference: docker-doctor list, which loads oclif: ${loaded})`);
  return ok;
}

function contextScanFigure(): boolean {
  const tree = path.join(os.tmpdir(), 'docker-doctor-bench-tree');
  const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 100_000);
  console.log(`\npreparing a ${treeFiles.toLocaleString('en-US')}-file tree in ${tree}…`);
  makeTree(tree, treeFiles);
  return line(
    `context scan, ${treeFiles / 1000}k files`,
    compare(
      { name: 'dd', command: [process.execPath, BIN, 'build-context', '--json', '-C', tree, '--fail-on', 'never'] },
      { name: 'du', command: ['du', '-sb', tree] },
      Math.min(RUNS, 7),
    ),
    3.0,
    'du -sb',
  );
}

/** The full run on the seeded daemon: its ratio, its peak memory, and one run's timings per check and per fact. */
async function fullRunFigures(): Promise<{ ok: boolean; timings?: string }> {
  if (!engineAvailable()) {
    console.log('\nno Docker engine answers: the full-run figures are not measured');
    return { ok: true };
  }
  const image = await ensureTestImage();
  console.log(`\nseeding ${CONTAINERS} labelled containers…`);
  try {
    await seedContainers(image, CONTAINERS);
    const total = (await docker('ps', '-aq')).split('\n').filter(Boolean).length;
    const full = [process.execPath, BIN, '--json', '-C', path.join(ROOT, 'bench')];
    let ok = line(
      `full run, ${total} containers`,
      compare({ name: 'dd', command: full }, { name: 'floor', command: ['docker ps -aq | xargs docker inspect >/dev/null'], shell: true }),
      2.0,
      'docker ps -aq | xargs docker inspect',
    );
    const rss = peakMemoryMiB(full);
    if (rss !== undefined) {
      ok = rss <= 120 && ok;
      console.log(
        `${rss <= 120 ? 'ok  ' : 'OVER'} ${'peak memory of the full run'.padEnd(34)} ${rss.toFixed(1).padStart(8)} MiB (budget 120 MiB)`,
      );
    }
    return { ok, timings: timingsOf(full) };
  } finally {
    if (!process.env.BENCH_KEEP) await removeSeeded();
  }
}

/** One run with DOCKER_DOCTOR_TIMING=1: the table it prints on stderr, so later changes can see what they add. */
function timingsOf(command: string[]): string {
  const result = spawnSync(command[0]!, command.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DOCKER_DOCTOR_TIMING: '1' },
  });
  return result.stderr;
}

async function main(): Promise<void> {
  console.log(`docker-doctor benchmark (${RUNS} runs each, medians)\n`);
  let allOk = startupFigures();
  allOk = contextScanFigure() && allOk;
  const full = await fullRunFigures();
  allOk = full.ok && allOk;
  console.log(allOk ? '\nall figures within budget' : '\nsome figures are over budget');
  if (full.timings) console.log(`\nwhere one full run's time goes:\n\n${full.timings.trimEnd()}`);
}

await main();
