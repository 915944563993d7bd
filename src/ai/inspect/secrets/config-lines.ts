import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { MAX_ALIGN, valueAt } from "./assignment.js";
import { credible, looksMadeUp } from "./credible.js";
import { KEY_HINT, keyKind } from "./key-names.js";
import { DEFAULT_PASSWORDS } from "./url-credentials.js";

/** Where the line of `pos` starts, if only blanks (at most MAX_ALIGN) come before `pos` on it; else -1. */
function lineStartBefore(text: string, pos: number): number {
  let i = pos;
  while (i > 0 && pos - i < MAX_ALIGN && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  return i === 0 || text.charCodeAt(i - 1) === 10 ? i : -1;
}

/** True when only blanks follow `pos` up to the end of its line. */
function restOfLineBlank(text: string, pos: number): boolean {
  let i = pos;
  while (i < text.length && i - pos < MAX_ALIGN) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9) return false;
    i++;
  }
  return i === text.length;
}

/** `.netrc`'s `machine host login user password ...` on one line: `login <user>` before `password`. */
const NETRC_LOGIN = /(?:^|[ \t])login[ \t]{1,8}\S{1,128}[ \t]{1,8}$/;

/**
 * Whitespace-separated settings: redis.conf `requirepass <pw>` and `masterauth <pw>`, `.netrc`'s
 * `password <pw>` on its own line or after `login <user>` (`machine h login u password p`). The value is
 * one word and ends its line (or, in `.netrc`, the token after `login`), so prose such as "password
 * reset is broken" is not read as a setting; a bare `password` line also needs a made-up value.
 */
function settingLine(text: string, start: number, end: number, scan: Scan): void {
  const next = text.charCodeAt(end);
  if (next !== 32 && next !== 9) return;
  const word = text.slice(start, end).toLowerCase();
  const atLineStart = lineStartBefore(text, start) !== -1;
  const afterLogin =
    word === "password" && !atLineStart && NETRC_LOGIN.test(text.slice(Math.max(0, start - 160), start));
  if (!atLineStart && !afterLogin) return;
  const v = valueAt(text, end, true);
  if (v === undefined) return;
  const value = text.slice(v.start, v.end);
  if (!afterLogin && !restOfLineBlank(text, v.end + (v.quoted ? 1 : 0))) return;
  if (word === "password" && !looksMadeUp(value)) return;
  if (DEFAULT_PASSWORDS.has(value.toLowerCase())) return;
  const confidence = credible(value, "password", v.quoted);
  if (confidence !== undefined)
    scan.emit("secret", "password", v.start, v.end, confidence, RANK.genericSecret);
}

/** Redis's password settings, whose names do not say "password". */
const REDIS_PASSWORDS = new Set(["requirepass", "masterauth"]);

/**
 * `set <name> <value>` commands: `aws configure set aws_secret_access_key ...`, Redis `CONFIG SET
 * requirepass ...`, `npm config set _authToken ...`. The name must be a credential's and the value, a
 * bare or quoted word on the same line, believable (and made up, unless it is an AWS secret key).
 */
function setCommand(text: string, _start: number, end: number, scan: Scan): void {
  if (text.charCodeAt(end) !== 32) return;
  let i = end + 1;
  while (i < text.length && i - end < 8 && text.charCodeAt(i) === 32) i++;
  const nameStart = i;
  while (i < text.length && i - nameStart < 64) {
    const c = text.charCodeAt(i);
    if (!(isIdentCode(c) || c === 46 || c === 58 || c === 47 || c === 45)) break;
    i++;
  }
  if (i - nameStart < 3 || (text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9)) return;
  const name = text.slice(nameStart, i);
  if (!KEY_HINT.test(name)) return;
  const kind = REDIS_PASSWORDS.has(name.toLowerCase()) ? "password" : keyKind(name);
  if (kind === undefined || kind === "weak") return;
  const v = valueAt(text, i, true);
  if (v === undefined) return;
  const value = text.slice(v.start, v.end);
  if (kind !== "aws" && !looksMadeUp(value)) return;
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
 * Register credentials in whitespace-separated config files (redis.conf, `.netrc`) and `set <name>
 * <value>` commands. `.pgpass` lines are read with URL credentials, at `:`.
 *
 * @example registerConfigLines(plan); // "requirepass u7kj4g20@&L548" -> password
 */
export function registerConfigLines(plan: Plan): void {
  for (const w of ["password", "requirepass", "masterauth"]) plan.word(w, settingLine);
  plan.word("set", setCommand);
}
