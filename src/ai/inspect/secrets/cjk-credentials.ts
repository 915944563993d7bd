import { PARTICLES, fold, isAlphaCode, isDigitCode, isIdentCode, sameFolded } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isQuote, type Value } from "./assignment.js";
import { credible, soundsMadeUp } from "./credible.js";
import { keyKind, type KeyKind } from "./key-names.js";

/**
 * Credentials named in Chinese, Japanese or Korean: `密码是Zx8k…`, `数据库密码为 …`, `パスワード：…`,
 * `APIキーは…`, `비밀번호는 …`, `토큰: …`. They are read as their English forms are: after a particle
 * (是, 为, は, 는...) as `password is …` (`said` in context-words.ts: the value must look made up, and
 * confidence is 0.1 lower), after an operator as `password: …` (`assignment`). Chinese and Japanese put
 * no space between words, so a value may follow the particle or operator directly; it is a run of
 * printable ASCII (or a quoted string) and ends where those scripts resume (`…R4w，请保密`, `…R4wです`).
 * Spaces may come before a particle too (`パスワード は …`). A value glued to the word before it is read
 * as said after a particle: after a Korean word and its particle (`비밀번호는Zx8k…`), and right after a
 * word in Han characters with none (`密码Zx8k…`), where it must also hold a letter and a digit (so
 * `密码2024-01-01到期` and `密钥AccessKey` stay quiet). Kana and Hangul words need a particle or an operator.
 *
 * Nothing here reads the text on its own: the checks run at a particle (not a word character, see
 * `PARTICLES` in chars.ts), at a Korean word ending in a particle (an anchor word: Korean is written with
 * spaces), where ASCII follows a letter outside ASCII in one word (`plan.glued`), and at `:`/`=`/`：`/`＝`
 * when the key before is not ASCII (`assignment`); each looks at most a few characters back and 256
 * forward.
 */

/** What a credential word names; "none" for words that end like one but are not (a pagination cursor). */
type Named = KeyKind | "none";

/** Credential words (ASCII letters in lower case: they are matched case-insensitively, `APIキー`). */
const WORDS: readonly (readonly [string, Named])[] = [
  // Chinese, simplified and traditional.
  ["密码", "password"],
  ["密碼", "password"],
  ["口令", "password"],
  ["密钥", "secret"],
  ["密鑰", "secret"],
  ["秘钥", "secret"],
  ["秘鑰", "secret"],
  ["金鑰", "secret"],
  ["私钥", "secret"],
  ["私鑰", "secret"],
  ["令牌", "secret"],
  ["凭据", "secret"],
  ["憑據", "secret"],
  ["凭证", "secret"],
  ["页令牌", "none"], // 分页令牌, 下一页令牌: like `nextPageToken`
  // Japanese.
  ["パスワード", "password"],
  ["パスフレーズ", "password"],
  ["トークン", "secret"],
  ["シークレット", "secret"],
  ["秘密鍵", "secret"],
  ["apiキー", "secret"],
  ["api キー", "secret"],
  ["アクセスキー", "secret"],
  ["シークレットキー", "secret"],
  ["秘密キー", "secret"],
  ["認証キー", "secret"],
  ["ページトークン", "none"],
  ["継続トークン", "none"],
  ["同期トークン", "none"],
  // Korean.
  ["비밀번호", "password"],
  ["패스워드", "password"],
  ["암호", "password"],
  ["토큰", "secret"],
  ["시크릿", "secret"],
  ["api키", "secret"],
  ["api 키", "secret"],
  ["액세스키", "secret"],
  ["액세스 키", "secret"],
  ["비밀키", "secret"],
  ["비밀 키", "secret"],
  ["시크릿키", "secret"],
  ["시크릿 키", "secret"],
  ["인증키", "secret"],
  ["인증 키", "secret"],
  ["페이지토큰", "none"],
  ["페이지 토큰", "none"],
];

/** Korean particles after a noun (topic, subject, object): `비밀번호는`, `토큰은`, `키가`, `비밀번호를`, `토큰을`. */
export const KOREAN_PARTICLES = "는은이가를을";

/** The credential words (lower case), for the stream's hold to know what a value follows. */
export const CJK_CREDENTIAL_WORDS: readonly string[] = WORDS.filter(([, named]) => named !== "none").map(
  ([word]) => word,
);

/**
 * Candidate words by their last code unit (one array read rejects a particle or key that follows
 * anything else), longest first so that `ページトークン` is tried before `トークン`.
 */
const FINALS = new Uint8Array(65536);
const CANDIDATES: [string, Named][][] = [[]];
for (const [word, named] of [...WORDS].sort((a, b) => b[0].length - a[0].length)) {
  const last = word.charCodeAt(word.length - 1);
  if (FINALS[last] === 0) {
    FINALS[last] = CANDIDATES.length;
    CANDIDATES.push([]);
  }
  CANDIDATES[FINALS[last]!]!.push([fold(word), named]);
}

