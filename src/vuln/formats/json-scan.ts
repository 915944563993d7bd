// Scanning helpers of the streaming JSON reader (json-stream.ts): where a key or value ends, where a run
// of array elements can be cut, and where a UTF-8 chunk can be decoded without splitting a character.

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COMMA = 0x2c;

/**
 * A scan of one JSON key or value that can stop at the end of a piece of text and go on in the next:
 * strings (with escapes), nested objects and arrays, or a scalar up to its delimiter.
 */
export class ValueScan {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scalar = false;

  /** Index just past the value's end in `text` (scanning from `from`), or -1 when it goes on. */
  scan(text: string, from: number): number {
    const len = text.length;
    for (let i = from; i < len; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return i + 1;
        }
      } else if (this.scalar) {
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWs(c)) return i;
      } else if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) return i + 1;
      } else if (this.depth === 0 && !isWs(c)) this.scalar = true;
    }
    return -1;
  }
}

/** Index just past the closing quote of the string whose body starts at `p`, or -1 if incomplete. */
export function stringEnd(buf: string, p: number): number {
  for (;;) {
    // String#indexOf is a vectorised native scan; escaped quotes are rare, so look for them only on a hit.
    const q = buf.indexOf('"', p);
    if (q < 0) return -1;
    let k = q - 1;
    while (k >= p && buf.charCodeAt(k) === BACKSLASH) k--;
    if (((q - 1 - k) & 1) === 0) return q + 1;
    p = q + 1;
  }
}

/**
 * Index just past the JSON value starting at `p`, -1 when the text ends first, -2 when `p` cannot start
 * a value. Objects and arrays are matched by depth; strings are skipped whole so brackets inside them
 * do not count. Validation is left to JSON.parse on the slice.
 */
export function valueEnd(buf: string, p: number, final: boolean): number {
  const len = buf.length;
  const c = buf.charCodeAt(p);
  if (c === QUOTE) return stringEnd(buf, p + 1);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    while (p < len) {
      const b = buf.charCodeAt(p);
      if (b === QUOTE) {
        p = stringEnd(buf, p + 1);
        if (p < 0) return -1;
        continue;
      }
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return p + 1;
      }
      p++;
    }
    return -1;
  }
  // number, true, false, null: up to the next delimiter
  if (!(c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e)) return -2;
  while (p < len) {
    const b = buf.charCodeAt(p);
    if (
      b === COMMA ||
      b === CLOSE_BRACE ||
      b === CLOSE_BRACKET ||
      b === 0x20 ||
      b === 0x0a ||
      b === 0x0d ||
      b === 0x09
    ) {
      return p;
    }
    p++;
  }
  return final ? len : -1;
}

/**
 * Index just past the `}` of the last `}` `,` `{` sequence (whitespace allowed around the comma) in
 * buf[start, end), or -1. Searching backwards with lastIndexOf keeps this linear in what it skips.
 */
export function lastElementBoundary(buf: string, start: number, end: number): number {
  let open = buf.lastIndexOf("{", end - 1);
  for (let tries = 0; open > start && tries < 64; tries++) {
    let k = open - 1;
    while (k > start && isWs(buf.charCodeAt(k))) k--;
    if (buf.charCodeAt(k) === COMMA) {
      k--;
      while (k > start && isWs(buf.charCodeAt(k))) k--;
      if (buf.charCodeAt(k) === CLOSE_BRACE) return k + 1;
    }
    open = buf.lastIndexOf("{", open - 1);
  }
  return -1;
}

/** Index just past the first `}` that is followed (after whitespace) by `]`, from `start`; -1 if none. */
export function firstArrayEnd(buf: string, start: number, limit: number): number {
  for (
    let close = buf.indexOf("]", start);
    close > start && close < limit;
    close = buf.indexOf("]", close + 1)
  ) {
    let k = close - 1;
    while (k > start && isWs(buf.charCodeAt(k))) k--;
    if (buf.charCodeAt(k) === CLOSE_BRACE) return k + 1;
  }
  return -1;
}

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Length of the longest prefix of `b` that ends on a UTF-8 character boundary. */
export function completeUtf8Length(b: Buffer): number {
  const n = b.length;
  // Look back at most 3 bytes for the lead byte of a multi-byte sequence.
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const c = b[i]!;
    if (c < 0x80) return n; // ASCII: everything before is complete
    if (c >= 0xc0) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return n - i >= need ? n : i;
    }
  }
  return n;
}
