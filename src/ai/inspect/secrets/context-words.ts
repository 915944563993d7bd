import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { registerCjkCredentials } from "./cjk-credentials.js";
import { credible, looksMadeUp, soundsMadeUp } from "./credible.js";
import { characterClasses, shannonEntropy } from "./entropy.js";
import { DEFAULT_PASSWORDS } from "./url-credentials.js";

const BEARER = /[ \t]{1,2}([A-Za-z0-9._~+/=-]{16,2048})/y;
const BASIC = /[ \t]{1,2}([A-Za-z0-9+/]{8,400}={0,2})/y;

/** `Bearer <token>` (an Authorization header, a curl -H, a log line). */
function bearer(text: string, _start: number, end: number, scan: Scan): void {
  BEARER.lastIndex = end;
  const m = BEARER.exec(text);
  if (m === null) return;
  const token = m[1]!;
  const tokenEnd = end + m[0].length;
  if (tokenEnd < text.length && isIdentCode(text.charCodeAt(tokenEnd))) return;
  if (isPlaceholder(token) || shannonEntropy(token) < 3 || characterClasses(token) < 2) return;
  scan.emit("secret", "bearer-token", tokenEnd - token.length, tokenEnd, 0.85, RANK.contextSecret);
}

/** `Basic <base64 of user:password>`. */
function basic(text: string, _start: number, end: number, scan: Scan): void {
  BASIC.lastIndex = end;
  const m = BASIC.exec(text);
  if (m === null) return;
  const encoded = m[1]!;
  const tokenEnd = end + m[0].length;
  if (tokenEnd < text.length && isIdentCode(text.charCodeAt(tokenEnd))) return;
  const decoded = Buffer.from(encoded, "base64").toString("latin1");
  const colon = decoded.indexOf(":");
  if (colon < 1 || colon === decoded.length - 1 || !/^[\x20-\x7e]+$/.test(decoded)) return;
  const password = decoded.slice(colon + 1);
  if (isPlaceholder(password) || password.length < 3) return;
  scan.emit(
    "secret",
    "basic-auth-credentials",
    tokenEnd - encoded.length,
    tokenEnd,
    0.85,
    RANK.contextSecret,
  );
}

/** The value after "is": no quotes, `, ; < > ( )` or CJK and fullwidth punctuation (`…R4w，请保密`). */
const SAID =
  /[ \t]{1,3}(?:is|was)[ \t]{1,3}["'`]?([^\s"'`,;<>()\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]{6,128})/y;

/**
 * Credentials said in prose: "the wifi password is x7K9-mQ2p", "my token was 8f3a...". The value must
 * look made up (a digit or a symbol, or mixed case), so "the password is incorrect" stays quiet.
 */
function said(text: string, start: number, end: number, scan: Scan): void {
  const next = text.charCodeAt(end);
  if (next !== 32 && next !== 9) return;
  SAID.lastIndex = end;
  const m = SAID.exec(text);
  if (m === null) return;
  let value = m[1]!;
  if (value.endsWith(".") || value.endsWith("!") || value.endsWith("?")) value = value.slice(0, -1);
  if (!soundsMadeUp(value)) return;
  const word = text.slice(start, end).toLowerCase();
  const kind = word.startsWith("pass") || word === "pwd" ? "password" : "secret";
  const confidence = credible(value, kind, true);
  if (confidence === undefined) return;
  const valueEnd = end + m[0].length - (m[1]!.length - value.length);
  scan.emit(
    "secret",
    kind === "password" ? "password" : "generic-secret",
    valueEnd - value.length,
    valueEnd,
    confidence - 0.1,
    RANK.genericSecret,
  );
}

/** The verb after "login"/"credentials" and the words between (no sentence end): "for the grafana box is". */
const LOGIN_VERB = /^(?:[^\n.!?;]|\.(?=\S)){0,48}?[ \t](?:is|are|was|were)[ \t]{1,3}|^[ \t]{0,3}:[ \t]{1,3}/;
/** `user / password`, `user/password`, `user:password` (not `https://`). */
const LOGIN_PAIR =
  /^["'`]?([\w.@+-]{1,64})(?:[ \t]{1,3}\/[ \t]{1,3}|\/|[ \t]{0,3}:[ \t]{0,3})([^\s"'`]{6,64})/;

/**
 * A user and password said in prose: "the login for the grafana box is admin / S3cr3t!", "creds are
 * deploy:Xk29!mq", "credentials: svc/p4ss-W0rd". Only the password is reported, and it must look made
 * up, so "the login is at https://..." and "credentials are OAuth / OIDC-based" stay quiet. Reads at most
 * 128 characters after the word.
 */
function saidPair(text: string, _start: number, end: number, scan: Scan): void {
  const next = text.charCodeAt(end);
  if (next !== 32 && next !== 9 && next !== 58) return;
  const window = text.slice(end, Math.min(text.length, end + 128));
  const verb = LOGIN_VERB.exec(window);
  if (verb === null) return;
  const rest = window.slice(verb[0].length);
  const m = LOGIN_PAIR.exec(rest);
  if (m === null) return;
  const user = m[1]!;
  let password = m[2]!;
  if (password.startsWith("/") || (m[0].includes("/") && password.includes("/"))) return; // a URL or a path
  if (/[.,;]$/.test(password)) password = password.slice(0, -1);
  if (password === user || DEFAULT_PASSWORDS.has(password.toLowerCase()) || !looksMadeUp(password)) return;
  const confidence = credible(password, "password", true);
  if (confidence === undefined) return;
  const valueStart = end + verb[0].length + m[0].length - m[2]!.length;
  scan.emit(
    "secret",
    "password",
    valueStart,
    valueStart + password.length,
    confidence - 0.1,
    RANK.genericSecret,
  );
}

/**
 * Register header schemes (`Bearer`, `Basic`) and credentials said in prose (a password or token, or a
 * user and password; in Chinese, Japanese and Korean too: `密码是…`, `パスワードは…`, `비밀번호는 …`).
 *
 * @example registerContextWords(plan); // "Authorization: Bearer ..." -> bearer-token
 */
export function registerContextWords(plan: Plan): void {
  plan.word("bearer", bearer);
  plan.word("basic", basic);
  for (const w of ["password", "passphrase", "passcode", "pwd", "token", "secret"]) plan.word(w, said);
  for (const w of ["login", "logins", "credentials", "credential", "creds"]) plan.word(w, saidPair);
  registerCjkCredentials(plan);
}
