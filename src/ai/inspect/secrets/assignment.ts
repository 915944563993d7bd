import { isBlankCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { characterClasses, shannonEntropy } from "./entropy.js";

/** What a key name says about its value. */
export type KeyKind = "password" | "secret" | "weak" | "aws";

const KEY_HINT = /pass|pwd|secret|token|key|auth|cred|sig/i;

/** Last key segments that make the value something other than a credential (`token_url`, `key_id`). */
const NOT_A_CREDENTIAL_LAST = new Set(
  (
    "length len count size max min limit expiry expires expiration ttl timeout type name id ids path file " +
    "filename files dir directory url uri endpoint host header headers field prefix suffix format mode " +
    "version enabled enable disabled location store manager provider kind index spec schema template ref " +
    "arn env var variable column param query form input lifetime interval store storage cache counter " +
    "budget price cost usage"
  ).split(" "),
);

/** Key segments that make the value something other than a credential wherever they are. */
const NOT_A_CREDENTIAL_ANYWHERE = new Set(
  (
    "public pub publishable example sample fake dummy placeholder hint label description desc title prompt " +
    "regex pattern validator validation generator tokenizer tokenize tokens cert certificate fingerprint " +
    "thumbprint hash hashed digest algorithm alg policy policies rotation reset confirm confirmation " +
    "strength help error message text rule rules kid keyid keys"
  ).split(" "),
);

/** Split `dbPassword`, `DB_PASSWORD`, `db.password`, `x-api-key` into lower-case segments. */
function segments(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((s) => s.length > 0);
}

/**
 * How much a key name says its value is a credential: `password` kinds (password, passwd, pwd,
 * passphrase), `secret` kinds (secret, token, api key, access/private/client key, credentials, auth),
 * a bare `key` (weak: needs a more random value), or an AWS secret key.
 *
 * @example keyKind("DB_PASSWORD") // "password"; keyKind("token_url") // undefined
 */
export function keyKind(key: string): KeyKind | undefined {
  if (!KEY_HINT.test(key)) return undefined;
  const segs = segments(key);
  const last = segs[segs.length - 1];
  if (last === undefined || NOT_A_CREDENTIAL_LAST.has(last)) return undefined;
  if (segs.some((s) => NOT_A_CREDENTIAL_ANYWHERE.has(s))) return undefined;
  if (segs.includes("aws") && segs.some((s) => s.includes("secret"))) return "aws";
  if (segs.some((s) => /^(?:pass|passwd|pwd|pw|passw)$/.test(s) || /(?:password|passwd|passphrase)$/.test(s)))
    return "password";
  if (segs.some((s) => SECRET_WORD.test(s))) return "secret";
  const k = segs.indexOf("key");
  if (k > 0 && KEY_QUALIFIER.test(segs[k - 1]!)) return "secret";
  if (segs.length === 1 && segs[0] === "key") return "weak";
  return undefined;
}

const SECRET_WORD =
  /^(?:secret|secrets|token|apikey|credential|credentials|creds|auth|authorization|signature)$|(?:secret|token|apikey|accesskey|privatekey|secretkey|authkey)$/;
const KEY_QUALIFIER =
  /^(?:api|access|secret|private|master|signing|encryption|client|app|service|account|subscription|license|auth|session|shared|webhook|admin|root|x)$/;

interface Value {
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

/** The value after an assignment operator ending at `from`, or undefined (bounded reads). */
function valueAt(text: string, from: number, wholeLine: boolean): Value | undefined {
  let i = from;
  const n = text.length;
  while (i < n && i - from < 8 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  let c = text.charCodeAt(i);
  // String prefixes: f"", b"", r"", $"", @"".
  if ((c === 102 || c === 98 || c === 114 || c === 36 || c === 64) && isQuote(text.charCodeAt(i + 1))) {
    i++;
    c = text.charCodeAt(i);
  }
  if (isQuote(c)) {
    const start = i + 1;
    const limit = Math.min(n, start + 512);
    for (let j = start; j < limit; j++) {
      const d = text.charCodeAt(j);
      if (d === 92) {
        j++;
        continue;
      }
      if (d === c) return { start, end: j, quoted: true };
      if (d === 10 && c !== 96) return undefined;
    }
    return undefined;
  }
  const start = i;
  const limit = Math.min(n, start + 256);
  let j = start;
  for (; j < limit; j++) {
    const d = text.charCodeAt(j);
    if (isBlankCode(d)) break;
    if (wholeLine) continue;
    if (d === 44 || d === 59 || d === 38 || d === 41 || d === 60 || d === 62 || d === 93) break;
    if (d === 125 || isQuote(d)) break;
    if (d === 40 || d === 91) return undefined; // a call or an index: code, not a literal
  }
  if (j === start + 256) return undefined; // too long for a credential
  return j > start ? { start, end: j, quoted: false } : undefined;
}

function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

/** Last three letters (folded) of the key names that matter: password, secret, token, api_key, auth... */
const SUFFIXES = new Set(
  [
    "ord",
    "swd",
    "pwd",
    "ass",
    "ase",
    "ret",
    "ets",
    "ken",
    "key",
    "uth",
    "ion",
    "ial",
    "als",
    "eds",
    "ure",
    "sig",
  ].map((s) => (s.charCodeAt(0) << 16) | (s.charCodeAt(1) << 8) | s.charCodeAt(2)),
);

/** Cheap filter before reading the key: does the name before `pos` end like a credential key? */
function credentialSuffixBefore(text: string, pos: number): boolean {
  let i = pos;
  while (i > 0 && pos - i < 4 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (i > 1 && text.charCodeAt(i - 1) === 93 && isQuote(text.charCodeAt(i - 2))) i--;
  if (i > 0 && isQuote(text.charCodeAt(i - 1))) i--;
  if (i < 3) return false;
  const code =
    ((text.charCodeAt(i - 3) | 32) << 16) |
    ((text.charCodeAt(i - 2) | 32) << 8) |
    (text.charCodeAt(i - 1) | 32);
  return SUFFIXES.has(code);
}

/** Characters of a type annotation: `str`, `Optional[str]`, `string | null`, `Map<K, V>`. */
function isTypeCode(c: number): boolean {
  return (
    isIdentCode(c) ||
    c === 46 ||
    c === 60 ||
    c === 62 ||
    c === 91 ||
    c === 93 ||
    c === 124 ||
    c === 63 ||
    c === 32
  );
}

/** `password: str = "..."`, `apiKey: string = "..."`: the name before the type annotation. */
function annotatedCredential(text: string, pos: number): boolean {
  let i = pos;
  while (i > 0 && pos - i < 30 && isTypeCode(text.charCodeAt(i - 1))) i--;
  if (i === pos || i === 0 || text.charCodeAt(i - 1) !== 58) return false;
  return credentialSuffixBefore(text, i - 1);
}

/** The key before an operator at `pos`: `"api_key":`, `password =`, `apiKey: string =`. */
function keyBefore(text: string, pos: number): { key: string; start: number } | undefined {
  let i = pos;
  while (i > 0 && pos - i < 4 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (i > 1 && text.charCodeAt(i - 1) === 93 && isQuote(text.charCodeAt(i - 2))) i--; // $cfg['key'] =
  if (i > 0 && isQuote(text.charCodeAt(i - 1))) i--;
  const end = i;
  while (i > 0 && end - i < 64) {
    const c = text.charCodeAt(i - 1);
    if (isIdentCode(c) || c === 45 || c === 46 || c === 36) i--;
    else break;
  }
  if (end - i < 2) return undefined;
  const key = text.slice(i, end);
  // `password: str = "..."`: the type annotation is not the key; look one step further back.
  let j = i;
  while (j > 0 && i - j < 4 && text.charCodeAt(j - 1) === 32) j--;
  if (j > 0 && text.charCodeAt(j - 1) === 58 && /^[A-Za-z][\w.<>[\]]*$/.test(key) && !KEY_HINT.test(key)) {
    return keyBefore(text, j - 1);
  }
  return { key, start: i };
}

/** True when the key starts its line (`.env`, INI, shell `export`): a bare value then runs to the line end. */
function startsLine(text: string, keyStart: number): boolean {
  let i = keyStart;
  while (i > 0 && keyStart - i < 16 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (text.slice(Math.max(0, i - 7), i) === "export ") i -= 7;
  return i === 0 || text.charCodeAt(i - 1) === 10;
}

const FILE_LIKE = /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)|\.(?:pem|key|json|ya?ml|txt|crt|p12|pfx|env|cfg|ini)$/i;
const MEMBER_ACCESS = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/**
 * Is `value` believable as a credential for a key of `kind`? Returns a confidence or undefined.
 *
 * @example credible("S3cr3t!Passw0rd", "password", true) // 0.8
 */
export function credible(value: string, kind: KeyKind, quoted: boolean): number | undefined {
  const min = kind === "password" ? 6 : kind === "weak" ? 16 : kind === "aws" ? 40 : 10;
  if (value.length < min || value.length > 256) return undefined;
  if (isPlaceholder(value)) return undefined;
  if (/^(?:bearer|basic|token|digest)\s/i.test(value) || value.startsWith("-----BEGIN")) return undefined;
  if (/^https?:\/\//i.test(value) || FILE_LIKE.test(value)) return undefined;
  const spaces = value.split(" ").length - 1;
  if (spaces > (kind === "password" && quoted ? 3 : 0)) return undefined;
  if (/^\d+$/.test(value) && value.length < 20) return undefined;
  if (!quoted) {
    if (MEMBER_ACCESS.test(value) || /^[A-Za-z_]+$/.test(value)) return undefined;
    if (/^[A-Za-z_$][\w$.]*[([]/.test(value)) return undefined; // getpass(), os.environ["X"]
    if (/^[$%@!&*]/.test(value)) return undefined;
  }
  const h = shannonEntropy(value);
  const classes = characterClasses(value);
  if (kind === "aws") {
    return /^[A-Za-z0-9/+]{40}$/.test(value) && h >= 4 ? 0.9 : undefined;
  }
  if (kind === "password") {
    if (h < 2.2) return undefined;
    return h >= 3 && value.length >= 10 ? 0.8 : 0.7;
  }
  if (kind === "weak") {
    // A bare `key` names too many things (cache keys, i18n keys): only random-looking tokens count.
    if (!/^[A-Za-z0-9+/=_-]+$/.test(value) || h < 3.5) return undefined;
    return classes >= 3 || /^[0-9a-f]{32,}$/i.test(value) ? 0.6 : undefined;
  }
  if (h < 3) return undefined;
  if (classes < 2 && !(value.length >= 20 && h >= 3.5)) return undefined;
  if (/^[a-z]+(?:[-_][a-z]+)+$/.test(value)) return undefined; // kebab-case words: a name, not a key
  return value.length >= 20 && h >= 4 ? 0.85 : 0.75;
}

/** `key = value`, `key: value`, `"key": "value"`, `key => value`, `key := value` at `=` or `:`. */
function assignment(text: string, pos: number, scan: Scan): void {
  const c = text.charCodeAt(pos);
  const next = text.charCodeAt(pos + 1);
  const prev = pos > 0 ? text.charCodeAt(pos - 1) : 0;
  let valueFrom = pos + 1;
  if (c === 61) {
    if (next === 61 || next === 126) return; // == =~
    if (prev === 61 || prev === 33 || prev === 60 || prev === 62 || prev === 58 || prev === 43 || prev === 45)
      return;
    if (next === 62) valueFrom = pos + 2; // =>
  } else {
    if (next === 58 || prev === 58) return; // ::
    if (next === 47 && text.charCodeAt(pos + 2) === 47) return; // URL
    if (next === 61) valueFrom = pos + 2; // :=
  }
  if (!credentialSuffixBefore(text, pos) && !(c === 61 && annotatedCredential(text, pos))) return;
  const k = keyBefore(text, pos);
  if (k === undefined) return;
  const key = k.key;
  const kind = keyKind(key);
  if (kind === undefined) return;
  const envStyle = /^[A-Z][A-Z0-9_]*$|^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+$/.test(key); // DB_PASSWORD=, a.b.password=
  const v = valueAt(text, valueFrom, c === 61 && envStyle && startsLine(text, k.start));
  if (v === undefined) return;
  const value = text.slice(v.start, v.end);
  if (value.toLowerCase() === key.toLowerCase()) return;
  const confidence = credible(value, kind, v.quoted);
  if (confidence === undefined) return;
  const type = kind === "password" ? "password" : kind === "aws" ? "aws-secret-access-key" : "generic-secret";
  scan.emit(
    "secret",
    type,
    v.start,
    v.end,
    confidence,
    kind === "aws" ? RANK.contextSecret : RANK.genericSecret,
  );
}

/**
 * Register the generic, context-based secret checks at `=` and `:`.
 *
 * @example registerAssignments(plan); // password = "..." -> password
 */
export function registerAssignments(plan: Plan): void {
  plan.char(61, assignment);
  plan.char(58, assignment);
}
