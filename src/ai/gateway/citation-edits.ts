import { TextEdits, type OffsetSide } from "../inspect/index.js";
import { formatSseEvent, type SseEvent } from "./sse.js";
import { stringifyJson } from "./wire/json-parse.js";
import type { OffsetMap, StreamCitations } from "./wire/index.js";

/**
 * What the gateway did to one answer text, in the two passes it makes: the masks (the text as the
 * upstream sent it → the inspector's output), then the placeholders put back (→ the text sent). A
 * citation's offsets into the first move through both to the same place in the last.
 *
 * @example const edits = new AnswerEdits(); inspectWhole(inspector, text, mask, 0, edits.masks); citations.remap(edits);
 */
export class AnswerEdits implements OffsetMap {
  readonly masks = new TextEdits();
  readonly restores = new TextEdits();

  map(offset: number, side: OffsetSide): number {
    return this.restores.map(this.masks.map(offset, side), side);
  }
}

/**
 * How many citation events one answer holds at most, and how many characters of them (their `data`), so
 * that an upstream cannot make the gateway keep events without limit: a citation whose offsets reach far
 * past the text (an `end_index` of 10^9) waits until its stream ends, and every later citation event of
 * that stream waits behind it. An answer's citations rarely wait at all (only those into the few
 * characters held back at the tail of the text), so a real answer does not come near either.
 */
export const MAX_HELD_CITATION_EVENTS = 128;
/** How many characters of citation events (their `data`) one answer holds at most: see above. */
export const MAX_HELD_CITATION_CHARS = 256 * 1024;

/** An event of citations only, held until the text they point into has gone out: see `StreamEdits`. */
interface HeldEvent {
  readonly event: SseEvent;
  readonly data: Record<string, unknown>;
  readonly citations: readonly StreamCitations[];
  /** How far into the text of the stream that holds it its citations reach. */
  readonly reach: number;
}

/**
 * The edits of one output stream's text as it streams, and the citation events that wait for it.
 *
 * An offset is final once the text up to it has been forwarded: the inspector has emitted it (what it
 * holds back may still become a mask) and the restorer has passed it (it holds back what may be the
 * start of a placeholder). Both are known without asking them: the inspector's output so far is the
 * text it consumed with its masks applied, so it consumed `inspected - masks.shift` characters; the
 * restorer likewise consumed `forwarded - restores.shift`.
 *
 * A citation event (a Responses `output_text.annotation.added`, a Chat Completions chunk of
 * `annotations` only) whose offsets reach past that waits, and goes out, moved, as soon as the text it
 * points into has (at the latest when the stream ends, before the event that ends it): it would
 * otherwise be moved by the edits known so far, and a mask still to come before its end (a token in the
 * cited link, held back until it is certain) would leave it off. Held events keep their order. One that
 * also carries text is not held (its text would then go out of order): it is moved with what is known.
 * How many wait is bounded per answer: see `CitationEvents.hold`.
 *
 * @example s.edits.inspected += emit.length; // after each push into the stream's inspector
 */
export class StreamEdits extends AnswerEdits {
  /** Characters the stream's inspector has emitted so far. */
  inspected = 0;
  #held: HeldEvent[] | undefined;

  /**
   * Whether offsets up to `reach` are final, `forwarded` characters of the stream's text having gone
   * out; always once the stream `ended`.
   */
  settled(reach: number, forwarded: number, ended: boolean): boolean {
    if (ended) return true;
    if (reach > this.inspected - this.masks.shift) return false;
    return this.masks.map(reach, "end") <= forwarded - this.restores.shift;
  }

  /** Whether an event must wait behind the ones held already, so that they go out in order. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  hold(event: HeldEvent): void {
    (this.#held ??= []).push(event);
  }

  /**
   * The held events that can go now, in the order they came: those whose offsets are final (see
   * `settled`), up to the first that must still wait.
   */
  release(forwarded: number, ended: boolean): HeldEvent[] | undefined {
    const held = this.#held;
    if (held === undefined) return undefined;
    let n = 0;
    while (n < held.length && this.settled(held[n]!.reach, forwarded, ended)) n++;
    if (n === 0) return undefined;
    if (n === held.length) this.#held = undefined;
    return held.splice(0, n);
  }
}

