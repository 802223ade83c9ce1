import { isSecretName } from '../../src/engine/redact.js';

/**
 * Whether a file whose name looks secret holds a secret, judged by its text. Names alone are wrong half the time on
 * real projects: a `.gpg.key` holding a PGP public key, RFC 7919 DH groups in `dhparam/*.pem`, a public CA bundle,
 * an `.npmrc` of pnpm settings, an `.env` that only sets COMPOSE_PROJECT_NAME. `text` is undefined when the file
 * could not be read (binary files are read as text too): then the name decides, as before.
 */
export function holdsSecret(name: string, text: string | undefined): boolean {
  if (text === undefined) return true;
  if (text.trim() === '') return false; // nothing to leak
  if (/\.(pem|key|crt|cer)$|^id_(rsa|dsa|ecdsa|ed25519)$/.test(name) && PEM_BLOCK.test(text)) return pemHoldsPrivateKey(text);
  if (name === '.npmrc' || name === '.pypirc') return hasCredentialSetting(text);
  if (/^\.env(\..*)?$/.test(name)) return envHoldsSecret(text);
  // Keystores (.p12, .pfx, .kdbx), .netrc, .git-credentials, cloud credentials, keys that are not PEM: their name is
  // what they are.
  return true;
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 .]+-----/;

/** PEM block types that are public by design: certificates, requests, CRLs, public keys, key parameters, signatures. */
const PUBLIC_PEM =
  /^(CERTIFICATE|TRUSTED CERTIFICATE|X509 CRL|(NEW )?CERTIFICATE REQUEST|(RSA |SSH2 )?PUBLIC KEY|PGP PUBLIC KEY BLOCK|PGP SIGNATURE|(X9\.42 )?DH PARAMETERS|EC PARAMETERS)$/;

/**
 * A PEM file is secret unless every block in it is public: a certificate bundle, a PGP public key, RFC 7919 DH groups
 * are not; a private key anywhere in it (after the certificates of a fullchain) or a block of a type not known to be
 * public is.
 */
function pemHoldsPrivateKey(text: string): boolean {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 .]+)-----/g)].some((m) => !PUBLIC_PEM.test(m[1]!));
}

/**
 * npm and pip keep credentials under known keys (`_auth`, `_authToken`, `_password`, `//registry/:_authToken`,
 * `password`); a value that is an environment reference (`${NPM_TOKEN}`) is filled in at build time, not stored.
 */
function hasCredentialSetting(text: string): boolean {
  return text.split('\n').some((line) => {
    // ini lines (key = value; npm's scoped keys hold colons: //registry/:_authToken=…), or .pypirc's `password: x`.
    // Trimmed first, then split at the separator: no lazy group before a trailing \s*, which backtracks quadratically.
    const pair = splitSetting(line.trim(), '=') ?? (/^\w+\s*:/.test(line.trim()) ? splitSetting(line.trim(), ':') : undefined);
    if (!pair || /^[#;]/.test(pair[0])) return false;
    const key = pair[0].slice(pair[0].lastIndexOf(':') + 1);
    return /^(_auth|_authToken|_password|password|token)$/i.test(key) && pair[1] !== '' && !/^["']?\$\{?[A-Za-z_]/.test(pair[1]);
  });
}

/** An .env holds a secret when a secret-looking name has a value, or a URL carries a password (postgres://u:p@db). */
function envHoldsSecret(text: string): boolean {
  return text.split('\n').some((line) => {
    const pair = splitSetting(line.trim().replace(/^export\s+/, ''), '=');
    if (!pair || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(pair[0])) return false;
    const value = pair[1].replace(/^(["'])(.*)\1$/, '$2');
    if (value === '' || /^\$\{?[A-Za-z_]/.test(value)) return false;
    return isSecretName(pair[0]) || /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i.test(value);
  });
}

/** `key <sep> value` of a trimmed line, each side trimmed; undefined without a separator or with an empty key. */
function splitSetting(line: string, separator: string): [string, string] | undefined {
  const at = line.indexOf(separator);
  if (at <= 0) return undefined;
  const key = line.slice(0, at).trim();
  return key === '' ? undefined : [key, line.slice(at + 1).trim()];
}
