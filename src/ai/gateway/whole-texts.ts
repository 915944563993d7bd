import type { Detection } from "../inspect/types.js";
import { AnswerEdits } from "./citation-edits.js";
import { inspectArguments } from "./stream-json.js";
import type { StreamTexts } from "./stream-texts.js";
import type { StreamCitations, StreamSlot } from "./wire/index.js";

/**
 * The texts of a streamed answer that only come whole, in snapshot events (respond-stream.ts): an MCP
 * call's output, an item sent without deltas. Each is inspected where it first appears, and answered
 * alike wherever it is repeated.
 */

/**
 * A stream whose text only came whole: the text as the upstream sent it, as it was forwarded, and the
 * keys of what was found in it, so that a later copy (`response.completed` repeats every item) is
 * answered alike and counted once; for a text cited in the same event, what was changed in it (see
 * citation-edits.ts).
 */
interface WholeText {
  readonly source: string;
  readonly forwarded: string;
  readonly found: ReadonlySet<string>;
  readonly edits: AnswerEdits | undefined;
}

/**
 * The texts of one streamed answer seen whole, by stream: inspected with the masks of the answer's
 * streamed text (see `StreamTexts`), what was found added to its findings once.
 *
 * @example
 * const wholes = new WholeTexts(texts);
 * snap.replace(wholes.forwarded(snap, citations)); // a snapshot of a stream no delta carried
 */
export class WholeTexts {
  /** What was seen, by stream; for the citations into it, what was changed (see `CitationEvents`). */
  readonly seen = new Map<string, WholeText>();
  readonly #texts: StreamTexts;

  constructor(texts: StreamTexts) {
    this.#texts = texts;
  }

  /**
   * The text of `snap` as it goes out: inspected the first time it is seen, as it went then when it is
   * repeated; what was changed in it is kept when `citations` point into it.
   */
  forwarded(snap: StreamSlot, citations: readonly StreamCitations[]): string {
    const texts = this.#texts;
    const found = texts.found;
    const seen = this.seen.get(snap.stream);
    if (seen?.source === snap.text) return seen.forwarded;
    // A tool call's arguments that came whole are read value by value, as held ones are; other text
    // whole, a value shown after its sibling's name (a tool input given whole) masked after the name only.
    const before = found.length;
    const ctx = snap.contextLength ?? 0;
    const pointed = citations.length > 0 && citations.some((c) => c.stream === snap.stream);
    const edits = pointed && ctx === 0 && snap.jsonFragment !== true ? new AnswerEdits() : undefined;
    const forwarded =
      snap.jsonFragment === true
        ? inspectArguments(snap.text, texts.inspectValue)
        : snap.text.slice(0, ctx) + texts.inspectValue(snap.text, undefined, ctx, snap, edits);
    const hits = found.splice(before);
    for (const d of hits) if (!seen?.found.has(detectionKey(d))) found.push(d);
    // Text that could not be inspected (failMode open) is not remembered as inspected.
    if (!texts.unchecked)
      this.seen.set(snap.stream, {
        source: snap.text,
        forwarded,
        found: new Set(hits.map(detectionKey)),
        edits,
      });
    return forwarded;
  }
}

/** Which hit a detection is, for counting a hit in a repeated text once. */
function detectionKey(d: Detection): string {
  return `${d.type}:${d.start}:${d.end}:${d.hash}`;
}
