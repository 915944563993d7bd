import { jsonStringContent } from "../../inspect/index.js";
import type { TextRole } from "../../inspect/types.js";
import { JsonNumber } from "./json-parse.js";
import { pushJsonLeaves } from "./json-text.js";
import {
  indexPath,
  isRecord,
  keyPath,
  pushString,
  readEntry,
  writeEntry,
  type Holder,
  type Json,
} from "./slots.js";
import { OwnSlot, ViewSlot } from "./slot-kinds.js";
import type { TextSlot } from "./types.js";

/**
 * Request slots over a JSON value (tool-call arguments, tool inputs and results, schema examples) that
 * show the detectors each value with its key. A value alone often says nothing (`Tr0ub4dor-x9Qz-77aa`);
 * under its key (`"password": "Tr0ub4dor-x9Qz-77aa"`) it is a password, as the assignment detectors read
 * it in any text. Keys are text the model reads too, and a payment card can be a JSON number. So:
 *
 * - a non-empty string under a key is one slot whose text is `"key": "value"`: the key JSON-quoted, the
 *   value as it is (decoded, so a multi-line value still reads as lines); a `value` whose object has a
 *   `name` or `key` string is shown after it (`"name": "DB_PASSWORD", "value": "..."`);
 * - a whole number of 7 digits or more (shorter ones cannot be a card or phone number) is a slot too,
 *   `"key": 4539148803436467` under a key, its digits in an array;
 * - the other keys (of an object, an array, a boolean, null, an empty string or a short number) are one
 *   slot for the whole value, one JSON-quoted key a line, each distinct key once however often it
 *   repeats (records in a list);
 * - a string in an array is a slot of its own text.
 *
 * Each key and each value is in one slot, so a finding is counted once.
 *
 * Replacing: redaction replaces spans of `text` with placeholders, which hold no quote, so the key and
 * the value are read back from the text. A changed key renames the property (moved last: keeping the
 * order would rebuild the object for each rename, quadratic with many; JSON objects are unordered; a name
 * already taken gets `_2`, `_3`...). A number whose digits changed becomes the replacement string
 * (`"[CARD_1]"`): a placeholder is not a number, and keeping the number would send what the policy
 * redacts, so the JSON stays valid and only the value's type changes. A replacement that lost the
 * `"key": ` lead-in (a finding across the key's closing quote, or a caller replacing the whole text)
 * cannot be split: the key becomes `[REDACTED]` and the value the whole replacement (less a sibling's name
 * shown before it, which the sibling's own slot sends), so no part of the finding is sent; so do the keys
 * of a key list whose line breaks a finding covered.
 *
 * @example
 * const out: TextSlot[] = [];
 * pushJsonValue(out, block, "input", "assistant", "content[1].input");
 * // block.input = { password: "Tr0ub4dor-x9Qz-77aa" }: out[0].text === '"password": "Tr0ub4dor-x9Qz-77aa"'
 */
export function pushJsonValue(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
): void {
  let keys: KeyList | undefined; // made for the first key not shown with a value
  // Keyed: `k` is a key of the JSON value itself, not of the message around it (`input`, `arguments`).
  const stack: [Holder, string | number, string, boolean][] = [[holder, key, path, false]];
  while (stack.length > 0) {
    const [h, k, p, keyed] = stack.pop()!;
    const value = readEntry(h, k);
    const leaf = (typeof value === "string" && value.length > 0) || mayHoldNumber(value);
    if (keyed && leaf) {
      out.push(keyedSlot(h as Json, k as string, role, p));
      continue;
    }
    if (keyed) {
      if (keys === undefined) {
        keys = new KeyList();
        out.push(keys.slot(role, path));
      }
      keys.add(h as Json, k as string);
    }
    if (typeof value === "string") pushString(out, h, k, role, p);
    else if (leaf) out.push(numberSlot(h, k, role, p));
    else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value, i, indexPath(p, i), false]);
    } else if (isRecord(value)) {
      const names = Object.keys(value);
      for (let i = names.length - 1; i >= 0; i--) stack.push([value, names[i]!, keyPath(p, names[i]!), true]);
    }
  }
}

/**
 * `pushJsonValue` over a string that holds JSON (OpenAI's `arguments`, a JSON tool result): see
 * `pushJsonLeaves`, which re-encodes the string after a replacement.
 *
 * @example pushJsonText(out, call.function, "arguments", "assistant", "messages[1].tool_calls[0].function.arguments");
 */
