import type { TextRole } from "../../inspect/types.js";
import {
  type Holder,
  type Json,
  ScoredSlot,
  ScoredStreamSlot,
  SignedSlot,
  hasLogprobs,
  SignedStreamSlot,
  StringSlot,
  StringStreamSlot,
  readEntry,
} from "./slot-kinds.js";
import type { StreamSlot, TextSlot, Usage } from "./types.js";

/**
 * The shared machinery of the wire formats: safe accessors for untyped JSON and the slot constructors.
 * Every walk over nested JSON is iterative (an explicit stack), so a deeply nested tool input cannot
 * overflow the call stack, and every accessor checks types, so odd bodies give fewer slots, never throws.
 */

export type { Json, Holder } from "./slot-kinds.js";
export { readEntry, writeEntry } from "./slot-kinds.js";

/**
 * True for a plain JSON object (not null, not an array).
 *
 * @example isRecord({}); // true; isRecord([]) // false
 */
export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `value` when it is an array, else an empty one.
 *
 * @example arrayOf(null).length; // 0
 */
export function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * `value` when it is a string, else undefined.
 *
 * @example stringOf(5); // undefined
 */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * `value` when it is a finite number, else undefined.
 *
 * @example numberOf(Number.NaN); // undefined
 */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * `value` when it is a non-negative whole number (an index into a list), else undefined.
 *
 * @example indexOf(2.5); // undefined; indexOf(2) // 2
 */
export function indexOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `path.key`, or `path["odd key"]` when the key is not an identifier.
 *
 * @example keyPath("tools[0]", "name"); // "tools[0].name"; keyPath("env", "MY-VAR") // 'env["MY-VAR"]'
 */
export function keyPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * `path[index]`.
 *
 * @example indexPath("messages", 3); // "messages[3]"
 */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * A slot over `holder[key]` when it is a non-empty string (an empty one has nothing to inspect).
 *
 * @example stringSlot(message, "content", "user", "messages[0].content")?.replace("[REDACTED]");
 */
export function stringSlot(
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
): TextSlot | undefined {
  const initial = readEntry(holder, key);
  if (typeof initial !== "string" || initial.length === 0) return undefined;
  return new StringSlot(holder, key, role, path, initial);
}

/**
 * Push the slot over `holder[key]` (see `stringSlot`) onto `out`.
 *
 * @example pushString(out, message, "content", "user", "messages[0].content");
 */
export function pushString(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
): void {
  const slot = stringSlot(holder, key, role, path);
  if (slot) out.push(slot);
}

/**
 * Push a slot over text the provider signed (see `TextSlot.signed`) at `holder[key]`, when it is a
 * non-empty string.
 *
 * @example pushSigned(out, block, "thinking", "assistant", "messages[1].content[0].thinking");
 */
export function pushSigned(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
): void {
  const initial = readEntry(holder, key);
  if (typeof initial === "string" && initial.length > 0)
    out.push(new SignedSlot(holder, key, role, path, initial));
}

/**
 * Push a stream slot over text the provider signed (a thinking delta), when it is a non-empty string.
 *
 * @example pushSignedStream(out, event.data.delta, "thinking", "block:0", "delta.thinking");
 */
export function pushSignedStream(
  out: StreamSlot[],
  holder: Holder,
  key: string | number,
  stream: string,
  path: string,
): void {
  const initial = readEntry(holder, key);
  if (typeof initial === "string" && initial.length > 0)
    out.push(new SignedStreamSlot(holder, key, path, initial, stream, false));
}

/**
 * A stream slot over `holder[key]` when it is a non-empty string.
 *
 * @example streamSlot(delta, "content", "choice:0", "choices[0].delta.content")?.text;
 */
export function streamSlot(
  holder: Holder,
  key: string | number,
  stream: string,
  path: string,
  jsonFragment = false,
): StreamSlot | undefined {
  const initial = readEntry(holder, key);
  if (typeof initial !== "string" || initial.length === 0) return undefined;
  return new StringStreamSlot(holder, key, path, initial, stream, jsonFragment);
}

/**
 * Push the stream slot over `holder[key]` (see `streamSlot`) onto `out`.
 *
 * @example pushStream(out, event.data.delta, "text", "block:0", "delta.text");
 */
export function pushStream(
  out: StreamSlot[],
  holder: Holder,
  key: string | number,
  stream: string,
  path: string,
  jsonFragment = false,
): void {
  const slot = streamSlot(holder, key, stream, path, jsonFragment);
  if (slot) out.push(slot);
}

/**
 * Mark the slots `out[from..]` as text `scored` carries log probabilities for (a choice, a Responses
 * part or delta event): replacing any of them with other text empties `scored.logprobs`, which would
 * otherwise spell out, token by token, the text the gateway masked or held back. Nothing is wrapped when
 * there are none (they come only when a client asks for them).
 *
 * @example const from = out.length; pushChatContent(out, choice.message, "response", "choices[0].message"); scoredBy(out, from, choice);
 */
export function scoredBy(out: TextSlot[], from: number, scored: Json): void {
  if (from < out.length && hasLogprobs(scored))
    for (let i = from; i < out.length; i++) out[i] = new ScoredSlot(out[i]!, scored);
}

/**
 * The same for stream slots (see `scoredBy`).
 *
 * @example const from = out.length; pushStream(out, d, "delta", "output:0:content:0", "delta"); scoredStreamBy(out, from, d);
 */
export function scoredStreamBy(out: StreamSlot[], from: number, scored: Json): void {
  if (from < out.length && hasLogprobs(scored))
    for (let i = from; i < out.length; i++) out[i] = new ScoredStreamSlot(out[i]!, scored);
}

/**
 * Usage from an object with the given input/output token fields; null for a missing or odd count.
 *
 * @example usageOf({ input_tokens: 5, output_tokens: 2 }, "input_tokens", "output_tokens"); // { input: 5, output: 2 }
 */
export function usageOf(usage: unknown, input: string, output: string): Usage {
  if (!isRecord(usage)) return { input: null, output: null };
  return { input: numberOf(usage[input]) ?? null, output: numberOf(usage[output]) ?? null };
}

/**
 * The same, keeping only the counts that are present (for stream events that carry some of them).
 *
 * @example partialUsageOf({ output_tokens: 2 }, "input_tokens", "output_tokens"); // { output: 2 }
 */
export function partialUsageOf(
  usage: unknown,
  input: string,
  output: string,
): { input?: number; output?: number } {
  const out: { input?: number; output?: number } = {};
  if (!isRecord(usage)) return out;
  const i = numberOf(usage[input]);
  const o = numberOf(usage[output]);
  if (i !== undefined) out.input = i;
  if (o !== undefined) out.output = o;
  return out;
}

/**
 * True when ending stream `ended` (as returned by `streamEnds`) ends `stream`: the same id, or one
 * nested under it (`choice:0` ends `choice:0:tool:1`; `output` ends every Responses output stream).
 *
 * @example endsStream("choice:0", "choice:0:tool:1") // true; endsStream("choice:1", "choice:10") // false
 */
export function endsStream(ended: string, stream: string): boolean {
  return stream === ended || (stream.startsWith(ended) && stream.charCodeAt(ended.length) === 0x3a);
}
