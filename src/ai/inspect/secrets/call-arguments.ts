import { isSpaceCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { isQuote } from "./assignment.js";
import { credible, looksMadeUp } from "./credible.js";
import { shannonEntropy } from "./entropy.js";
import { keyKind, type KeyKind } from "./key-names.js";

/** Most characters of an argument list read from its `(`, and most brackets nested in it. */
const MAX_ARGS = 512;
const MAX_DEPTH = 8;

/**
 * Calls whose n-th argument (1-based) is a credential by the API's definition, with the receiver the
 * callee must have where its name alone is too common (`jwt.sign`, `hmac.new`, `x.login`).
 */
const CREDENTIAL_ARGUMENTS: readonly (readonly [
  callee: string,
  index: number,
  kind: KeyKind,
  receiver?: string,
])[] = [
  ["NetworkCredential", 2, "password"], // .NET: (user, password[, domain])
  ["getConnection", 3, "password"], // JDBC DriverManager: (url, user, password)
  ["UsernamePasswordCredentials", 2, "password"], // Apache HttpClient
  ["PasswordAuthentication", 2, "password"], // java.net: (user, "...".toCharArray())
  ["HTTPBasicAuth", 2, "password"], // Python requests
  ["HTTPDigestAuth", 2, "password"],
  ["SetBasicAuth", 2, "password"], // Go net/http
  ["setBasicAuth", 2, "password"],
  ["withBasicAuth", 2, "password"], // Laravel HTTP client
  ["login", 2, "password", "."], // smtplib, ftplib, imaplib: server.login(user, password)
  ["createHmac", 2, "secret"], // Node crypto: (algorithm, key)
  ["new", 1, "secret", "hmac."], // Python hmac.new(key, msg, digestmod)
  ["SecretKeySpec", 1, "secret"], // javax.crypto: ("...".getBytes(), "HmacSHA256")
  ["sign", 2, "secret", "jwt."], // jsonwebtoken: jwt.sign(payload, secret)
  ["verify", 2, "secret", "jwt."],
  ["encode", 2, "secret", "jwt."], // PyJWT: jwt.encode(payload, key, algorithm=...)
  ["decode", 2, "secret", "jwt."],
  ["BasicAWSCredentials", 2, "aws"], // AWS SDK for Java: (accessKey, secretKey)
  ["NewStaticCredentials", 2, "aws"], // AWS SDK for Go: (id, secret, token)
  ["NewStaticCredentialsProvider", 2, "aws"],
];

/** `.getBytes()`, `.toCharArray()`, `.encode()`, `.as_bytes()` after a string literal argument. */
const TO_BYTES = /^\.(?:getBytes|toCharArray|encode|as_bytes|into|to_vec)\([^()]{0,40}\)/;

/** Index of the next `quote` in `text[from, limit)`, or -1 (a bounded `indexOf`). */

function quoteBefore(text: string, from: number, quote: number, limit: number): number {
  for (let i = from; i < limit; i++) if (text.charCodeAt(i) === quote) return i;
  return -1;
}

/** Span of a string literal argument in `text[from, to)` (blanks around it; `b`/`@`/`u` prefixes), else undefined. */
function literal(text: string, from: number, to: number): { start: number; end: number } | undefined {
  let s = from;
  while (s < to && isSpaceCode(text.charCodeAt(s))) s++;
  let e = to;
  while (e > s && isSpaceCode(text.charCodeAt(e - 1))) e--;
  let q = text.charCodeAt(s);
  if (q === 98 || q === 64 || q === 117) q = text.charCodeAt(++s); // b"", @"", u""
  if (!isQuote(q)) return undefined;
  const close = quoteBefore(text, s + 1, q, e);
  if (close === -1) return undefined;
  const after = text.slice(close + 1, e);
  if (after !== "" && !TO_BYTES.test(after)) return undefined;
  return close > s + 1 ? { start: s + 1, end: close } : undefined;
}

/** The `index`-th argument of the call whose `(` is at `open`, when it is a string literal (bounded read). */
function argumentAt(text: string, open: number, index: number): { start: number; end: number } | undefined {
  const limit = Math.min(text.length, open + MAX_ARGS);
  let depth = 0;
  let arg = 1;
  let argStart = open + 1;
  for (let i = open + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (isQuote(c)) {
      const close = quoteBefore(text, i + 1, c, limit);
      if (close === -1) return undefined;
      i = close;
    } else if (c === 40 || c === 91 || c === 123) {
      if (++depth > MAX_DEPTH) return undefined;
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) {
        depth--;
        continue;
      }
      return arg === index && c === 41 ? literal(text, argStart, i) : undefined;
    } else if (c === 44 && depth === 0) {
      if (arg === index) return literal(text, argStart, i);
      arg++;
      argStart = i + 1;
    }
  }
  return undefined;
}