/** What `StreamCitations` reads of an output stream: its edits, the text forwarded, whether it ended. */
export interface CitedStream {
  readonly edits: StreamEdits;
  readonly forwarded: string;
  readonly ended: boolean;
}

/** Where an event of citations waits: the stream, and how far into its text they reach. */
export type Wait = readonly [CitedStream, number];

/**
 * The citations of one answer stream: moved with the edits of the text they point into (streamed, or
 * seen whole in a snapshot), or held until it has gone out (see `StreamEdits`), a bounded number of them
 * (see `hold`).
 *
 * @example
 * const wait = cited.waitFor(citations, slots.length > 0); // before the event is numbered
 * if (wait) out += cited.hold(wait, ev, data, citations); else cited.remap(citations);
 */
export class CitationEvents {
  readonly #streams: ReadonlyMap<string, CitedStream>;
  readonly #wholes: ReadonlyMap<string, { readonly edits: AnswerEdits | undefined }>;
  readonly #renumber: (data: Record<string, unknown>) => void;
  /** The events held now, in all streams, and the characters of their `data`. */
  #heldEvents = 0;
  #heldChars = 0;
  /** Set once the answer held more than the bound: its citation events are no longer held. */
  #overflowed = false;

  constructor(
    streams: ReadonlyMap<string, CitedStream>,
    wholes: ReadonlyMap<string, { readonly edits: AnswerEdits | undefined }>,
    renumber: (data: Record<string, unknown>) => void,
  ) {
    this.#streams = streams;
    this.#wholes = wholes;
    this.#renumber = renumber;
  }

  /** Move each citation with the edits of its text, when they are known; true when one moved. */
  remap(citations: readonly StreamCitations[]): boolean {
    let moved = false;
    for (const c of citations) {
      const edits = this.#streams.get(c.stream)?.edits ?? this.#wholes.get(c.stream)?.edits;
      if (edits !== undefined && c.remap(edits)) moved = true;
    }
    return moved;
  }

  /**
   * Where an event with `citations` must wait, if anywhere: one that carries no text, whose citations
   * reach past what was forwarded, or that would pass events held before it.
   */
  waitFor(citations: readonly StreamCitations[], carriesText: boolean): Wait | undefined {
    if (carriesText || this.#overflowed) return undefined;
    for (const c of citations) {
      const s = this.#streams.get(c.stream);
      if (s && (s.edits.holding || !s.edits.settled(c.reach, s.forwarded.length, s.ended)))
        return [s, c.reach];
    }
    return undefined;
  }

  /**
   * Hold `event` where `wait` says, and return what goes out now: nothing, unless the answer would then
   * hold more than MAX_HELD_CITATION_EVENTS events or MAX_HELD_CITATION_CHARS characters of them. Then
   * every held event goes out at once, each stream's in the order they came and this one last, moved
   * with the edits known so far (a mask still to come inside a cited span may leave it off), and the
   * answer's later citation events are no longer held: each goes out when it comes, moved likewise.
   */
  hold(
    wait: Wait,
    event: SseEvent,
    data: Record<string, unknown>,
    citations: readonly StreamCitations[],
  ): string {
    wait[0].edits.hold({ event, data, citations, reach: wait[1] });
    this.#heldEvents++;
    this.#heldChars += event.data.length;
    if (this.#heldEvents <= MAX_HELD_CITATION_EVENTS && this.#heldChars <= MAX_HELD_CITATION_CHARS) return "";
    this.#overflowed = true;
    let out = "";
    for (const s of this.#streams.values()) if (s !== wait[0]) out += this.released(s, true);
    return out + this.released(wait[0], true);
  }

  /** The events held for `stream` that can go now (all of them when `all`), moved, numbered and written. */
  released(stream: CitedStream | undefined, all = false): string {
    const events = stream?.edits.release(stream.forwarded.length, all || stream.ended);
    if (events === undefined) return "";
    let out = "";
    for (const held of events) {
      this.#heldEvents--;
      this.#heldChars -= held.event.data.length;
      this.remap(held.citations);
      this.#renumber(held.data);
      out += formatSseEvent({ ...held.event, data: stringifyJson(held.data) });
    }
    return out;
  }
}
