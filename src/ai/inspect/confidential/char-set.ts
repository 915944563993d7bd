/** Character sets for the safe-pattern compiler and automaton. */

/**
 * A set of UTF-16 code units: an ASCII bitmap, and for code units above 127 `high`, flipped for the ones
 * in `extra` (so a negated class stays exact for the literals it names).
 */
export interface CharSet {
  readonly ascii: Uint8Array;
  readonly high: boolean;
  readonly extra?: ReadonlySet<number>;
}

/**
 * True when `c` is in `set`.
 *
 * @example inSet(DIGIT, "7".charCodeAt(0)) // true
 */
export function inSet(set: CharSet, c: number): boolean {
  if (c < 128) return set.ascii[c] === 1;
  return set.extra?.has(c) === true ? !set.high : set.high;
}

/**
 * The set of ASCII code units satisfying `pred`, plus all of the rest when `high`.
 *
 * @example setOf((c) => c === 35, false) // the set {#}
 */
export function setOf(pred: (c: number) => boolean, high: boolean): CharSet {
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = pred(c) ? 1 : 0;
  return { ascii, high };
}

/** ASCII digit, word character (`\w`) and whitespace (`\s`, ASCII) tests. */
export const isDigit = (c: number) => c >= 48 && c <= 57;
export const isWord = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
export const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** The shorthand classes: `\d \D \w \W \s \S` and `.` (anything but a line break). */
export const DIGIT = setOf(isDigit, false);
export const NOT_DIGIT = setOf((c) => !isDigit(c), true);
export const WORD_SET = setOf(isWord, false);
export const NOT_WORD = setOf((c) => !isWord(c), true);
export const SPACE_SET = setOf(isSpace, false);
export const NOT_SPACE = setOf((c) => !isSpace(c), true);
export const ANY = setOf((c) => c !== 10 && c !== 13, true);

/**
 * One code unit (both cases of an ASCII letter when `ignoreCase`).
 *
 * @example inSet(literal(65, true), 97) // true: "a" matches /A/i
 */
export function literal(code: number, ignoreCase: boolean): CharSet {
  const ascii = new Uint8Array(128);
  if (code >= 128) return { ascii, high: false, extra: new Set([code]) };
  ascii[code] = 1;
  if (ignoreCase && ((code >= 65 && code <= 90) || (code >= 97 && code <= 122))) ascii[code ^ 32] = 1;
  return { ascii, high: false };
}

/**
 * A class range `lo-hi` (outside ASCII, at most 4096 code units are listed).
 *
 * @example inSet(range(48, 57, false), 53) // true
 */
export function range(lo: number, hi: number, ignoreCase: boolean): CharSet {
  const ascii = new Uint8Array(128);
  for (let c = lo; c <= Math.min(hi, 127); c++) {
    ascii[c] = 1;
    if (ignoreCase && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) ascii[c ^ 32] = 1;
  }
  if (hi < 128) return { ascii, high: false };
  const extra = new Set<number>();
  for (let c = Math.max(lo, 128); c <= hi && extra.size < 4096; c++) extra.add(c);
  return { ascii, high: false, extra };
}

/**
 * The union of class members, complemented for `[^...]`.
 *
 * @example inSet(union([DIGIT], true), 65) // true: [^0-9] holds "A"
 */
export function union(sets: readonly CharSet[], negate: boolean): CharSet {
  const ascii = new Uint8Array(128);
  let high = false;
  const extra = new Set<number>();
  for (const s of sets) {
    for (let c = 0; c < 128; c++) if (s.ascii[c] === 1) ascii[c] = 1;
    if (s.high) high = true;
    for (const c of s.extra ?? []) extra.add(c);
  }
  // With any "all non-ASCII" member the union is all non-ASCII (the extras of the others add nothing).
  const out = high ? { ascii, high, extra: new Set<number>() } : { ascii, high, extra };
  if (!negate) return out;
  for (let c = 0; c < 128; c++) ascii[c] = ascii[c] === 1 ? 0 : 1;
  return { ascii, high: !out.high, extra: out.extra };
}
