import type { Detection } from "../inspect/types.js";
import { CitationEvents } from "./citation-edits.js";
import type { AnswerArgs } from "./forward.js";
import { formatSseEvent, type SseEvent } from "./sse.js";
import { createdContainers, createdStoredItem, createdStoredResponse } from "./stored-owner.js";
import { AnswerWithheld, GatewayFault } from "./stream-end.js";
import type { StreamTexts } from "./stream-texts.js";
import { parseJson, stringifyJson } from "./wire/json-parse.js";
import { endsStream, type StreamCitations, type WireEvent, type WireFormat } from "./wire/index.js";
import { WholeTexts } from "./whole-texts.js";

/**
 * The events of one streamed answer, rewritten one by one (respond-stream.ts reads and writes them): the
 * text they carry inspected, the text held back of a stream that ends flushed before the event that ends
 * it, the snapshots that repeat a text made to agree with what was forwarded, citations moved with the
 * text, Responses events numbered in the order they go out.
 */

const NO_CITATIONS: readonly StreamCitations[] = [];

/**
 * The rewriting of one streamed answer's events, and what the event loop reads of it: whether text of
 * the answer went out, whether a Responses answer was opened, and what the policy blocks.
 *
 * @example
 * const events = new StreamEvents(args, new StreamTexts(args));
 * for (const ev of parser.push(chunk)) out += events.rewrite(ev);
 */
export class StreamEvents {
  /**
   * Set when text of the answer (a delta, a flush, a text first seen whole in a snapshot) is about to go
   * out: time to first token is taken when it is written, whichever event carried it.
   */
  content = false;
  /** Set when a Responses `response.created` was read; it is out once the text that carries it is written. */
  opening = false;
  /** The findings of the classes the policy blocks: the answer stops at the first. */
  blocked: Detection[] = [];
  readonly texts: StreamTexts;
  readonly #args: AnswerArgs;
  readonly #wire: WireFormat;
  readonly #wholes: WholeTexts;
  readonly #cited: CitationEvents;
  /** The Responses API numbers its events; see `Exchange.sequence`. */
  readonly #numbered: boolean;

  constructor(args: AnswerArgs, texts: StreamTexts) {
    this.texts = texts;
    this.#args = args;
    this.#wire = args.x.wire!;
    this.#numbered = this.#wire.id.startsWith("openai-responses");
    this.#wholes = new WholeTexts(texts);
    // Citations follow the edits of the text they point into, streamed or seen whole: see citation-edits.ts.
    this.#cited = new CitationEvents(texts.streams, this.#wholes.seen, (data) => this.#renumber(data));
  }

  /**
   * `ev` as it goes out, with what goes before it. Inspection failures are decided inside (failMode).
   * Anything else that throws while an event is rewritten is a fault of the gateway's (`GatewayFault`):
   * the inspectors may have taken text that would then be lost or sent twice, so the stream stops,
   * whatever the failMode.
   */
  rewrite(ev: SseEvent): string {
    const before = this.content;
    try {
      return this.#onEvent(ev);
    } catch (e) {
      this.content = before; // the failed event's text is not sent: it does not start the answer
      throw e instanceof AnswerWithheld ? e : new GatewayFault(e);
    }
  }