function positionalCredential(entry: (typeof CREDENTIAL_ARGUMENTS)[number]) {
  const [callee, index, kind, receiver] = entry;
  return (text: string, start: number, end: number, scan: Scan): void => {
    if (text.charCodeAt(end) !== 40 || text.slice(start, end) !== callee) return;
    if (receiver !== undefined && !text.startsWith(receiver, start - receiver.length)) return;
    const span = argumentAt(text, end, index);
    if (span === undefined) return;
    const value = text.slice(span.start, span.end);
    if (kind !== "aws" && !looksMadeUp(value)) return;
    const confidence = credible(value, kind, true);
    if (confidence === undefined) return;
    const type =
      kind === "password" ? "password" : kind === "aws" ? "aws-secret-access-key" : "generic-secret";
    scan.emit("secret", type, span.start, span.end, confidence, RANK.genericSecret);
  };
}

/** WordPress's authentication keys and salts (`define('AUTH_KEY', '...')`), secret though named plainly. */
const WORDPRESS_KEY = /^(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)$/;

/**
 * Calls whose first argument names a setting and whose second is its value (or its default): PHP
 * `define`, Java `System.setProperty`/`getProperty`, `setenv`, Python `os.environ.setdefault`/`.get`,
 * Go `os.Setenv`/`viper.SetDefault`, maps' and headers' `put`/`set`/`append`/`setHeader`.
 */
const SETTING_CALLS: ReadonlySet<string> = new Set(
  (
    "define setProperty getProperty setenv Setenv setdefault SetDefault set Set put Put setItem append " +
    "setHeader header withHeader get getenv"
  ).split(" "),
);

/**
 * `define('DB_PASSWORD', '...')`, `System.setProperty("javax.net.ssl.keyStorePassword", "...")`,
 * `os.environ.setdefault("SECRET_KEY", "...")`, `headers.put("X-Api-Key", "...")`: a quoted credential
 * name and a quoted value as the first two arguments. The value has no blanks and looks made up.
 */
function settingCall(text: string, start: number, end: number, scan: Scan): void {
  if (text.charCodeAt(end) !== 40) return;
  let q = end + 1;
  while (q < text.length && q - end < 16 && isSpaceCode(text.charCodeAt(q))) q++;
  if (!isQuote(text.charCodeAt(q)) || !SETTING_CALLS.has(text.slice(start, end))) return; // a quoted name first
  const name = argumentAt(text, end, 1);
  if (name === undefined) return;
  const key = text.slice(name.start, name.end);
  if (key.length > 80) return;
  const wordpress = WORDPRESS_KEY.test(key);
  const kind = wordpress ? "secret" : keyKind(key);
  if (kind === undefined || kind === "weak") return;
  const span = argumentAt(text, end, 2);
  if (span === undefined) return;
  const value = text.slice(span.start, span.end);
  if (wordpress) {
    // Generated by WordPress's secret-key service: 64 printable characters (blanks included).
    if (value.length >= 32 && shannonEntropy(value) >= 4.5 && !isPlaceholder(value)) {
      scan.emit("secret", "generic-secret", span.start, span.end, 0.85, RANK.genericSecret);
    }
    return;
  }
  if (/\s/.test(value) || !looksMadeUp(value)) return;
  const confidence = credible(value, kind, true);
  if (confidence === undefined) return;
  const type = kind === "password" ? "password" : kind === "aws" ? "aws-secret-access-key" : "generic-secret";
  scan.emit("secret", type, span.start, span.end, confidence, RANK.genericSecret);
}

/**
 * Register credentials passed as call arguments: at the positions well-known APIs define
 * (`new NetworkCredential(user, "...")`, `DriverManager.getConnection(url, user, "...")`,
 * `crypto.createHmac("sha256", "...")`, `jwt.sign(payload, "...")`...) and as a quoted key and value
 * (`define('DB_PASSWORD', '...')`).
 *
 * @example registerCallArguments(plan); // createHmac("sha256", "76a5...") -> generic-secret
 */
export function registerCallArguments(plan: Plan): void {
  for (const entry of CREDENTIAL_ARGUMENTS) plan.word(entry[0], positionalCredential(entry));
  for (const callee of SETTING_CALLS) plan.word(callee, settingCall);
}