/** Particles skipped between a key and its operator (`密码是：…`, `パスワードは: …`). */
const PARTICLE_CODES = new Set<number>();
for (const p of PARTICLES + KOREAN_PARTICLES) PARTICLE_CODES.add(p.charCodeAt(0));

/** Most spaces read around a particle or an operator (between a key and its value). */
const MAX_GAP = 8;
/** Longest value read; longer ones are not credentials (`credible` rejects them). */
const MAX_VALUE = 256;

/** Korean particles, by code (`비밀번호는Zx8k…`). */
const KOREAN_PARTICLE_CODES = new Set<number>();
for (const p of KOREAN_PARTICLES) KOREAN_PARTICLE_CODES.add(p.charCodeAt(0));

/** Space, tab and the ideographic space. */
function isGap(c: number): boolean {
  return c === 32 || c === 9 || c === 0x3000;
}

/** Where the spaces before `pos` start (at most MAX_GAP of them): `パスワード は` is read back to `ド`. */
function gapStart(text: string, pos: number): number {
  let i = pos;
  while (i > 0 && pos - i < MAX_GAP && isGap(text.charCodeAt(i - 1))) i--;
  return i;
}

/** A Han character (CJK unified ideographs): the last of `密码`, `令牌`, `秘密鍵`. */
function isHan(c: number): boolean {
  return c >= 0x4e00 && c <= 0x9fff;
}

/** True when `text[start, end)` holds an ASCII letter and a digit, as a random token does. */
function hasLetterAndDigit(text: string, start: number, end: number): boolean {
  let letter = false;
  let digit = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isAlphaCode(c)) letter = true;
    else if (isDigitCode(c)) digit = true;
  }
  return letter && digit;
}

/** The closing quote for an opening one: ASCII quotes, 「」, 『』, “”, ‘’; 0 for other characters. */
function closerOf(c: number): number {
  if (isQuote(c)) return c;
  if (c === 0x300c || c === 0x300e) return c + 1;
  if (c === 0x201c || c === 0x2018) return c + 1;
  return 0;
}

/** A quote that closes a key (`"密码": …`, `「パスワード」：…`). */
function isCloser(c: number): boolean {
  return isQuote(c) || c === 0x300d || c === 0x300f || c === 0x201d || c === 0x2019;
}

/** Characters of an unquoted value: printable ASCII but quotes and `, ; < > ( )` (as `said` has them). */
function isValueCode(c: number): boolean {
  return (
    c > 32 &&
    c < 127 &&
    c !== 34 &&
    c !== 39 &&
    c !== 96 &&
    c !== 44 &&
    c !== 59 &&
    c !== 60 &&
    c !== 62 &&
    c !== 40 &&
    c !== 41
  );
}

/**
 * What the credential word (or, when `ascii`, the ASCII key name) ending at `end` names: `密码` and
 * `パスワード` a password, `令牌` and `APIキー` a secret, `password` and `api_token` what `keyKind` says.
 */
function namedBefore(text: string, end: number, ascii: boolean): KeyKind | undefined {
  if (end <= 0) return undefined;
  const last = text.charCodeAt(end - 1);
  const index = FINALS[last]!;
  if (index !== 0) {
    for (const [word, named] of CANDIDATES[index]!) {
      if (end >= word.length && sameFolded(text, end - word.length, end, word))
        return named === "none" ? undefined : named;
    }
    return undefined;
  }
  if (!ascii || !isIdentCode(last)) return undefined;
  let i = end;
  while (i > 0 && end - i < 64) {
    const c = text.charCodeAt(i - 1);
    if (isIdentCode(c) || c === 45 || c === 46) i--;
    else break;
  }
  return end - i >= 2 ? keyKind(text.slice(i, end)) : undefined;
}

/**
 * The value starting at `from` (after spaces): a quoted string, or a run of printable ASCII (in `prose`,
 * without a sentence's last `.`, `!` or `?` before a space or the end). Undefined when none starts there,
 * or an operator does (`密码是：…` is read at the `：`).
 */
function valueAfter(text: string, from: number, prose: boolean): Value | undefined {
  const n = text.length;
  let i = from;
  while (i < n && i - from < MAX_GAP && isGap(text.charCodeAt(i))) i++;
  const c = text.charCodeAt(i);
  const close = closerOf(c);
  if (close !== 0) {
    const start = i + 1;
    const limit = Math.min(n, start + MAX_VALUE + 1);
    for (let j = start; j < limit; j++) {
      const d = text.charCodeAt(j);
      if (d === 92 && close < 128) j++;
      else if (d === close) return j > start ? { start, end: j, quoted: true } : undefined;
      else if (d === 10) return undefined;
    }
    return undefined;
  }
  if (c === 58 || c === 61) return undefined;
  const limit = Math.min(n, i + MAX_VALUE + 1);
  let j = i;
  while (j < limit && isValueCode(text.charCodeAt(j))) j++;
  // Said in prose, a sentence may end right after the value (`密码是Zx8k… .`): its `.`, `!` or `?` is
  // the sentence's when a space or the end follows. After an operator it is the value's.
  const last = text.charCodeAt(j - 1);
  const after = text.charCodeAt(j);
  if (
    prose &&
    j - i > 1 &&
    (last === 46 || last === 33 || last === 63) &&
    (j >= n || isGap(after) || after === 10)
  )
    j--;
  return j > i ? { start: i, end: j, quoted: false } : undefined;
}