  /** What was held back of stream `id` that ends, then the citation events that waited for it. */
  flush(id: string): string {
    const s = this.texts.streams.get(id);
    if (!s || s.ended) return "";
    const text = this.texts.inspected(s, "", true);
    return (text ? this.#flushEvent(id, text, s.like) : "") + this.#cited.released(s);
  }

  /** Take what the policy blocks from what was found so far. */
  updateBlocked(): void {
    const plan = this.#args.deps.responsePlan;
    if (plan.block.length > 0)
      this.blocked = this.texts.found.filter((d) => plan.block.includes(d.dataClass));
  }

  #onEvent(ev: SseEvent): string {
    const wire = this.#wire;
    const texts = this.texts;
    const streams = texts.streams;
    if (ev.data === "[DONE]") {
      let flushed = "";
      for (const id of [...streams.keys()]) flushed += this.flush(id);
      this.updateBlocked(); // a class to block, found only now, stops the answer before its [DONE]
      return flushed + formatSseEvent(ev);
    }
    const parsed = parseObject(ev.data);
    if (!parsed) return formatSseEvent(ev);
    if (this.#numbered) {
      const type = parsed.type;
      if (type === "response.created") this.opening = true;
      // Who created the stored response, by its id and its items' ids, as they come.
      if (
        type === "response.created" ||
        type === "response.completed" ||
        type === "response.incomplete" ||
        type === "response.failed"
      )
        createdStoredResponse(this.#args.deps, this.#args.x, parsed.response);
      // At `added` already: a stream its client leaves (or detente ends) half-way has no `done`, and the
      // client has seen the item's id.
      else if (type === "response.output_item.added" || type === "response.output_item.done")
        createdStoredItem(this.#args.deps, this.#args.x, parsed.item);
    }
    // An Anthropic thread is held under the answer's id, told of first (see `heldConversation`).
    else if (parsed.type === "message_start" && this.#args.x.createsStored !== null)
      createdStoredResponse(this.#args.deps, this.#args.x, parsed.message);
    const pe: WireEvent = ev.event === undefined ? { data: parsed } : { event: ev.event, data: parsed };
    // The containers the answer runs code in, as they are told of: its caller's, stored or not.
    createdContainers(this.#args.deps, this.#args.x, wire.streamContainers?.(pe));
    const usage = wire.streamUsage(pe);
    const x = this.#args.x;
    if (usage.input != null) x.event.tokensIn = usage.input;
    if (usage.output != null) x.event.tokensOut = usage.output;
    // An upstream's error event (overloaded, say) ends the answer: clients stop reading at it, so what
    // was held back goes before it.
    const ends = isUpstreamError(ev, parsed) ? [""] : wire.streamEnds(pe);
    const endsHere = (id: string) => ends.some((e) => e === "" || endsStream(e, id));
    const slots = wire.streamTexts(pe);
    // Text held back for a stream that ends here goes out first, in an event of its own.
    let prefix = "";
    for (const id of streams.keys())
      if (endsHere(id) && !slots.some((s) => s.stream === id)) prefix += this.flush(id);
    const citations = wire.streamCitations?.(pe) ?? NO_CITATIONS;
    // Citations alone, into text not forwarded yet, wait for it (see `StreamEdits`); numbered when sent.
    const cited = this.#cited;
    const wait = citations.length > 0 ? cited.waitFor(citations, slots.length > 0) : undefined;
    // Numbered after what goes before it.
    let changed = wait === undefined && this.#renumber(parsed);
    for (const slot of slots) {
      const s = texts.stream(slot.stream, pe, slot.jsonFragment === true, slot.signed === true);
      s.like = pe;
      const text = texts.inspected(s, slot.text, endsHere(slot.stream));
      if (text !== slot.text) {
        slot.replace(text);
        changed = true;
      }
      if (text.length > 0) this.content = true;
    }
    // Events that repeat a stream's whole text must agree with what was forwarded; a text that came in
    // no delta is inspected here.
    for (const snap of wire.streamSnapshots(pe)) {
      const s = streams.get(snap.stream);
      const text = s ? s.forwarded : this.#wholes.forwarded(snap, citations);
      if (text.length > 0) this.content = true;
      if (snap.text !== text) {
        snap.replace(text);
        changed = true;
      }
    }
    this.updateBlocked();
    if (wait !== undefined) return prefix + cited.hold(wait, ev, parsed, citations);
    if (citations.length > 0 && cited.remap(citations)) changed = true;
    const body = changed ? stringifyJson(parsed) : ev.data;
    let out = prefix + formatSseEvent({ ...ev, data: body });
    // Citation events that waited for this text.
    for (const slot of slots) out += cited.released(streams.get(slot.stream));
    return out;
  }

  #flushEvent(id: string, text: string, like: WireEvent): string {
    this.content = true;
    const ev = this.#wire.flushEvent(id, text, like);
    if (!this.#numbered) return formatSseEvent(ev);
    const data = parseJson(ev.data).value as Record<string, unknown>;
    return formatSseEvent(this.#renumber(data) ? { ...ev, data: stringifyJson(data) } : ev);
  }

  /** Number `data` in the order it goes out (Responses); true when its number changed. */
  #renumber(data: Record<string, unknown>): boolean {
    if (!this.#numbered) return false;
    const n = data.sequence_number;
    if (typeof n !== "number") return false;
    const x = this.#args.x;
    if (n > x.sequence) {
      x.sequence = n;
      return false;
    }
    data.sequence_number = ++x.sequence;
    return true;
  }
}

/**
 * An error the upstream sent in its stream: `event: error` (Anthropic, the Responses API), or a data
 * object with an `error` and no `choices` (Chat Completions servers).
 */
function isUpstreamError(ev: SseEvent, data: Record<string, unknown>): boolean {
  if (ev.event === "error" || data.type === "error") return true;
  return typeof data.error === "object" && data.error !== null && data.choices === undefined;
}

function parseObject(data: string): Record<string, unknown> | null {
  // JSON may start with whitespace (`data:  {...}`, or a first empty `data:` line): SDKs parse it, so
  // it is inspected like any other event.
  let i = 0;
  while (i < data.length && isJsonSpace(data.charCodeAt(i))) i++;
  if (i === data.length || data.charCodeAt(i) !== 0x7b) return null;
  try {
    const v = parseJson(data).value;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
