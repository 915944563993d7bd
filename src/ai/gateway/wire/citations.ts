import { ForwardingSlot } from "./slot-kinds.js";
import { arrayOf, indexOf, isRecord, stringOf, writeEntry, type Json } from "./slots.js";
import type { Citations, OffsetMap, StreamCitations, TextSlot, WireEvent } from "./types.js";

/**
 * Where OpenAI's citations point into the text they annotate, so that they can follow the text's edits:
 * a mask or a restored placeholder changes its length, and a client that links `text.slice(start_index,
 * end_index)` must still find the span the provider cited. Read (see annotations.ts for their URLs and
 * titles): a Chat Completions `url_citation`'s `url_citation.start_index` / `end_index` (into
 * `message.content`, or the content of the stream it came in); a Responses `output_text` part's
 * `url_citation` and `container_file_citation` (`start_index`, `end_index`) and `file_citation` and
 * `file_path` (`index`, the place of a citation marker; OpenAI's reference calls it "the index of the
 * file in the list of files", but what file search sends is a place in the text). Each is a number of
 * characters, which OpenAI's reference does not define further; they are taken as UTF-16 code units
 * (what a JavaScript client slices with), which agree with code points in text without characters
 * beyond U+FFFF.
 */

/** Annotation types whose `index` is a place in the text (a citation marker's). */
const POINTED = new Set(["file_citation", "file_path"]);

const NONE: readonly StreamCitations[] = Object.freeze([]);

/** Call `each` with every offset of annotation `a`: its holder, its key and which end of a span it is. */
function offsetsOf(a: unknown, each: (holder: Json, key: string, side: "start" | "end") => void): void {
  if (!isRecord(a)) return;
  // Chat Completions nests them in `url_citation`; the Responses API does not.
  const at = isRecord(a.url_citation) ? a.url_citation : a;
  if (indexOf(at.start_index) !== undefined) each(at, "start_index", "start");
  if (indexOf(at.end_index) !== undefined) each(at, "end_index", "end");
  if (typeof a.type === "string" && POINTED.has(a.type) && indexOf(a.index) !== undefined)
    each(a, "index", "start");
}

/** The offsets of a list of annotations. */
class AnnotationOffsets implements Citations {
  readonly #list: readonly unknown[];

  constructor(list: readonly unknown[]) {
    this.#list = list;
  }

