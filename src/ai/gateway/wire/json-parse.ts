import { randomBytes } from "node:crypto";

/**
 * JSON in and out without changing its numbers. `JSON.parse` reads every number as a double: an integer
 * beyond 2^53 loses its last digits (`12345678901234567891` becomes `12345678901234567000`), and one
 * beyond the double range becomes Infinity, which `JSON.stringify` writes as `null`. The gateway
 * re-serializes what it redacts or reroutes, so without this a tool result's 64-bit order id would reach
 * the model changed, and the detectors would read digits that were never sent. Readers that parse
 * integers exactly (Python's `json`, Go's `json.Number`) would see the
 * difference; a fraction or an exponent is read as a double by every reader, so only integers and
 * overflows are kept.
 *
 * `parseJson` is `JSON.parse` but for such numbers, which it keeps as written (`JsonNumber`);
 * `stringifyJson` writes them back as they came.
 *
 * @example stringifyJson(parseJson('{"id": 12345678901234567891}').value); // '{"id":12345678901234567891}'
 */

/**
 * A JSON number that a double would change, as it was written: an integer beyond 2^53, or an overflow.
 * The detectors read an `integer` one's digits; being an object, it is ignored by readers of numbers.
 */
export class JsonNumber {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  /** Written as an integer (digits, maybe after a minus), not with a fraction or an exponent. */
  get integer(): boolean {
    return INTEGER.test(this.#token);
  }

  /** The number as written. */
  toString(): string {
    return this.#token;
  }

  /** What `JSON.stringify` writes for it: a marked string that `stringifyJson` turns back into the number. */
  toJSON(): string {
    return MARK + this.#token;
  }
}

const INTEGER = /^-?[0-9]+$/;
const TWO_53 = 2 ** 53;

/**
 * Marks a kept number in a string: a NUL and a nonce of this process, which no client can write, as it
 * never leaves the process (`stringifyJson` turns every mark back into the number).
 */
const NONCE = randomBytes(12).toString("hex");
const MARK = `\u0000${NONCE}:`;
/** The mark as JSON text writes it: what `JSON.parse` reads as MARK, and `JSON.stringify` writes for it. */
const MARK_IN_JSON = `\\u0000${NONCE}:`;
const MARKED_STRING = `"${MARK_IN_JSON}`;

/** A parsed JSON text: its value, and how many members (key-value pairs) its objects have in all. */
export interface ParsedJson {
  readonly value: unknown;
  readonly members: number;
}

/**
 * `JSON.parse(text)` (throwing its errors), with the numbers in its objects and arrays that a double
 * would change kept as `JsonNumber`s (a body that is one number is parsed as `JSON.parse` does), and the
 * count of members `membersIn` compares to tell a key given twice. One walk of the parsed value counts
 * the members and looks for a number at or beyond 2^53; only a text with one is read again.
 *
 * @example parseJson('{"a": [1, {"b": 2}]}').members; // 2
 */
export function parseJson(text: string): ParsedJson {
  const value: unknown = JSON.parse(text);
  let members = 0;
  let large = false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === "object") stack.push(x);
        else if (typeof x === "number" && !(Math.abs(x) < TWO_53)) large = true;
      }
    } else {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        members++;
        const x = o[k];
        if (typeof x === "object") stack.push(x);
        else if (typeof x === "number" && !(Math.abs(x) < TWO_53)) large = true;
      }
    }
  }
  return { value: large ? keepNumbers(text, value) : value, members };
}

/**
 * `JSON.stringify(value)`, writing each `JsonNumber` as it came.
 *
 * @example stringifyJson({ id: new JsonNumber("12345678901234567891") }); // '{"id":12345678901234567891}'
 */
export function stringifyJson(value: unknown): string {
  const s = JSON.stringify(value) as string | undefined;
  if (s === undefined) throw new TypeError("stringifyJson: the value has no JSON form");
  if (!s.includes(MARKED_STRING)) return s;
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const at = s.indexOf(MARKED_STRING, i);
    if (at === -1) break;
    // The number as written holds no quote: the next one closes the marked string.
    const close = s.indexOf('"', at + MARKED_STRING.length);
    parts.push(s.slice(i, at), s.slice(at + MARKED_STRING.length, close));
    i = close + 1;
  }
  parts.push(s.slice(i));
  return parts.join("");
}

/**
 * Most numbers one text keeps as written. Past this many the text keeps none (they are sent as
 * `JSON.stringify` writes them, as before): each costs an object and a marked string, and a client could
 * otherwise send millions of them in one body.
 */
const MAX_KEPT = 100_000;

/**
 * `plain` (`JSON.parse(text)`) with each number a double would change as a `JsonNumber`: the text is
 * parsed again with those numbers written as marked strings, which a walk (not a reviver, which recurses
 * and so fails on deep nesting) then replaces. Outside strings, valid JSON has a minus or a digit only
 * in numbers.
 */
function keepNumbers(text: string, plain: unknown): unknown {
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = afterString(text, i);
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isNumberChar(text.charCodeAt(j))) j++;
    const token = text.slice(i, j);
    if (changedByDouble(token)) {
      if (parts.length >= 2 * MAX_KEPT) return plain;
      parts.push(text.slice(copied, i), `"${MARK_IN_JSON}${token}"`);
      copied = j;
    }
    i = j;
  }
  if (parts.length === 0) return plain;
  parts.push(text.slice(copied));
  const value: unknown = JSON.parse(parts.join(""));
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    const o = v as Record<string, unknown>;
    // An own property, `__proto__` included (JSON.parse makes it one), is written as a plain value.
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(o)) {
      const x = o[k];
      if (typeof x === "object") stack.push(x);
      else if (typeof x === "string" && x.startsWith(MARK)) o[k] = new JsonNumber(x.slice(MARK.length));
    }
  }
  return value;
}

/** Digits, sign, point or exponent. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/** The index after the closing quote of the string that opens at `open`; each backslash is read once. */
function afterString(text: string, open: number): number {
  let close = open + 1;
  for (;;) {
    close = text.indexOf('"', close);
    if (close === -1) return text.length;
    let b = close - 1;
    while (text.charCodeAt(b) === 92) b--;
    if ((close - 1 - b) % 2 === 0) return close + 1; // an even run of backslashes escapes none of the quote
    close++;
  }
}

/**
 * Whether reading `token` (a valid JSON number) as a double changes it for a reader that parses
 * integers exactly. An integer token beyond the double range is Infinity, so `BigInt` only ever reads
 * at most 309 digits.
 */
function changedByDouble(token: string): boolean {
  const v = Number(token);
  if (!Number.isFinite(v)) return true;
  if (Math.abs(v) < TWO_53 || !INTEGER.test(token)) return false;
  return BigInt(token) !== BigInt(v);
}

/**
 * How many members valid JSON text has: its `:` outside strings. Jumps from quote to quote with
 * `indexOf`; each backslash is read at most once (a run of them is counted back from the quote after it).
 * Fewer members in the parsed value (`ParsedJson.members`) means an object with a key twice, of which
 * parsing kept the last value only.
 *
 * @example membersIn('{"a":1,"a":2}') !== parseJson('{"a":1,"a":2}').members // true: "a" twice
 */
export function membersIn(raw: string): number {
  let n = 0;
  let i = 0;
  for (;;) {
    const open = raw.indexOf('"', i);
    const stop = open === -1 ? raw.length : open;
    for (let j = i; j < stop; j++) if (raw.charCodeAt(j) === 58) n++;
    if (open === -1) return n;
    i = afterString(raw, open);
  }
}