export function pushJsonText(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
): void {
  pushJsonLeaves(out, holder, key, role, path, pushJsonValue);
}

/** The key given to a property when a replacement cannot be split into its key and value. */
const REDACTED_KEY = "[REDACTED]";

/**
 * A whole number whose digits could be a payment card, phone or account number: one a double holds, or
 * one beyond 2^53 kept as written, read with the digits it was sent with.
 */
function mayHoldNumber(value: unknown): value is number | JsonNumber {
  // Below 1e21 a number prints as plain digits; from there on in exponent form, which no detector reads.
  if (typeof value === "number")
    return Number.isInteger(value) && Math.abs(value) >= 1e6 && Math.abs(value) < 1e21;
  return value instanceof JsonNumber && value.integer;
}

/**
 * `context"key": "value"` or `context"key": 4539...`, joined rather than concatenated: `+` makes a
 * string of parts that the inspector's scan reads about a quarter slower (measured on 2 KB tool
 * outputs), `join` a flat one.
 */
export function keyedText(context: string, name: string, value: unknown): string {
  const lead = JSON.stringify(name);
  return typeof value === "string"
    ? [context, lead, ': "', value, '"'].join("")
    : [context, lead, ": ", String(value)].join("");
}

/**
 * The key and what follows `": ` in a keyed slot's text, or undefined when the text does not start with
 * a JSON-quoted key and `: ` (a replacement reached into them).
 */
function splitKeyed(text: string): { key: string; rest: string } | undefined {
  const end = leadingStringEnd(text);
  if (end < 0 || text.charCodeAt(end) !== 58 || text.charCodeAt(end + 1) !== 32) return undefined;
  const key = parseKey(text.slice(0, end));
  return key === undefined ? undefined : { key, rest: text.slice(end + 2) };
}

