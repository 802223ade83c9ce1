import type { Finding } from './types.js';

export const REDACTED = '[redacted]';

/** Names that hold secrets by convention: DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, api-key, credentials… */
const SECRET_NAME = /(pass(word|wd|phrase)?|pwd|token|secret|(^|[_.-])key$|api[_-]?key|private[_-]?key|access[_-]?key|credential|(^|[_.-])auth([_.-]|$)|^auth$|authorization|cookie|signature)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const RULES: [RegExp, (...groups: string[]) => string][] = [
  // -----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, () => `-----BEGIN PRIVATE KEY----- ${REDACTED}`],
  // scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):([^\s@/]+)@/gi, (_m, userPart) => `${userPart}:${REDACTED}@`],
  // Authorization: Bearer xyz / Basic xyz
  [/\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  [/\b(bearer\s+|basic\s+)([A-Za-z0-9._~+/=-]{8,})/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  // "password": "x" in JSON-ish text
  [/("([A-Za-z0-9_.-]+)"\s*:\s*)"([^"]*)"/g, (m, prefix, name) => (isSecretName(name) ? `${prefix}"${REDACTED}"` : m)],
  // NAME=value, NAME: value, --name=value
  [/\b([A-Za-z_][A-Za-z0-9_.-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"',;]+)/g, (m, name, sep, value) => (isSecretName(name) && !value.startsWith(REDACTED) && !/^\$\{?[A-Za-z_]/.test(value) ? `${name}${sep}${REDACTED}` : m)],
  // Well-known token shapes that appear without a name.
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpors]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9]{20,})\b/g, () => REDACTED],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replace] of RULES) out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  return out;
}

/** Redacts strings anywhere in a value; values under secret-looking keys are dropped whole. */
export function redactValue(value: unknown, key?: string): unknown {
  if (key !== undefined && isSecretName(key) && value !== null && typeof value !== 'boolean' && typeof value !== 'number') return REDACTED;
  if (typeof value === 'string') return redactText(value);
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
    explanation: redactText(finding.explanation),
    fixes: finding.fixes.map((fix) => ({ ...fix, title: redactText(fix.title), ...(fix.command !== undefined ? { command: redactText(fix.command) } : {}) })),
    ...(finding.evidence ? { evidence: redactValue(finding.evidence) as Record<string, unknown> } : {}),
  };
}
