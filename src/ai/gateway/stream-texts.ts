import type { DataClass, Detection } from "../inspect/types.js";
import {
  createRestoreStream,
  createStreamInspector,
  inspectWhole,
  jsonStringContent,
} from "../inspect/index.js";
import type { RestoreStream, StreamInspection, StreamInspector } from "../inspect/index.js";
import { StreamEdits, type AnswerEdits } from "./citation-edits.js";
import type { AnswerArgs } from "./forward.js";
import { answerUninspectable, foundInSigned } from "./respond-json.js";
import { MAX_HELD_ARGUMENTS, inspectArguments } from "./stream-json.js";
import { AnswerWithheld } from "./stream-end.js";
import type { TextSlot, WireEvent } from "./wire/index.js";
import { restoreOwnText } from "./wire/json-slots.js";

/**
 * The texts of one streamed answer as they are inspected (respond-stream.ts): each output stream's
 * inspector and placeholder restorer, the text pushed through them, what was found, and what happens
 * when inspecting fails (the answer's `failMode`).
 */

/**
 * Per output stream (a choice, a content block, a tool call's arguments): its inspector, its placeholder
 * restorer, an event to model a flush on, the text forwarded so far (for snapshot events that repeat a
 * stream's whole text), and for a tool call's arguments the JSON held until the call ends (undefined
 * once it is sent, or when it grew past MAX_HELD_ARGUMENTS and is inspected as text as it comes); what
 * the inspector and the restorer changed, for the citations into the text (see citation-edits.ts).
 */
export interface OutputStream {
  readonly inspect: StreamInspector;
  readonly restore: RestoreStream;
  readonly edits: StreamEdits;
  like: WireEvent;
  ended: boolean;
  forwarded: string;
  held: string | undefined;
  /** Signed text (thinking): only read, sent as it came; see `TextSlot.signed`. */
  readonly signed: boolean;
}

/** A restorer that changes nothing, for signed text. */
const AS_IT_CAME: RestoreStream = { push: (text) => text, end: () => "" };

/**
 * The output streams of one streamed answer and what was found in them: text pushed into a stream comes
 * back masked (what the policy masks or blocks), its placeholders put back, held back as long as it may
 * still be part of a secret or a placeholder. A failure to inspect stops the answer (`failMode: closed`,
 * by throwing `AnswerWithheld`) or lets the rest pass unchecked (`open`).
 *
 * @example
 * const texts = new StreamTexts(args);
 * const s = texts.stream("choice:0", event, false, false);
 * const out = texts.inspected(s, "Use ghp_", false); // "Use ", the rest held back
 */
export class StreamTexts {
  readonly streams = new Map<string, OutputStream>();
  /** What was found in the answer so far, in order. */
  readonly found: Detection[] = [];
  readonly #args: AnswerArgs;
  /** The classes masked: those the policy masks, and those it blocks (see `stream`). */
  readonly #masked: readonly DataClass[];
  /** Set once inspecting the answer failed under `failMode: open`: the rest passes unchecked. */
  #unchecked = false;

  constructor(args: AnswerArgs) {
    this.#args = args;
    const plan = args.deps.responsePlan;
    this.#masked = [...plan.mask, ...plan.block];
  }

  /** Whether inspecting failed and the rest of the answer passes unchecked (`failMode: open`). */
  get unchecked(): boolean {
    return this.#unchecked;
  }

  /** Output stream `id`, made the first time it is asked for (modelled on `like`). */
  stream(id: string, like: WireEvent, json: boolean, signed: boolean): OutputStream {
    let s = this.streams.get(id);
    if (!s) {
      const { deps, vault } = this.#args;
      const plan = deps.responsePlan;
      const edits = new StreamEdits();
      s = {
        // Blocked classes are held back (masked) too: a finding is only certain once later text came, and
        // by then the chunk that carries it would have gone to the client before the block. Signed text
        // is held back for a block only: what it holds otherwise goes as it came.
        inspect: createStreamInspector(deps.inspector, {
          mask: signed ? plan.block : this.#masked,
          edits: edits.masks,
        }),
        // Streamed tool arguments are JSON source: a restored value must be escaped to keep it valid.
        restore: signed
          ? AS_IT_CAME
          : createRestoreStream(vault, {
              encode: json ? jsonStringContent : undefined,
              edits: edits.restores,
            }),
        edits,
        like,
        ended: false,
        forwarded: "",
        held: json ? "" : undefined,
        signed,
      };
      this.streams.set(id, s);
    }
    return s;
  }

  /**
   * `piece` of stream `s`'s text, as it goes out: inspected, placeholders put back, what may still be
   * part of a secret or a placeholder held back, unless it is the `last` (the stream ends).
   */
  inspected(s: OutputStream, piece: string, last: boolean): string {
    let text = piece;
    if (s.held !== undefined) {
      s.held += text;
      if (!last && s.held.length <= MAX_HELD_ARGUMENTS) return "";
      text = s.held;
      s.held = undefined;
      if (last) {
        s.ended = true;
        const whole = inspectArguments(text, this.inspectValue);
        s.forwarded += whole;
        return whole;
      }
      // Too long to hold: inspected as text from here on (restored values JSON-escaped).
    }
    let emit = "";
    let rest = text; // what the inspector has not taken
    if (!this.#unchecked) {
      try {
        const a = s.inspect.push(text);
        rest = "";
        emit = a.emit;
        this.#take(s, a.detections);
        if (last) {
          const b = s.inspect.end();
          emit += b.emit;
          this.#take(s, b.detections);
        }
      } catch {
        this.#failed();
      }
    }
    // Unchecked: what the inspector held back, then the text as it came (a push that throws takes none).
    if (this.#unchecked) emit += s.inspect.abandon() + rest;
    s.edits.inspected += emit.length;
    if (last) s.ended = true;
    const restored = last ? s.restore.push(emit) + s.restore.end() : s.restore.push(emit);
    s.forwarded += restored;
    return restored;
  }

  /**
   * One value of held arguments, or their source when they are not JSON: masked, placeholders put back;
   * its first `from` characters are context (see `inspectWhole`), read and not returned. `edits`, for a
   * cited text (which has no context nor keys), learns what was changed. A property, not a method: it is
   * handed to `inspectArguments` as it is.
   */
  readonly inspectValue = (
    text: string,
    encode: ((value: string) => string) | undefined,
    from = 0,
    slot: Pick<TextSlot, "quotedKeys"> = {},
    edits?: AnswerEdits,
  ): string => {
    const { deps, vault } = this.#args;
    let r: StreamInspection | undefined;
    if (!this.#unchecked) {
      try {
        r = inspectWhole(deps.inspector, text, this.#masked, from, edits?.masks);
      } catch {
        this.#failed();
      }
    }
    if (r !== undefined) for (const d of r.detections) this.found.push(d);
    const emit = r === undefined ? text.slice(from) : r.emit;
    const restore = (t: string, e?: (value: string) => string): string =>
      vault.restore(t, e, edits?.restores);
    return vault.size > 0 ? restoreOwnText(slot, emit, restore, encode) : emit;
  };

  #failed(): void {
    if (this.#unchecked) return;
    if (answerUninspectable(this.#args.deps, this.#args.x) === "closed") throw new AnswerWithheld();
    this.#unchecked = true;
  }

  // One by one: a spread of a few hundred thousand detections (an 8 MiB event of addresses) throws.
  #take(s: OutputStream, detections: readonly Detection[]): void {
    for (const d of detections) {
      this.found.push(d);
      if (s.signed) foundInSigned(d);
    }
  }
}
