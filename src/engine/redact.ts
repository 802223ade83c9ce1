import type { Finding } from './types.js';

export const REDACTED = '[redacted]';

/** Words that make a name secret: DB_PASSWORD, GITHUB_TOKEN, client_secret, apiKey, BASIC_AUTH, credentials… */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'passphrase',
  'pwd',
  'token',
  'tokens',
  'secret',
  'secrets',
  'apikey',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'creds',
  'cookie',
  'signature',
  'privatekey',
  'accesskey',
  'secretkey',
  // Redis's server options (redis-server --requirepass X, --masterauth X).
  'requirepass',
  'masterauth',
]);
/**
 * Words after a secret word that make the name describe the secret instead of holding it: TOKEN_TTL, SSH_AUTH_SOCK,
 * COOKIE_DOMAIN, PASSWORD_FILE.
 */
const METADATA_WORDS = new Set([
  'type',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'lifetime',
  'url',
  'uri',
  'endpoint',
  'path',
  'file',
  'dir',
  'name',
  'length',
  'size',
  'header',
  'domain',
  'prefix',
  'timeout',
  'max',
  'min',
  'enabled',
  'enable',
  'disabled',
  'method',
  'mode',
  'sock',
  'socket',
  'provider',
  'issuer',
  'audience',
  'algorithm',
  'format',
  'version',
  'count',
  'policy',
  'samesite',
  'secure',
  'httponly',
  'host',
  'port',
  'user',
  'username',
  'mechanism',
  'plugin',
  'strategy',
  'backend',
  'required',
  'hash',
  'rotation',
  'store',
]);
/** `key` holds a secret unless a word before it says it is a database or lookup key: primary_key, sort_key, cache_key. */
const LOOKUP_KEY_WORDS = new Set([
  'primary',
  'foreign',
  'sort',
  'partition',
  'range',
  'cache',
  'public',
  'hash',
  'unique',
  'composite',
  'lookup',
  'row',
  'object',
  'idempotency',
  'group',
  'routing',
  'shard',
  'index',
  'map',
  'dedup',
  'dedupe',
  'natural',
  'surrogate',
  'pub',
]);
/** Names of the shell's own state that look like secret words. */
const NOT_SECRET_NAMES = new Set(['pwd', 'oldpwd']);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isSecretName(name: string): boolean {
  if (NOT_SECRET_NAMES.has(name.toLowerCase())) return false;
  const words = nameWords(name);
  return words.some((word, i) => {
    const next = words[i + 1];
    if (next !== undefined && METADATA_WORDS.has(next)) return false;
    // PGPASSWORD, HTPASSWD, JWTSECRET, APITOKEN: a secret word glued to a prefix.
    if (SECRET_WORDS.has(word) || /(password|passwd|secret|token)$/.test(word)) return true;
    if (word === 'key' || word === 'keys') return i === 0 || !LOOKUP_KEY_WORDS.has(words[i - 1]!);
    return false;
  });
}

/** A 40-character string of mixed case and digits (the shape of a cloud secret key); a git SHA is lowercase hex and never matches. */
function looksLikeSecretKey(word: string): boolean {
  return /[a-z]/.test(word) && /[A-Z]/.test(word) && /[0-9]/.test(word);
}

/** One unquoted value in text: words up to the end of the line, stopping before the next flag or NAME= pair. */
const BARE_VALUE = String.raw`[^\s"',;]+(?:[ \t]+(?!-|[A-Za-z_][A-Za-z0-9_.-]*\s*[=:])[^\s"',;]+)*`;
/** One unquoted value in a shell command: a single word (a value with spaces would be quoted there). */
const BARE_WORD = String.raw`[^\s"',;]+`;

/** Tools whose short flag takes a password as the next word (for them only: `-a`/`-p` mean other things elsewhere). */
const PASSWORD_SHORT_FLAGS: Record<string, string> = { 'redis-cli': '-a', sshpass: '-p', mongo: '-p', mongosh: '-p' };

type Rule = [RegExp, (...groups: string[]) => string];

