import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Config, Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import Doctor from '../../src/commands/doctor.js';
import { parseLeanArgv } from '../../src/commands/lean-argv.js';
import { mayHavePlugins } from '../../src/lean-cli.js';
import { tempDir } from '../helpers/sockets.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const ids = new Set(builtinChecks.map((c) => c.meta.id));

/** What the oclif command would get from this command line: its flags and its check ids. */
async function oclifParse(argv: string[]) {
  const parsed = await Parser.parse(argv, {
    flags: Doctor.flags,
    args: Doctor.args,
    strict: Doctor.strict,
    context: { config: {} } as never,
  });
  return { flags: parsed.flags, ids: (parsed.argv as string[]).filter((a) => a.length > 0) };
}

/** Everyday command lines: the lean path takes them. */
const TAKEN: [string[]][] = [
  [[]],
  [['--json']],
  [['dns', '--json', 'daemon']],
  [['-C', 'x', '-v']],
  [['--project=x', '--verbose']],
  [['--project', 'dir with spaces']],
  [['-H', 'unix:///x.sock', 'daemon']],
  [['--host=tcp://127.0.0.1:2375']],
  [['--context', 'remote']],
  [['--fail-on', 'warning']],
  [['--fail-on=never', '--json']],
  [['--timeout', '0.5']],
  [['--timeout=soon']],
  [['--context-max-mb', '007', '--context-max-files=5']],
  [['--probe', '--fix', '--no-color']],
  [['-v', 'dns', '-C', 'dns']],
  [['dns', 'dns']],
  [[...ids]],
];

/** Help, commands, typos, usage errors, the probe options: oclif parses and answers them, as it always has. */
const LEFT_TO_OCLIF: [string[]][] = [
  [['--help']],
  [['-h']],
  [['dns', '--help']],
  [['help']],
  [['list']],
  [['explain', 'dns']],
  [['plugins']],
  [['lst']],
  [['deamon']],
  [['']],
  [['--version', 'dns']],
  [['--bogus']],
  [['--json', '--json']],
  [['--json=true']],
  [['-vC', 'x']],
  [['-C=x']],
  [['-C']],
  [['-C', '-v']],
  [['--project=']],
  [['--timeout', '-1']],
  [['--fail-on', 'sometimes']],
  [['--context-max-mb', '0']],
  [['--context-max-mb', '1.5']],
  [['--probe', '--probe-name', 'example.com']],
  [['--probe', '--probe-dns', '192.0.2.53', 'dns']],
  [['--', 'dns']],
];

describe('the lean parser reads a command line exactly as oclif does, or leaves it to oclif', () => {
  it.each<[string[]]>(TAKEN)('%j is taken, with the flags and ids oclif gives', async (argv) => {
    const lean = parseLeanArgv(argv, ids);
    expect(lean).toBeDefined();
    expect(lean).toEqual(await oclifParse(argv));
  });

  it.each<[string[]]>(LEFT_TO_OCLIF)('%j is left to oclif', (argv) => {
    expect(parseLeanArgv(argv, ids)).toBeUndefined();
  });

  it('no check id is also a command or topic, so a check id never stands for a command', async () => {
    const config = await Config.load(ROOT);
    for (const id of ids) {
      expect(config.findCommand(id)).toBeUndefined();
      expect(config.findTopic(id)).toBeUndefined();
    }
  });
});

describe('plugins send a run through oclif', () => {
  const pjson = { name: 'docker-doctor', oclif: { bin: 'docker-doctor', dirname: 'docker-doctor', plugins: ['@oclif/plugin-plugins'] } };
  const dataDir = (plugins?: unknown) => {
    const dir = tempDir('dd-data-');
    if (plugins !== undefined) writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, oclif: { plugins } }));
    return dir;
  };
  const env = (dir: string) => ({ DOCKER_DOCTOR_DATA_DIR: dir, HOME: '/nonexistent' });

  it('takes the lean path with no plugin list, or an empty one', () => {
    expect(mayHavePlugins(pjson, env(dataDir()), 'linux')).toBe(false);
    expect(mayHavePlugins(pjson, env(dataDir([])), 'linux')).toBe(false);
  });

  it.each(['user', 'link'])('leaves a run with a %s plugin to oclif, found where oclif looks', (type) => {
    const plugins = [{ name: 'acme', type, root: '/x' }];
    expect(mayHavePlugins(pjson, env(dataDir(plugins)), 'linux')).toBe(true);
    for (const [variable, under] of [
      ['XDG_DATA_HOME', ''],
      ['HOME', '.local/share'],
    ]) {
      const base = tempDir('dd-home-');
      mkdirSync(path.join(base, under, 'docker-doctor'), { recursive: true });
      writeFileSync(path.join(base, under, 'docker-doctor', 'package.json'), JSON.stringify({ oclif: { plugins } }));
      expect(mayHavePlugins(pjson, { HOME: '/nonexistent', [variable!]: base }, 'linux')).toBe(true);
    }
  });

  it('leaves to oclif anything it cannot be sure of', () => {
    const broken = tempDir('dd-data-');
    writeFileSync(path.join(broken, 'package.json'), '{ not json');
    expect(mayHavePlugins(pjson, env(broken), 'linux')).toBe(true);
    expect(mayHavePlugins({ ...pjson, oclif: { ...pjson.oclif, plugins: ['@acme/checks'] } }, env(dataDir()), 'linux')).toBe(true);
    expect(
      mayHavePlugins({ ...pjson, oclif: { ...pjson.oclif, hooks: { 'docker-doctor:checks': './x.js' } } }, env(dataDir()), 'linux'),
    ).toBe(true);
    expect(mayHavePlugins(pjson, { ...env(dataDir()), DOCKER_DOCTOR_DEBUG: '1' }, 'linux')).toBe(true);
    expect(mayHavePlugins(pjson, env(dataDir()), 'win32')).toBe(true);
  });
});
