/**
 * Character tables for the one-pass scan. Every UTF-16 code unit has a class byte (a 64 KB table, so the
 * hot loop is one array read per character with no branch on "is it ASCII"), and a case-folded code unit
 * for case-insensitive word hashing without allocating lower-cased strings.
 */

/** ASCII letter or digit. */
export const ALNUM = 1;
/** A letter outside ASCII (Latin-1 letters, Greek, Cyrillic, CJK...): part of words, not of tokens. */
export const LETTER_X = 2;
/** Word characters for the word loop (anchors, dictionaries). */
export const WORD = ALNUM | LETTER_X;
/** `_`: continues an identifier (so `my_ghp_x` does not start a token at `ghp`). */
export const UNDERSCORE = 4;
/** Identifier characters: a vendor prefix only counts at an identifier boundary. */
export const IDENT = WORD | UNDERSCORE;
/** `+ / _ -`: continue a base64 (or base64url) run besides letters and digits. */
export const B64_X = 8;
/** Punctuation that marks code: `{ } ( ) [ ] ; = < > | &`. */
export const CODE_PUNCT = 16;
/** Has a character handler in the current plan (set per plan, not here). */
export const SPECIAL = 32;
/** Whitespace (ASCII and the Unicode spaces that prose uses). */
export const SPACE = 64;

/**
 * Particles that join a noun to what is said of it, in Chinese (是, 为, 為) and Japanese (は, が, を),
 * written without spaces: `密码是Zx8k…`, `パスワードはZx8k…`. They are not word characters, so the words
 * on either side are read apart (`密码`, `Zx8k…`) and a handler registered at the particle sees both
 * (`secrets/cjk-credentials.ts`). Word matching splits phrases at them too (`toPhrase`), so dictionary
 * terms that contain one still match.
 */
export const PARTICLES = "是为為はがを";

function buildClasses(): Uint8Array {
  const t = new Uint8Array(65536);
  for (let c = 48; c <= 57; c++) t[c] = ALNUM;
  for (let c = 65; c <= 90; c++) t[c] = ALNUM;
  for (let c = 97; c <= 122; c++) t[c] = ALNUM;
  t[95] = UNDERSCORE | B64_X;
  t[43] = B64_X;
  t[47] = B64_X;
  t[45] = B64_X;
  for (const ch of "{}()[];=<>|&") t[ch.charCodeAt(0)] = CODE_PUNCT;
  for (const c of [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]) t[c] = SPACE;
  for (let c = 0x2000; c <= 0x200a; c++) t[c] = SPACE;
  for (let c = 0xc0; c < 65536; c++) {
    if (c === 0xd7 || c === 0xf7) continue; // × ÷
    if (c >= 0x2000 && c <= 0x2bff) continue; // punctuation, symbols, arrows, maths, box drawing
    if (c >= 0x3000 && c <= 0x303f) continue; // CJK punctuation
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogates: emoji and other astral symbols
    if (c >= 0xe000 && c <= 0xf8ff) continue; // private use
    if (c >= 0xfe00 && c <= 0xfe0f) continue; // variation selectors
    if (c >= 0xfe30 && c <= 0xfe4f) continue;
    if (c >= 0xff00 && c <= 0xff0f) continue; // fullwidth punctuation
    if (c >= 0xff1a && c <= 0xff20) continue; // fullwidth ： ； ＜ ＝ ＞ ？ ＠
    if (c >= 0xff3b && c <= 0xff40) continue;
    if (c >= 0xff5b && c <= 0xff65) continue; // fullwidth brackets and halfwidth CJK punctuation
    if (c === 0xfeff) continue;
    t[c] = LETTER_X;
  }
  for (let i = 0; i < PARTICLES.length; i++) t[PARTICLES.charCodeAt(i)] = 0;
  return t;
}

function buildFold(): Uint16Array {
  const f = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      f[c] = c;
      continue;
    }
    const lower = String.fromCharCode(c).toLowerCase();
    f[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
  }
  return f;
}

/** Class bits of every UTF-16 code unit. */
export const CLASSES: Uint8Array = buildClasses();
/** Simple lower-case mapping of every UTF-16 code unit (itself when it has no one-unit lower case). */
export const FOLD: Uint16Array = buildFold();

/**
 * The hash the scan computes for every word: case-folded, so anchors match in any case.
 *
 * @example wordHash("Ignore") === wordHash("ignore") // true
 */
export function wordHash(word: string): number {
  let h = 0;
  for (let i = 0; i < word.length; i++) h = (Math.imul(h, 31) + FOLD[word.charCodeAt(i)]!) | 0;
  return h;
}

/**
 * True when `text[start, end)` equals `lowerWord` case-insensitively (`lowerWord` is already folded).
 *
 * @example sameFolded("say IGNORE", 4, 10, "ignore") // true
 */
export function sameFolded(text: string, start: number, end: number, lowerWord: string): boolean {
  if (end - start !== lowerWord.length) return false;
  for (let i = 0; i < lowerWord.length; i++) {
    if (FOLD[text.charCodeAt(start + i)] !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Fold a string with the same table as the scan.
 *
 * @example fold("Project FALCON") // "project falcon"
 */
export function fold(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(FOLD[s.charCodeAt(i)]!);
  return out;
}

/**
 * True for ASCII letters, digits and `_`.
 *
 * @example isIdentCode("_".charCodeAt(0)) // true
 */
export function isIdentCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * True for ASCII digits.
 *
 * @example isDigitCode("7".charCodeAt(0)) // true
 */
export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * True for ASCII letters.
 *
 * @example isAlphaCode("é".charCodeAt(0)) // false
 */
export function isAlphaCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * True for ASCII hex digits.
 *
 * @example isHexCode("f".charCodeAt(0)) // true
 */
export function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Whitespace, exactly as `/\s/` has it, by code (a regex call per character is slow).
 *
 * @example isSpaceCode(0x3000) // true (the ideographic space)
 */
export function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * True for space, tab, CR and LF.
 *
 * @example isBlankCode("\t".charCodeAt(0)) // true
 */
export function isBlankCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
