import type { TextRole } from "../../inspect/types.js";
import type { Citations, StreamSlot, TextSlot } from "./types.js";

/**
 * The kinds of slot, as classes. A slot is never an object literal with a `get text()` of its own (a new
 * closure each time; V8 makes such an object a dictionary-mode object with an accessor pair of its own).
 * Under load, the gateway's slots built that way kept each request's texts (a 16 KB system prompt) alive
 * from young collection to young collection until a full one: 2.6 MB promoted at every scavenge and a
 * mark-compact every 3 s at 1,800 requests/s. As class instances (a field, or a getter on the prototype)
 * they promote almost nothing (docs/benchmarks.md). A microbenchmark of the literals alone does not show
 * it, so what in V8 held them was not pinned down; the test in slot-kinds.test.ts keeps them classes.
 * What a slot holds (the body it writes into, its writer) is in private fields, which neither
 * `util.inspect` nor a spread shows, and `text` is read-only, as it was.
 */

export type Json = Record<string, unknown>;
export type Holder = Json | unknown[];

/**
 * `holder[key]`, for an array index or an object key alike.
 *
 * @example readEntry(["a"], 0); // "a"
 */
export function readEntry(holder: Holder, key: string | number): unknown {
  return Array.isArray(holder) ? holder[key as number] : holder[key as string];
}

/**
 * Set `holder[key]` as a plain data property.
 *
 * @example writeEntry(JSON.parse('{"__proto__":"x"}'), "__proto__", "y"); // an own property, not the prototype
 */
export function writeEntry(holder: Holder, key: string | number, value: unknown): void {
  if (Array.isArray(holder)) holder[key as number] = value;
  // JSON.parse makes "__proto__" an own property; plain assignment would be ignored (a silent failure
  // to redact), so define it.
  else if (key === "__proto__")
    Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
  else holder[key as string] = value;
}

/**
 * The slot over a string at `holder[key]`: a replacement is written there.
 *
 * @example new StringSlot(message, "content", "user", "messages[0].content", message.content).replace("[EMAIL_1]");
 */
export class StringSlot implements TextSlot {
  readonly #holder: Holder;
  readonly #key: string | number;
  #text: string;

  constructor(
    holder: Holder,
    key: string | number,
    readonly role: TextRole,
    readonly path: string,
    text: string,
  ) {
    this.#holder = holder;
    this.#key = key;
    this.#text = text;
  }

  get text(): string {
    return this.#text;
  }

  replace(text: string): void {
    this.#text = text;
    writeEntry(this.#holder, this.#key, text);
  }
}

/**
 * A `StringSlot` in an answer's stream event, with the stream its text belongs to. `jsonFragment` is
 * there only when true (a tool call's argument deltas).
 *
 * @example new StringStreamSlot(delta, "content", "choices[0].delta.content", delta.content, "choice:0");
 */
export class StringStreamSlot extends StringSlot implements StreamSlot {
  declare readonly jsonFragment?: boolean;

  constructor(
    holder: Holder,
    key: string | number,
    path: string,
    text: string,
    readonly stream: string,
    jsonFragment: boolean,
  ) {
    super(holder, key, "response", path, text);
    if (jsonFragment) this.jsonFragment = true;
  }
}

/**
 * A `StringSlot` over text the provider signed (see `TextSlot.signed`).
 *
 * @example new SignedSlot(block, "thinking", "assistant", "messages[1].content[0].thinking", block.thinking).signed; // true
 */
export class SignedSlot extends StringSlot {
  readonly signed = true;
}

/**
 * A `StringStreamSlot` over text the provider signed (see `TextSlot.signed`): a thinking block's deltas.
 *
 * @example new SignedStreamSlot(delta, "thinking", "delta.thinking", delta.thinking, "block:0", false).signed; // true
 */
export class SignedStreamSlot extends StringStreamSlot {
  readonly signed = true;
}

/**
 * A slot that keeps its own text: `write` puts a replacement where it belongs and returns the slot's
 * text from then on. Replacing with the same text does nothing.
 *
 * @example new OwnSlot("user", "lines", lines.join("\n"), (next) => { holder.lines = next.split("\n"); return next; });
 */
export class OwnSlot implements TextSlot {
  #text: string;
  readonly #write: (next: string) => string;

  constructor(
    readonly role: TextRole,
    readonly path: string,
    text: string,
    write: (next: string) => string,
    readonly contextLength?: number,
    readonly quotedKeys?: "lead" | "all",
  ) {
    this.#text = text;
    this.#write = write;
  }

  get text(): string {
    return this.#text;
  }

  replace(next: string): void {
    if (next !== this.#text) this.#text = this.#write(next);
  }
}

/**
 * Another slot shown under its own role and path: its text is the source's, a replacement goes to the
 * source and then `after` runs (to re-serialize what the source lives in, say).
 *
 * @example new ViewSlot(leaf, "tool-result", leaf.path, changed);
 */
export class ViewSlot implements TextSlot {
  readonly #source: Pick<TextSlot, "text" | "replace" | "contextLength" | "quotedKeys">;
  readonly #after: (() => void) | undefined;

  constructor(
    source: Pick<TextSlot, "text" | "replace" | "contextLength" | "quotedKeys">,
    readonly role: TextRole,
    readonly path: string,
    after?: () => void,
  ) {
    this.#source = source;
    this.#after = after;
  }

  get text(): string {
    return this.#source.text;
  }