function parseKey(literal: string): string | undefined {
  try {
    const key: unknown = JSON.parse(literal);
    return typeof key === "string" ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Rename `obj[from]` to `to` (or `to_2`, `to_3`... when taken); returns the name it now has. */
function renameKey(obj: Json, from: string, to: string): string {
  if (to === from) return from;
  let name = to;
  for (let n = 2; Object.prototype.hasOwnProperty.call(obj, name); n++) name = `${to}_${n}`;
  const value = obj[from];
  Reflect.deleteProperty(obj, from);
  writeEntry(obj, name, value);
  return name;
}

/** Keys whose value says nothing of itself: a sibling `name` or `key` says what it is. */
const GENERIC_VALUE = /^value$/i;
const SIBLING_NAME = /^(?:name|key)$/i;

/**
 * `"name": "DB_PASSWORD", ` before a `value` whose object names it (Kubernetes env lists, AWS tags, app
 * settings), as the detectors read it in text; empty for any other key.
 */
function siblingContext(obj: Json, name: string): string {
  if (!GENERIC_VALUE.test(name)) return "";
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (SIBLING_NAME.test(k) && typeof v === "string" && v.length > 0 && v.length <= 200)
      return `${JSON.stringify(k)}: ${JSON.stringify(v)}, `;
  }
  return "";
}

/**
 * A string or number under a key: text `"key": "value"` or `"key": 4539...`, after the sibling name of
 * a `value` (see `siblingContext`). The text stays what it was until this slot is replaced, whatever
 * other slots replace: redaction offsets are offsets into the text as it was inspected.
 */
function keyedSlot(obj: Json, name: string, role: TextRole, path: string): TextSlot {
  let current = name;
  // The sibling is inspected in its own slot: a replacement that changed it here cannot be split.
  const context = siblingContext(obj, name);
  const rewrite = (next: string): string => {
    const was = obj[current];
    const own = next.startsWith(context) ? next.slice(context.length) : undefined;
    const split = own === undefined ? undefined : splitKeyed(own);
    let key = REDACTED_KEY;
    // A replacement that reached into the key (a finding that began in the context, say): the value is
    // what follows the context, which the sibling's own slot sends.
    let value: unknown = own ?? next;
    if (split !== undefined) {
      key = split.key;
      value = typeof was === "string" ? unquote(split.rest) : split.rest === String(was) ? was : split.rest;
    }
    current = renameKey(obj, current, key);
    writeEntry(obj, current, value);
    return keyedText(context, current, value);
  };
  return new OwnSlot(role, path, keyedText(context, name, obj[name]), rewrite, context.length, "lead");
}

/**
 * A string value as it follows `": ` in a replacement: without the quotes around it. A placeholder
 * ends with `]`, never with a quote, so a final quote is the closing one; a missing one was inside a
 * finding, and so was a missing opening one.
 *
 * @example unquote('"[SECRET_1]"'); // "[SECRET_1]"; unquote("[SECRET_1]") // "[SECRET_1]"
 */
export function unquote(rest: string): string {
  const from = rest.charCodeAt(0) === 34 ? 1 : 0;
  const to = rest.length > from && rest.charCodeAt(rest.length - 1) === 34 ? rest.length - 1 : rest.length;
  return rest.slice(from, to);
}

/** A number in an array (or the whole value): text its digits; a changed text replaces it as a string. */
function numberSlot(holder: Holder, key: string | number, role: TextRole, path: string): TextSlot {
  return new OwnSlot(role, path, String(readEntry(holder, key)), (next) => {
    writeEntry(holder, key, next);
    return next;
  });
}

/** Where a key is: the object and the name it has there (renames can differ when a name is taken). */
interface Place {
  readonly obj: Json;
  name: string;
}

/**
 * The keys of one JSON value that are not shown with a value: one slot (coding assistants send hundreds
 * of small tool calls per request, and an inspection has a fixed cost), one JSON-quoted key a line, each
 * distinct key once; replacing renames a key in every object that has it.
 */
class KeyList {
  readonly quotedKeys = "all";
  readonly places = new Map<string, Place[]>();
  private lines: string | undefined;

  add(obj: Json, name: string): void {
    const known = this.places.get(name);
    if (known === undefined) this.places.set(name, [{ obj, name }]);
    else known.push({ obj, name });
  }

  /** The slot over the keys, read after the walk, when every key is known. */
  slot(role: TextRole, path: string): TextSlot {
    return new ViewSlot(this, role, path);
  }

  get text(): string {
    return (this.lines ??= [...this.places.keys()].map((k) => JSON.stringify(k)).join("\n"));
  }

  replace(next: string): void {
    if (next === this.text) return;
    const lines = next.split("\n");
    const same = lines.length === this.places.size;
    const before = [...this.places.values()];
    this.places.clear();
    before.forEach((places, i) => {
      // A finding across a quote leaves no JSON string: its text (without the quotes) is the key. One
      // across a line break cannot be told apart from its neighbours: then no key is kept.
      const line = lines[i] ?? "";
      const key = same ? (parseKey(line) ?? unquote(line)) : REDACTED_KEY;
      const group = this.places.get(key) ?? [];
      for (const place of places) {
        place.name = renameKey(place.obj, place.name, key);
        group.push(place);
      }
      this.places.set(key, group);
    });
    this.lines = undefined;
  }
}

/**
 * Put placeholders back into a slot's own text (after its context) with `restore`, JSON-escaping what
 * goes inside a quoted key (see `TextSlot.quotedKeys`): the slot reads its keys back as JSON strings, and
 * a restored value may hold a quote, a backslash or a line break. A value is restored with `encode`
 * (none when it is decoded text). Masks and placeholders hold no quote, so none straddles a key's end.
 *
 * @example restoreOwnText({ quotedKeys: "lead" }, '"[PASSWORD_1]": "x"', (t, e) => vault.restore(t, e)); // '"pa\"ss": "x"'
 */
export function restoreOwnText(
  slot: Pick<TextSlot, "quotedKeys">,
  own: string,
  restore: (text: string, encode?: (value: string) => string) => string,
  encode?: (value: string) => string,
): string {
  if (slot.quotedKeys === "all") return restore(own, jsonStringContent);
  if (slot.quotedKeys === "lead") {
    const end = leadingStringEnd(own);
    if (end > 0) return restore(own.slice(0, end), jsonStringContent) + restore(own.slice(end), encode);
  }
  return restore(own, encode);
}

/** The index after a JSON string literal that starts `text`, or -1 when it does not start with a whole one. */
function leadingStringEnd(text: string): number {
  if (text.charCodeAt(0) !== 34) return -1;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return -1;
}