/** The rules, with the form an unquoted NAME=value takes: words to the end of the line in text, one word in a command. */
const rules = (bareValue: string): Rule[] => [
  // -----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, () => `-----BEGIN PRIVATE KEY----- ${REDACTED}`],
  // The body of a key whose BEGIN line fell outside a log tail.
  [/(?:^[A-Za-z0-9+/=]{40,}\r?\n)+-----END [A-Z ]*PRIVATE KEY-----/gm, () => `${REDACTED} -----END PRIVATE KEY-----`],
  // scheme://user:password@host. Started only where a run of scheme characters starts (the lookbehind), else each word
  // inside a long run (`a-a-a-…`) is a new start that scans the rest of it: quadratic. The run as a whole is kept.
  [/(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/[^\s:/@]*):([^\s@/]+)@/gi, (_m, userPart) => `${userPart}:${REDACTED}@`],
  // Authorization: Bearer xyz / Basic xyz
  [/\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  [/\b(bearer\s+|basic\s+)([A-Za-z0-9._~+/=-]{8,})/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  // "password": "x" in JSON-ish text
  [/("([A-Za-z0-9_.-]+)"\s*:\s*)"([^"]*)"/g, (m, prefix, name) => (isSecretName(name) ? `${prefix}"${REDACTED}"` : m)],
  // --password X, --api-key=X, and "--token=X" inside a written-out exec-form list
  [
    new RegExp(String.raw`(^|[\s"'\[])(--?([A-Za-z][A-Za-z0-9-]*))(=|[ \t]+)("[^"]*"|'[^']*'|[^\s"',;-][^\s"',;]*)`, 'g'),
    (m, lead, flag, name, sep, value) =>
      isSecretName(name) && !value.startsWith(REDACTED) && !/^\$\{?[A-Za-z_]/.test(value) ? `${lead}${flag}${sep}${REDACTED}` : m,
  ],
  // redis-cli -a X, sshpass -p X, mongosh -p X. The words between stop at the next such tool (here and in the two rules
  // below): each mention would otherwise scan the rest of its line, quadratic in a line of many mentions.
  [
    /\b(redis-cli|sshpass|mongo|mongosh)\b((?:(?!\b(?:redis-cli|sshpass|mongo|mongosh)\b)[^\n])*?\s)(-[ap])[ \t]+("[^"]*"|'[^']*'|[^\s"',;-][^\s"',;]*)/g,
    (m, tool, middle, flag) => (PASSWORD_SHORT_FLAGS[tool] === flag ? `${tool}${middle}${flag} ${REDACTED}` : m),
  ],
  // curl -u user:X, --user user:X, --proxy-user user:X (only curl: `docker run -u 1000:1000` is a uid and gid)
  [
    /\b(curl\b(?:(?!\bcurl\b)[^\n])*?\s(?:-u|-U|--user|--proxy-user)(?:=|[ \t]+)["']?[^\s:"']*):([^\s"']+)/g,
    (_m, head) => `${head}:${REDACTED}`,
  ],
  // mysql -pSECRET (the password glued to -p; only for the MySQL clients, where -p means password)
  [
    /\b(mysql|mysqladmin|mysqldump|mariadb|mariadb-dump|mariadb-admin)\b((?:(?!\b(?:mysql|mysqladmin|mysqldump|mariadb)\b)[^\n])*?\s)-p(?!\s|-)\S+/g,
    (_m, tool, middle) => `${tool}${middle}-p${REDACTED}`,
  ],
  // NAME=value, NAME: value. Not the last segment of a path (`/srv/passwd.conf:/etc/passwd` is a mount, `source:target`),
  // and not NAME:/path with nothing between (a named volume or a `file:/path`), which hold paths, not secrets.
  [
    // The separator stays on one line: `A=\nB=x` is an empty A, not A holding "B=x".
    new RegExp(String.raw`(?<![\w/.~-])([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*[=:][ \t]*)("[^"]*"|'[^']*'|${bareValue})`, 'g'),
    (m, name, sep, value) =>
      isSecretName(name) && !value.startsWith(REDACTED) && !/^\$\{?[A-Za-z_]/.test(value) && !(sep === ':' && /^(\.{0,2}|~)\//.test(value))
        ? `${name}${sep}${REDACTED}`
        : m,
  ],
  // Well-known token shapes that appear without a name: GitHub, GitLab, Slack, AWS key ids, OpenAI/Stripe, Google, npm, JWTs.
  [
    /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})\b/g,
    () => REDACTED,
  ],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, () => REDACTED],
  // (One that starts with / is an absolute path such as /srv/Data2024/MyProject/uploads, not a key: a fix must keep it.)
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, (m) => (looksLikeSecretKey(m) && !m.startsWith('/') ? REDACTED : m)],
  // A line that is nothing but a long run of base64: the body of a key or certificate whose markers are elsewhere.
  [/^[ \t]*[A-Za-z0-9+/]{60,}={0,2}[ \t]*$/gm, (m) => (looksLikeSecretKey(m) ? REDACTED : m)],
];

const TEXT_RULES = rules(BARE_VALUE);
const SHELL_RULES = rules(BARE_WORD);