  /** The source's context (a sibling's name shown before a `value`): see `TextSlot.contextLength`. */
  get contextLength(): number | undefined {
    return this.#source.contextLength;
  }

  /** The source's JSON-quoted keys: see `TextSlot.quotedKeys`. */
  get quotedKeys(): "lead" | "all" | undefined {
    return this.#source.quotedKeys;
  }

  replace(text: string): void {
    this.#source.replace(text);
    this.#after?.();
  }
}

/**
 * A `ViewSlot` in a stream event, with the stream its text belongs to.
 *
 * @example new StreamView(slot, "response", slot.path, "block:0:citation.cited_text");
 */
export class StreamView extends ViewSlot implements StreamSlot {
  constructor(
    source: Pick<TextSlot, "text" | "replace" | "contextLength" | "quotedKeys">,
    role: TextRole,
    path: string,
    readonly stream: string,
  ) {
    super(source, role, path);
  }
}

/**
 * What a provider may send per token of a text, besides the text: log probabilities (OpenAI's
 * `logprobs`, with each token's text, bytes and alternatives) and token ids (vLLM's `token_ids` with
 * `return_token_ids`), which the model's public tokenizer turns back into text.
 */
const PER_TOKEN = ["logprobs", "token_ids"] as const;

function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/**
 * Empty what `holder` carries per token of its text (a choice's `logprobs` and `token_ids`, a stream
 * delta's `token_id` as Together sends it, a Responses part's or delta event's `logprobs`): null, or an
 * empty list where the format has a list. They spell the text token by token, so once the gateway sends
 * other text (a masked secret, a restored placeholder, text held back for later) they would tell what the
 * text was.
 *
 * @example dropLogprobs(choice); // choice.logprobs === null
 */
export function dropLogprobs(holder: Json): void {
  for (const key of PER_TOKEN) {
    const v = holder[key];
    if (present(v)) writeEntry(holder, key, Array.isArray(v) ? [] : null);
  }
  const delta = holder.delta;
  if (typeof delta === "object" && delta !== null && present((delta as Json).token_id))
    writeEntry(delta as Json, "token_id", null);
}

/**
 * True when `holder` carries something per token of its text that a change of the text must empty (see
 * `dropLogprobs`).
 *
 * @example hasLogprobs({ logprobs: [] }); // false
 */
export function hasLogprobs(holder: Json): boolean {
  if (present(holder.logprobs) || present(holder.token_ids)) return true;
  const delta = holder.delta;
  return typeof delta === "object" && delta !== null && present((delta as Json).token_id);
}

/**
 * A slot shown through another: its text, role, path and everything else are the source's, and a
 * replacement goes to the source. What a subclass adds (`ScoredSlot`, `CitedSlot`) rides along.
 *
 * @example new ForwardingSlot(slot).text === slot.text; // true
 */
export class ForwardingSlot implements TextSlot {
  protected readonly source: TextSlot;

  constructor(source: TextSlot) {
    this.source = source;
  }

  get role(): TextRole {
    return this.source.role;
  }

  get path(): string {
    return this.source.path;
  }

  get text(): string {
    return this.source.text;
  }

  get jsonFragment(): boolean | undefined {
    return this.source.jsonFragment;
  }

  get signed(): boolean | undefined {
    return this.source.signed;
  }

  get contextLength(): number | undefined {
    return this.source.contextLength;
  }

  get quotedKeys(): "lead" | "all" | undefined {
    return this.source.quotedKeys;
  }

  get citations(): Citations | undefined {
    return this.source.citations;
  }

  replace(text: string): void {
    this.source.replace(text);
  }
}

/**
 * Another slot whose text the provider scored token by token in `scored.logprobs`: a replacement with
 * other text also empties them (see `dropLogprobs`). Everything else is the source's.
 *
 * @example new ScoredSlot(slot, choice).replace("[REDACTED]"); // choice.logprobs === null
 */
export class ScoredSlot extends ForwardingSlot {
  readonly #scored: Json;

  constructor(source: TextSlot, scored: Json) {
    super(source);
    this.#scored = scored;
  }

  override replace(text: string): void {
    if (text !== this.source.text) dropLogprobs(this.#scored);
    this.source.replace(text);
  }
}

/**
 * A stream slot whose text the provider also sent as `holder[key]` (Together's chat chunks repeat a
 * delta's `content` as the choice's `text`): a replacement is written to both, so the copy never tells
 * what the slot's text was.
 *
 * @example new MirroredStreamSlot(slot, choice, "text").replace("[REDACTED]"); // choice.text too
 */
export class MirroredStreamSlot extends ForwardingSlot implements StreamSlot {
  readonly stream: string;
  readonly #holder: Json;
  readonly #key: string;

  constructor(source: StreamSlot, holder: Json, key: string) {
    super(source);
    this.stream = source.stream;
    this.#holder = holder;
    this.#key = key;
  }

  override replace(text: string): void {
    this.source.replace(text);
    writeEntry(this.#holder, this.#key, text);
  }
}

/**
 * A `ScoredSlot` over a stream slot, with its stream.
 *
 * @example new ScoredStreamSlot(slot, event.data).stream; // slot.stream
 */
export class ScoredStreamSlot extends ScoredSlot implements StreamSlot {
  readonly stream: string;

  constructor(source: StreamSlot, scored: Json) {
    super(source, scored);
    this.stream = source.stream;
  }
}