/** Report `v` as a credential of `kind`, by the rules of `said` (prose) or of `assignment`. */
function report(text: string, v: Value, kind: KeyKind, said: boolean, scan: Scan): void {
  const value = text.slice(v.start, v.end);
  if (said && !soundsMadeUp(value)) return;
  const confidence = credible(value, kind, said || v.quoted);
  if (confidence === undefined) return;
  const type = kind === "password" ? "password" : kind === "aws" ? "aws-secret-access-key" : "generic-secret";
  scan.emit(
    "secret",
    type,
    v.start,
    v.end,
    said ? confidence - 0.1 : confidence,
    kind === "aws" ? RANK.contextSecret : RANK.genericSecret,
  );
}

/** At a Chinese or Japanese particle: `密码是Zx8k…`, `パスワード は Zx8k…`, `API token是…`. */
function afterParticle(text: string, pos: number, scan: Scan): void {
  const kind = namedBefore(text, gapStart(text, pos), true);
  if (kind === undefined) return;
  const v = valueAfter(text, pos + 1, true);
  if (v !== undefined) report(text, v, kind, true, scan);
}

/** At a Korean credential word with its particle (an anchor word): `비밀번호는 Zx8k…`, `API 키는 …`. */
function koreanWord(text: string, _start: number, end: number, scan: Scan): void {
  const kind = namedBefore(text, end - 1, false);
  if (kind === undefined) return;
  const v = valueAfter(text, end, true);
  if (v !== undefined) report(text, v, kind, true, scan);
}

/**
 * Where a value is glued to the word before it (`plan.glued`, `pos` its first character): after a Korean
 * credential word and its particle (`비밀번호는Zx8k…`), or a word in Han characters (`密码Zx8k…`: then it
 * must hold a letter and a digit too). Either is read as said after a particle.
 */
function gluedValue(text: string, pos: number, scan: Scan): void {
  const particle = KOREAN_PARTICLE_CODES.has(text.charCodeAt(pos - 1));
  if (!particle && !isHan(text.charCodeAt(pos - 1))) return;
  const kind = namedBefore(text, particle ? pos - 1 : pos, false);
  if (kind === undefined) return;
  const v = valueAfter(text, pos, true);
  if (v === undefined || (!particle && !hasLetterAndDigit(text, v.start, v.end))) return;
  report(text, v, kind, true, scan);
}

/**
 * At an operator (`:`, `=`, `：`, `＝`, at `pos`) whose key is not an ASCII name: `密码：…`,
 * `"パスワード": "…"`, `비밀번호 = …`, or a key and a particle (`密码是：…`, `token为：…`). `valueFrom` is
 * where the value may start (after `:=` or `=>`). Called by `assignment` for operators its own key check
 * rejected.
 *
 * @example cjkAssignment("密码：Zx8kq2LmP9vTqR4w", 2, 3, scan) // password "Zx8kq2LmP9vTqR4w"
 */
export function cjkAssignment(text: string, pos: number, valueFrom: number, scan: Scan): void {
  let i = gapStart(text, pos);
  if (i > 0 && isCloser(text.charCodeAt(i - 1))) i--;
  const particle = i > 0 && PARTICLE_CODES.has(text.charCodeAt(i - 1));
  const kind = namedBefore(text, particle ? gapStart(text, i - 1) : i, particle);
  if (kind === undefined) return;
  const v = valueAfter(text, valueFrom, false);
  if (v !== undefined) report(text, v, kind, false, scan);
}

/**
 * Register credentials named in Chinese, Japanese and Korean and said with a particle (`密码是…`,
 * `パスワードは…`, `비밀번호는 …`) or glued to their word (`密码Zx8k…`, `비밀번호는Zx8k…`); those given
 * with an operator are read by `assignment`.
 *
 * @example registerCjkCredentials(plan); // "数据库密码为 Zx8kq2LmP9vTqR4w" -> password
 */
export function registerCjkCredentials(plan: Plan): void {
  for (let i = 0; i < PARTICLES.length; i++) plan.char(PARTICLES.charCodeAt(i), afterParticle);
  const anchors = new Set<string>();
  for (const [word, named] of WORDS) {
    if (named === "none" || !/[\uac00-\ud7a3]/.test(word)) continue;
    const last = word.slice(word.lastIndexOf(" ") + 1);
    for (const p of KOREAN_PARTICLES) anchors.add(last + p);
  }
  for (const a of anchors) plan.word(a, koreanWord);
  plan.glued(gluedValue);
}