  get reach(): number {
    let most = 0;
    for (const a of this.#list)
      offsetsOf(a, (holder, key) => {
        most = Math.max(most, holder[key] as number);
      });
    return most;
  }

  remap(map: OffsetMap): boolean {
    let moved = false;
    for (const a of this.#list)
      offsetsOf(a, (holder, key, side) => {
        const was = holder[key] as number;
        const now = map.map(was, side);
        if (now !== was) {
          writeEntry(holder, key, now);
          moved = true;
        }
      });
    return moved;
  }
}

class StreamAnnotationOffsets extends AnnotationOffsets implements StreamCitations {
  constructor(
    list: readonly unknown[],
    readonly stream: string,
  ) {
    super(list);
  }
}

/** Whether `list` holds an annotation with an offset (most answers have none, or an empty list). */
function hasOffsets(list: readonly unknown[]): boolean {
  let found = false;
  for (const a of list) if (!found) offsetsOf(a, () => (found = true));
  return found;
}

/**
 * The citations of `holder.annotations`, or undefined when none has an offset.
 *
 * @example citationsOf({ annotations: [{ type: "url_citation", start_index: 4, end_index: 9 }] })?.reach; // 9
 */
export function citationsOf(holder: Json): Citations | undefined {
  const list = arrayOf(holder.annotations);
  return list.length > 0 && hasOffsets(list) ? new AnnotationOffsets(list) : undefined;
}

/**
 * Another slot whose text `citations` point into: everything is the source's, and `citations` says
 * where they are. Whoever replaces spans of the text moves them (see `TextSlot.citations`).
 *
 * @example new CitedSlot(slot, citationsOf(message)!).citations.reach;
 */
export class CitedSlot extends ForwardingSlot {
  readonly #citations: Citations;

  constructor(source: TextSlot, citations: Citations) {
    super(source);
    this.#citations = citations;
  }

  override get citations(): Citations {
    return this.#citations;
  }
}

/**
 * Mark `out[at]`, the slot over the text `holder.annotations` cite (a Chat Completions message's
 * `content`, a Responses `output_text` part's `text`), as cited, when it is there and they have offsets.
 *
 * @example const at = out.length; pushString(out, part, "text", "response", "output[0].content[0].text"); citedBy(out, at, part);
 */
export function citedBy(out: TextSlot[], at: number, holder: Json): void {
  const slot = out[at];
  if (slot === undefined) return;
  const citations = citationsOf(holder);
  if (citations !== undefined) out[at] = new CitedSlot(slot, citations);
}

/** Push the citations of `holder.annotations` into the text of stream `stream`, if any has an offset. */
function pushStreamCitations(out: StreamCitations[], holder: Json, stream: string): void {
  const list = arrayOf(holder.annotations);
  if (list.length > 0 && hasOffsets(list)) out.push(new StreamAnnotationOffsets(list, stream));
}

/**
 * The citations of a Chat Completions stream chunk: each choice's `delta.annotations`, into `choice:N`.
 *
 * @example choiceStreamCitations({ data: { choices: [{ index: 0, delta: { annotations: [...] } }] } })[0]?.stream; // "choice:0"
 */
export function choiceStreamCitations(event: WireEvent): readonly StreamCitations[] {
  // A loop, not a callback: this runs for every chunk, and a chunk without citations allocates nothing.
  const choices = arrayOf(event.data.choices);
  let out: StreamCitations[] | undefined;
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i];
    if (!isRecord(choice) || !isRecord(choice.delta) || choice.delta.annotations === undefined) continue;
    pushStreamCitations((out ??= []), choice.delta, `choice:${indexOf(choice.index) ?? i}`);
  }
  return out ?? NONE;
}

/** The citations of a Responses output item's `output_text` parts, into `output:N:content:M`. */
function pushItemCitations(out: StreamCitations[], item: unknown, n: number): void {
  if (!isRecord(item) || item.type !== "message") return;
  arrayOf(item.content).forEach((part, j) => {
    if (isRecord(part)) pushStreamCitations(out, part, `output:${n}:content:${j}`);
  });
}

/**
 * The citations of a Responses stream event: `response.output_text.annotation.added` (one, into the
 * text streamed so far and to come), and those of the parts that `content_part.*`, `output_item.*` and
 * `response.*` events repeat.
 *
 * @example responsesStreamCitations({ data: { type: "response.output_text.annotation.added", output_index: 0, content_index: 0, annotation: { type: "url_citation", start_index: 4, end_index: 9 } } })[0]?.stream; // "output:0:content:0"
 */
export function responsesStreamCitations(event: WireEvent): readonly StreamCitations[] {
  const d = event.data;
  const type = stringOf(d.type) ?? event.event;
  if (type === undefined || type.endsWith(".delta")) return NONE;
  const out: StreamCitations[] = [];
  const n = indexOf(d.output_index);
  const content = `output:${n}:content:${indexOf(d.content_index) ?? 0}`;
  if (type === "response.output_text.annotation.added") {
    if (n !== undefined) pushStreamCitations(out, { annotations: [d.annotation] }, content);
  } else if (type === "response.content_part.added" || type === "response.content_part.done") {
    if (n !== undefined && isRecord(d.part)) pushStreamCitations(out, d.part, content);
  } else if (type === "response.output_item.added" || type === "response.output_item.done") {
    if (n !== undefined) pushItemCitations(out, d.item, n);
  } else if (type.startsWith("response.") && isRecord(d.response) && n === undefined) {
    arrayOf(d.response.output).forEach((item, i) => {
      pushItemCitations(out, item, i);
    });
  }
  return out.length > 0 ? out : NONE;
}