export interface RedactOptions {
  /** Values known to be secret (what the container's or project's secret-named variables hold), removed wherever they are. */
  known?: readonly string[];
  /** The text is a shell command: an unquoted value ends at the first space. */
  shell?: boolean;
}

export function redactText(text: string, options: RedactOptions = {}): string {
  let out = withoutValues(text, options.known ?? []);
  out = redactLists(out);
  for (const [pattern, replace] of options.shell ? SHELL_RULES : TEXT_RULES)
    out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  return out;
}

/** The text with each of the values replaced by [redacted] (anything but a string, from a faulty engine, as it is). */
export function withoutValues<T>(text: T, values: readonly string[]): T {
  if (typeof text !== 'string') return text;
  let out: string = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out as T;
}

/**
 * The secret values among NAME=value pairs (a container's Config.Env, a service's environment): those of secret-named
 * variables that could not be mistaken for a word of the output. `postgres` or `changeme` would take every mention of
 * the image or the word with them; a value with a digit, a capital or a symbol, six characters or more, would not.
 */
export function secretValues(pairs: Iterable<readonly [string, string]>): string[] {
  const out = new Set<string>();
  for (const [name, value] of pairs) {
    if (!isSecretName(name) || value.length < 6 || /^[a-z]+$/.test(value) || /^\d+$/.test(value) || /^\$\{?[A-Za-z_]/.test(value)) continue;
    out.add(value);
  }
  // Longest first: a value that holds another is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** NAME=value strings (Config.Env) as pairs. */
export function envPairs(env: readonly string[] | null | undefined): [string, string][] {
  return (env ?? []).filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]);
}

/** A written-out list of strings: ["CMD", "redis-cli", "-a", "x"] in a fix, a title or a log line. */
const STRING_LIST = /\[\s*"(?:[^"\\\n]|\\.)*"(?:\s*,\s*"(?:[^"\\\n]|\\.)*")*\s*\]/g;
const LIST_ITEM = /"(?:[^"\\\n]|\\.)*"/g;

/** Redacts each written-out string list as an argument vector, keeping its layout. */
function redactLists(text: string): string {
  if (!text.includes('["')) return text;
  return text.replace(STRING_LIST, (list) => {
    let items: string[];
    try {
      items = JSON.parse(list) as string[];
    } catch {
      return list;
    }
    const redacted = redactArgv(items);
    let i = 0;
    return list.replace(LIST_ITEM, (item) => {
      const index = i++;
      return redacted[index] === items[index] ? item : JSON.stringify(redacted[index]);
    });
  });
}

/**
 * An argument vector (an exec-form command, a health check's test): a secret flag's value is the next element, where no
 * text rule can see it (`["app", "--password", "x"]`, `["redis-cli", "-a", "x"]`, `["curl", "-u", "me:x"]`).
 */
export function redactArgv(args: readonly string[]): string[] {
  const tools = new Set(args.map((a) => a.slice(a.lastIndexOf('/') + 1)));
  return args.map((arg, i) => {
    const flag = i > 0 ? args[i - 1]! : '';
    const long = /^--?([A-Za-z][A-Za-z0-9-]*)$/.exec(flag);
    if (long && isSecretName(long[1]!) && !arg.startsWith('-') && !/^\$\{?[A-Za-z_]/.test(arg)) return REDACTED;
    if (Object.entries(PASSWORD_SHORT_FLAGS).some(([tool, short]) => tools.has(tool) && flag === short)) return REDACTED;
    if (tools.has('curl') && /^(-u|-U|--user|--proxy-user)$/.test(flag) && arg.includes(':'))
      return `${arg.slice(0, arg.indexOf(':'))}:${REDACTED}`;
    return redactText(arg);
  });
}

/** Redacts strings anywhere in a value; values under secret-looking keys are dropped whole. */
export function redactValue(value: unknown, key?: string): unknown {
  if (key !== undefined && isSecretName(key) && value !== null && typeof value !== 'boolean' && typeof value !== 'number') return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return redactArgv(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

export function redactFinding(finding: Finding): Finding {
  return {
    ...finding,
    title: redactText(finding.title),
    // A daemon subject is the endpoint as given: ssh://me:pw@host must not reach the JSON through it.
    subject: { ...finding.subject, name: redactText(finding.subject.name) },
    explanation: redactText(finding.explanation),
    fixes: finding.fixes.map((fix) => ({
      ...fix,
      title: redactText(fix.title),
      ...(fix.command !== undefined ? { command: redactText(fix.command, { shell: true }) } : {}),
    })),
    ...(finding.evidence ? { evidence: redactValue(finding.evidence) as Record<string, unknown> } : {}),
  };
}
