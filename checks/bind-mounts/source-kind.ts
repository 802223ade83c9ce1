import path from 'node:path';
import type { ComposeVolume } from '../../src/facts/project/compose.js';

/** Extensions that name files (config, scripts, data, keys); an unknown suffix such as "v1.2" says nothing. */
const FILE_EXTENSION = new RegExp(
  `\\.(${[
    'conf|cfg|cnf|ini|ya?ml|json|toml|xml|env', // configuration
    'sh|bash|sql|js|mjs|cjs|ts|py|rb|php|lua|pl|txt|md', // scripts, code and text
    'pem|crt|cer|der|key|cert|csr|p12|pfx|jks|keystore|p7b|pub|asc|gpg', // certificates and keys
    'properties|lock|html?|css|csv|db|sqlite3?|log|htpasswd|rules|list|repo|service', // settings and data
    'tpl|template|j2|cf|zone|acl|cron|jar|war|so|bin', // templates, tables and binaries
  ].join('|')})$`,
  'i',
);
/** Dotfiles that are files. */
const DOTFILES = new Set([
  '.env',
  '.npmrc',
  '.yarnrc',
  '.bashrc',
  '.profile',
  '.gitconfig',
  '.htpasswd',
  '.htaccess',
  '.netrc',
  '.pgpass',
  '.my.cnf',
  '.pypirc',
  '.editorconfig',
]);
/** Files whose names have no extension: a Caddyfile mounted at /etc/caddy/Caddyfile is a file, never a directory. */
const PLAIN_FILES = new Set([
  'caddyfile',
  'dockerfile',
  'makefile',
  'gemfile',
  'procfile',
  'jenkinsfile',
  'vagrantfile',
  'brewfile',
  'pipfile',
  'passwd',
  'group',
  'shadow',
  'hosts',
  'hostname',
  'localtime',
  'timezone',
  'crontab',
  'authorized_keys',
  'known_hosts',
  'id_rsa',
  'id_ecdsa',
  'id_ed25519',
  'id_dsa',
  'htpasswd',
]);

export type IntendedKind = 'directory' | 'file' | 'unknown';

export type ImageConfig = { User?: string; WorkingDir?: string; Volumes?: Record<string, object> | null };

export function looksLikeFileName(name: string): boolean {
  return FILE_EXTENSION.test(name) || DOTFILES.has(name) || PLAIN_FILES.has(name.toLowerCase());
}

/**
 * What the compose file means the source to be. A trailing slash, a `.d` name (conf.d, initdb.d), the image's VOLUME
 * or WORKDIR, or no extension on either side mean a directory; a file extension or a well-known file name (Caddyfile)
 * means a file; anything else is unknown.
 */
export function intendedKind(volume: ComposeVolume, image: ImageConfig | undefined): IntendedKind {
  const written = volume.sourceAsWritten ?? volume.source ?? '';
  const names = [path.posix.basename(written), path.posix.basename(volume.target)];
  const target = volume.target.replace(/\/+$/, '') || '/';
  const dir =
    /\/$/.test(written) ||
    /\/$/.test(volume.target) ||
    names.some((n) => /\.d$/i.test(n)) ||
    Object.keys(image?.Volumes ?? {}).some((v) => v.replace(/\/+$/, '') === target) ||
    (image?.WorkingDir !== undefined && image.WorkingDir.replace(/\/+$/, '') === target);
  const file = names.some(looksLikeFileName);
  if (dir && !file) return 'directory';
  if (file && !dir) return 'file';
  if (dir || file) return 'unknown';
  const plain = (n: string) => n !== '' && !n.includes('.');
  return names.every(plain) ? 'directory' : 'unknown';
}

/**
 * What a missing file holds, for the fix: an empty file is a fine start only for logs, databases and lock files the
 * service fills itself (and Traefik's acme.json); certificates, keys and configuration need the user's own content.
 */
export type FileRole = { fillsItself: true; chmod?: string } | { fillsItself: false; noun: string };

export function fileRole(name: string): FileRole {
  const lower = name.toLowerCase();
  // Traefik refuses an ACME store readable by others.
  if (lower === 'acme.json') return { fillsItself: true, chmod: '600' };
  if (/\.(log|db|sqlite3?|lock)$/.test(lower)) return { fillsItself: true };
  if (/\.(pem|crt|cer|cert|der|p12|pfx|jks|keystore|p7b|csr)$/.test(lower)) return { fillsItself: false, noun: 'certificate' };
  if (/\.(key|pub|asc|gpg)$/.test(lower) || /^id_(rsa|ecdsa|ed25519|dsa)$/.test(lower)) return { fillsItself: false, noun: 'key' };
  if (/\.(sh|bash|py|rb|php|js|mjs|cjs|ts|pl|lua|sql)$/.test(lower)) return { fillsItself: false, noun: 'script' };
  if (
    /\.(conf|cfg|cnf|ini|ya?ml|json|toml|xml|env|properties|htpasswd|rules|tpl|template|j2|cf|zone|acl)$/.test(lower) ||
    DOTFILES.has(lower) ||
    PLAIN_FILES.has(lower)
  ) {
    return { fillsItself: false, noun: 'configuration file' };
  }
  return { fillsItself: false, noun: 'file' };
}

/**
 * Paths the host's OS or a running program provides, which no mkdir or touch can stand in for: kernel modules,
 * /proc, /sys and /dev entries, and sockets (made by the program that listens on them).
 */
export function hostProvided(source: string): 'kernel modules' | 'kernel interface' | 'socket' | undefined {
  if (/^\/(usr\/)?lib\/modules(\/|$)/.test(source)) return 'kernel modules';
  if (/^\/(proc|sys|dev)(\/|$)/.test(source)) return 'kernel interface';
  if (/\.sock$/.test(source)) return 'socket';
  return undefined;
}
