import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinChecks } from '../checks/index.js';
import { parseLeanArgv } from './commands/lean-argv.js';
import { checkFlags, runDoctor } from './commands/run-doctor.js';
import { CHECKS_HOOK, loadRegistry } from './engine/registry.js';
import { selectChecks } from './engine/select.js';

/**
 * The lean path: `docker-doctor [CHECK...]` run without oclif. Loading oclif and its configuration (plugin
 * discovery, manifests, a third of this bundle) costs about a third of a full run at 200 containers, and a plain
 * diagnose needs none of it when no plugin is installed. It takes an invocation only when oclif could not change
 * the outcome: the built-in catalogue alone (no user or linked plugin, so no `docker-doctor:checks` hook to run),
 * a command line the lean parser reads exactly as oclif does, flags that pass their checks. Anything else (help,
 * other commands, plugins, typos, usage errors, oclif's DEBUG) returns false having done nothing, and bin/run.js
 * hands it to oclif, which behaves as it always did.
 */
export async function runLean(root: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const pjson = readPackage(root);
  if (!pjson || env.DEBUG || mayHavePlugins(pjson, env)) return false;
  const { checks } = await loadRegistry(builtinChecks);
  const parsed = parseLeanArgv(argv, new Set(checks.map((c) => c.meta.id)));
  if (!parsed) return false;
  let settings;
  try {
    settings = checkFlags(parsed.flags);
  } catch {
    return false; // A usage error, or a -C directory that cannot even be examined: oclif reports it, as it always has.
  }
  // As oclif's Command does: `docker-doctor | head` closes stdout early, which is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  try {
    await runDoctor(selectChecks(checks, parsed.ids), parsed.flags, { ...settings, version: pjson.version ?? '0.0.0' });
  } catch (error) {
    // A crash is reported exactly as on the oclif path; only then is oclif loaded.
    await (
      await oclifHandle()
    )(error as Error);
  }
  return true;
}

/**
 * oclif's error handler. Bundled, the import gives oclif's CommonJS exports as `default` alone: a named `handle` was
 * undefined, and every crash was reported as "TypeError: f is not a function" with a stack trace.
 */
export async function oclifHandle(): Promise<(typeof import('@oclif/core'))['handle']> {
  const oclif: Partial<typeof import('@oclif/core')> & { default?: typeof import('@oclif/core') } = await import('@oclif/core');
  return oclif.handle ?? oclif.default!.handle;
}

interface PackageJson {
  name?: string;
  version?: string;
  oclif?: { bin?: string; binAliases?: string[]; dirname?: string; plugins?: string[]; devPlugins?: string[]; hooks?: object };
}

function readPackage(root: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** @oclif/plugin-plugins brings the `plugins` commands and no checks. */
const CORE_PLUGINS_WITHOUT_CHECKS = new Set(['@oclif/plugin-plugins']);

/**
 * Whether oclif's configuration could bring checks or change the run: a core plugin other than plugin-plugins, or a
 * user or linked plugin in oclif's data directory (what `plugins install` and `plugins link` record). Anything
 * unusual (Windows paths, bin aliases, an unreadable plugin list, scoped DEBUG) counts as yes.
 */
export function mayHavePlugins(pjson: PackageJson, env: NodeJS.ProcessEnv, platform = process.platform): boolean {
  const oclif = pjson.oclif ?? {};
  if ((oclif.plugins ?? []).some((p) => !CORE_PLUGINS_WITHOUT_CHECKS.has(p))) return true;
  if (oclif.devPlugins?.length || oclif.binAliases?.length || (oclif.hooks && CHECKS_HOOK in oclif.hooks)) return true;
  if (platform === 'win32') return true;
  const name = pjson.name ?? '';
  const scoped = (key: string) => env[`${(oclif.bin ?? name).replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()];
  if (scoped('DEBUG')) return true;
  // Where oclif's Config looks: $<BIN>_DATA_DIR, else $XDG_DATA_HOME or ~/.local/share, then the CLI's dirname.
  const home = env.HOME || os.homedir() || os.tmpdir();
  const dataDir = scoped('DATA_DIR') || path.join(env.XDG_DATA_HOME || path.join(home, '.local/share'), oclif.dirname ?? name);
  const plugins = userPlugins(path.join(dataDir, 'package.json'));
  return plugins === undefined || plugins.some((p) => isObject(p) && (p.type === 'user' || p.type === 'link'));
}

/** The plugin list oclif keeps in its data directory: [] when there is none, undefined when it cannot be read as oclif would. */
function userPlugins(file: string): unknown[] | undefined {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? [] : undefined;
  }
  try {
    const plugins = (JSON.parse(text) as { oclif?: { plugins?: unknown } }).oclif?.plugins;
    return plugins === undefined ? [] : Array.isArray(plugins) ? plugins : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
