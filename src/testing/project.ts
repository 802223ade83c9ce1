import path from 'node:path';
import { loadCompose, type ComposeProject } from '../facts/project/compose.js';
import { parseDockerfile, type ParsedDockerfile } from '../facts/project/dockerfile.js';
import { memoryFs, type FakeFiles } from './memory-fs.js';

export interface ComposeProjectOptions {
  /** The project directory (default `/project`); the file is `<dir>/<file>`. */
  dir?: string;
  /** The compose file's name (default `compose.yaml`). */
  file?: string;
  /** Variables for interpolation, as the environment would give them. */
  env?: Record<string, string | undefined>;
  /** Other project files (`.env`, an `extends` target), relative to `dir`. */
  files?: Record<string, string>;
}

/**
 * A compose project from YAML text, loaded by the real compose loader over an in-memory fs: interpolation, anchors,
 * profiles and line numbers behave as they do on a user's machine. Malformed YAML gives a project with `problems`.
 *
 * @example await composeProject('services:\n  web:\n    image: nginx\n')
 */
export async function composeProject(yamlText: string, options: ComposeProjectOptions = {}): Promise<ComposeProject> {
  const dir = options.dir ?? '/project';
  const files: FakeFiles = { [path.join(dir, options.file ?? 'compose.yaml')]: yamlText };
  for (const [name, text] of Object.entries(options.files ?? {})) files[path.join(dir, name)] = text;
  const project = await loadCompose(memoryFs(files), dir, options.env ?? {});
  if (!project) throw new Error(`composeProject: no compose file found in ${dir} (is "${options.file}" a name compose reads?)`);
  return project;
}

/**
 * A Dockerfile parsed from text by the real parser, with its line numbers; `file` is its path in the project.
 *
 * @example dockerfile('FROM node:22\nCOPY . .\nRUN npm ci\n')
 */
export function dockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  return parseDockerfile(file, text);
}
