/**
 * Shannon entropy of a string in bits per character. A random 32-character hex key scores about 3.7,
 * base64 about 4.8-5.2, an English word 2.5-3. Values are short (bounded by the callers), so a small
 * counting table is enough.
 *
 * @example shannonEntropy("aaaa") // 0
 */
export function shannonEntropy(value: string): number {
  const n = value.length;
  if (n === 0) return 0;
  counts.fill(0);
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) counts[c]!++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (let c = 0; c < 128; c++) {
    const k = counts[c]!;
    if (k > 0) h -= (k / n) * Math.log2(k / n);
  }
  for (const k of other?.values() ?? []) h -= (k / n) * Math.log2(k / n);
  return h;
}

/** Scratch counts for ASCII (entropy runs on one value at a time). */
const counts = new Uint32Array(128);

/**
 * How many of: lower-case letters, upper-case letters, digits, other characters, `value` mixes.
 *
 * @example characterClasses("aB3!") // 4
 */
export function characterClasses(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}
