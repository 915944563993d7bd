import { isBlankCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { cjkAssignment } from "./cjk-credentials.js";
import { credible } from "./credible.js";
import { KEY_HINT, keyKind } from "./key-names.js";
import { siblingKeyKind } from "./sibling-key.js";

/**
 * Most spaces read between a key and its operator or value: `terraform fmt` and hand-aligned configs
 * line values up in a column (`password          = "..."`). Bounded so a run of spaces stays linear.
 */
export const MAX_ALIGN = 64;

/** A value's span in the text, and whether it was quoted. */
export interface Value {
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

/**
 * The value after an assignment operator ending at `from`, or undefined (bounded reads): a quoted string
 * (with `f`/`b`/`r`/`$`/`@` prefixes), or a bare word up to a blank or CJK punctuation or, unless
 * `wholeLine`, up to punctuation that ends a value in code.
 *
 * @example valueAt('= "s3cr3t!x"', 1, false) // { start: 3, end: 11, quoted: true }
 */
export function valueAt(text: string, from: number, wholeLine: boolean): Value | undefined {
  let i = from;
  const n = text.length;
  while (i < n && i - from < MAX_ALIGN && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
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
    if (isBlankCode(d) || isCjkPunctuation(d)) break;
    if (wholeLine) continue;
    if (d === 44 || d === 59 || d === 38 || d === 41 || d === 60 || d === 62 || d === 93) break;
    if (d === 125 || isQuote(d)) break;
    if (d === 40 || d === 91) return undefined; // a call or an index: code, not a literal
  }
  if (j === start + 256) return undefined; // too long for a credential
  return j > start ? { start, end: j, quoted: false } : undefined;
}

/**
 * CJK and fullwidth punctuation (`，` `。` `、` `；` `）` `」`): it ends a value written against Chinese or
 * Japanese text (`password：Tr0ub4dor，请保密`); no typed credential holds it.
 */
function isCjkPunctuation(c: number): boolean {
  if (c < 0x3000) return false;
  return (
    c <= 0x303f ||
    (c >= 0xff01 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20) ||
    (c >= 0xff3b && c <= 0xff40) ||
    (c >= 0xff5b && c <= 0xff65)
  );
}

/**
 * True for `"`, `'` and a backtick.
 *
 * @example isQuote(39) // true
 */
export function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

/** Last three letters (folded) of the key names that matter: password, secret, token, api_key, auth... */
const SUFFIXES = [
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
  "lue", // value: its sibling name or key attribute says what it holds
];

/** Three code units folded with `| 32`, packed in 24 bits. */
function suffixCode(a: number, b: number, c: number): number {
  return ((a | 32) << 16) | ((b | 32) << 8) | (c | 32);
}

const SUFFIX_CODES = new Set(
  SUFFIXES.map((x) => suffixCode(x.charCodeAt(0), x.charCodeAt(1), x.charCodeAt(2))),
);

/**
 * The suffixes by their low five bits a character: one array read rejects most names without hashing
 * (`=` and `:` are everywhere in code and logs). Digits and punctuation alias letters, so a hit is
 * confirmed against SUFFIX_CODES.
 */
const SUFFIX_TABLE = new Uint8Array(1 << 15);
for (const x of SUFFIXES) {
  SUFFIX_TABLE[((x.charCodeAt(0) & 31) << 10) | ((x.charCodeAt(1) & 31) << 5) | (x.charCodeAt(2) & 31)] = 1;
}

/** Cheap filter before reading the key: does the name before `pos` end like a credential key? */
function credentialSuffixBefore(text: string, pos: number): boolean {
  let i = pos;
  while (i > 0 && pos - i < MAX_ALIGN && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (i > 1 && text.charCodeAt(i - 1) === 93 && isQuote(text.charCodeAt(i - 2))) i--;
  if (i > 0 && isQuote(text.charCodeAt(i - 1))) i--;
  if (i < 3) return false;
  const a = text.charCodeAt(i - 3);
  const b = text.charCodeAt(i - 2);
  const c = text.charCodeAt(i - 1);
  if (SUFFIX_TABLE[((a & 31) << 10) | ((b & 31) << 5) | (c & 31)] === 0) return false;
  return SUFFIX_CODES.has(suffixCode(a, b, c));
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

/**
 * `password: str = "..."`, `apiKey: string = "..."`: the name before the type annotation. Only when a
 * `:` was seen within the 31 characters before `pos` (`scan.lastColon`): the walk back over type
 * characters would otherwise run over most `x = y` lines of code for nothing.
 */
function annotatedCredential(text: string, pos: number, lastColon: number): boolean {
  if (lastColon < pos - 31) return false;
  let i = pos;
  while (i > 0 && pos - i < 30 && isTypeCode(text.charCodeAt(i - 1))) i--;
  if (i === pos || i === 0 || text.charCodeAt(i - 1) !== 58) return false;
  return credentialSuffixBefore(text, i - 1);
}

/** The key before an operator at `pos`: `"api_key":`, `password =`, `apiKey: string =`. */
function keyBefore(text: string, pos: number): { key: string; start: number } | undefined {
  let i = pos;
  while (i > 0 && pos - i < MAX_ALIGN && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
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

/**
 * `key = value`, `key: value`, `"key": "value"`, `key => value`, `key := value` at `=` or `:`, and their
 * fullwidth forms (`password：…`, as typed with a Chinese or Japanese input method); keys written in
 * Chinese, Japanese or Korean (`密码：…`) are read by `cjkAssignment`.
 */
function assignment(text: string, pos: number, scan: Scan): void {
  const raw = text.charCodeAt(pos);
  const c = raw === FULLWIDTH_COLON ? 58 : raw === FULLWIDTH_EQUALS ? 61 : raw;
  if (c === 58) scan.lastColon = pos;
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
  if (!credentialSuffixBefore(text, pos) && !(c === 61 && annotatedCredential(text, pos, scan.lastColon))) {
    // A key in Chinese, Japanese or Korean (`密码：…`, `"パスワード": "…"`), or one and a particle (`密码是：…`).
    if (prev >= 0x80 || prev === 32 || prev === 9 || isQuote(prev)) cjkAssignment(text, pos, valueFrom, scan);
    return;
  }
  const k = keyBefore(text, pos);
  if (k === undefined) return;
  const key = k.key;
  const kind = keyKind(key) ?? (/^value$/i.test(key) ? siblingKeyKind(text, k.start) : undefined);
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
  plan.char(FULLWIDTH_COLON, assignment);
  plan.char(FULLWIDTH_EQUALS, assignment);
}

const FULLWIDTH_COLON = 0xff1a;
const FULLWIDTH_EQUALS = 0xff1d;
