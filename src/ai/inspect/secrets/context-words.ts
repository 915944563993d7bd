import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { credible } from "./assignment.js";
import { characterClasses, shannonEntropy } from "./entropy.js";

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

const SAID = /[ \t]{1,3}(?:is|was)[ \t]{1,3}["'`]?([^\s"'`,;<>()]{6,128})/y;

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
  const upper = value.replace(/[^A-Z]/g, "").length;
  const lower = value.replace(/[^a-z]/g, "").length;
  if (!/[\d\W_]/.test(value) && !(upper >= 2 && lower >= 2)) return;
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

/**
 * Register header schemes (`Bearer`, `Basic`) and credentials said in prose.
 *
 * @example registerContextWords(plan); // "Authorization: Bearer ..." -> bearer-token
 */
export function registerContextWords(plan: Plan): void {
  plan.word("bearer", bearer);
  plan.word("basic", basic);
  for (const w of ["password", "passphrase", "passcode", "pwd", "token", "secret"]) plan.word(w, said);
}
