import type { Detection } from "../inspect/types.js";
import {
  createRestoreStream,
  createStreamInspector,
  inspectWhole,
  jsonStringContent,
} from "../inspect/index.js";
import type { RestoreStream, StreamInspection, StreamInspector } from "../inspect/index.js";
import { AnswerEdits, CitationEvents, StreamEdits } from "./citation-edits.js";
import type { AnswerArgs } from "./forward.js";
import { answerUninspectable, foundInSigned, responseReason } from "./respond-json.js";
import { createSseParser, formatSseEvent, type SseEvent } from "./sse.js";
import { createdStoredResponse } from "./stored-owner.js";
import { MAX_HELD_ARGUMENTS, inspectArguments } from "./stream-json.js";
import {
  AnswerWithheld,
  GatewayFault,
  clientLeft,
  drained,
  finishWith,
  logFault,
  stopped,
  upstreamBroke,
} from "./stream-end.js";
import type { UpstreamCall, UpstreamResponse } from "./upstream-client.js";
import { parseJson, stringifyJson } from "./wire/json-parse.js";
import {
  endsStream,
  streamFailureEvents,
  type StreamCitations,
  type StreamSlot,
  type TextSlot,
  type WireEvent,
} from "./wire/index.js";
import { restoreOwnText } from "./wire/json-slots.js";

/**
 * Per output stream (a choice, a content block, a tool call's arguments): its inspector, its placeholder
 * restorer, an event to model a flush on, the text forwarded so far (for snapshot events that repeat a
 * stream's whole text), and for a tool call's arguments the JSON held until the call ends (undefined
 * once it is sent, or when it grew past MAX_HELD_ARGUMENTS and is inspected as text as it comes); what
 * the inspector and the restorer changed, for the citations into the text (see citation-edits.ts).
 */
interface OutputStream {
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
 * A stream whose text only came whole, in snapshot events (an MCP call's output, an item sent without
 * deltas): the text as the upstream sent it, as it was forwarded, and the keys of what was found in it,
 * so that a later copy (`response.completed` repeats every item) is answered alike and counted once;
 * for a text cited in the same event, what was changed in it (see citation-edits.ts).
 */
interface WholeText {
  readonly source: string;
  readonly forwarded: string;
  readonly found: ReadonlySet<string>;
  readonly edits: AnswerEdits | undefined;
}

const NO_CITATIONS: readonly StreamCitations[] = [];

/**
 * Pass a streamed answer (SSE) through as it arrives: each event's text deltas are inspected
 * incrementally with bounded look-back (masking what the policy masks), redaction placeholders are
 * restored even when split across events, and everything else is forwarded untouched. Nothing is
 * buffered beyond a possible partial placeholder or secret, so time to first token is kept.
 *
 * @example await respondStream({ ...forwardArgs, up, call });
 */
export async function respondStream(
  args: AnswerArgs & { up: UpstreamResponse; call: UpstreamCall },
): Promise<void> {
  const { deps, x, up, vault, call } = args;
  const wire = x.wire!;
  const plan = deps.responsePlan;
  const out = args.res;
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  out.writeHead(up.status, headers);
  // Headers go now, not with the first token: clients wait for them before they read the stream.
  out.flushHeaders();
  const streams = new Map<string, OutputStream>();
  const masked = [...plan.mask, ...plan.block];
  const found: Detection[] = [];
  const wholes = new Map<string, WholeText>();
  const parser = createSseParser();
  let blocked: Detection[] = [];
  // Set when text of the answer (a delta, a flush, a text first seen whole in a snapshot) is about to go
  // out: time to first token is taken when it is written, whichever event carried it.
  let content = false;
  // Set when a Responses `response.created` was read; it is out once the text that carries it is written.
  let opening = false;
  // The Responses API numbers its events; see `Exchange.sequence`. True when `data`'s number changed.
  const numbered = wire.id.startsWith("openai-responses");
  const renumber = (data: Record<string, unknown>): boolean => {
    const n = data.sequence_number;
    if (!numbered || typeof n !== "number") return false;
    if (n > x.sequence) {
      x.sequence = n;
      return false;
    }
    data.sequence_number = ++x.sequence;
    return true;
  };

  // Citations follow the edits of the text they point into, streamed or seen whole: see citation-edits.ts.
  const cited = new CitationEvents(streams, wholes, renumber);

  const stream = (id: string, like: WireEvent, json: boolean, signed: boolean): OutputStream => {
    let s = streams.get(id);
    if (!s) {
      const edits = new StreamEdits();
      s = {
        // Blocked classes are held back (masked) too: a finding is only certain once later text came, and
        // by then the chunk that carries it would have gone to the client before the block. Signed text
        // is held back for a block only: what it holds otherwise goes as it came.
        inspect: createStreamInspector(deps.inspector, {
          mask: signed ? plan.block : masked,
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
      streams.set(id, s);
    }
    return s;
  };
  // Set once inspecting the answer failed under `failMode: open`: the rest passes unchecked.
  let unchecked = false;
  const failed = (): void => {
    if (unchecked) return;
    if (answerUninspectable(deps, x) === "closed") throw new AnswerWithheld();
    unchecked = true;
  };
  // One value of held arguments, or their source when they are not JSON: masked, placeholders put back;
  // its first `from` characters are context (see `inspectWhole`), read and not returned. `edits`, for a
  // cited text (which has no context nor keys), learns what was changed.
  const inspectValue = (
    text: string,
    encode: ((value: string) => string) | undefined,
    from = 0,
    slot: Pick<TextSlot, "quotedKeys"> = {},
    edits?: AnswerEdits,
  ): string => {
    let r: StreamInspection | undefined;
    if (!unchecked) {
      try {
        r = inspectWhole(deps.inspector, text, masked, from, edits?.masks);
      } catch {
        failed();
      }
    }
    if (r !== undefined) for (const d of r.detections) found.push(d);
    const emit = r === undefined ? text.slice(from) : r.emit;
    const restore = (t: string, e?: (value: string) => string): string =>
      vault.restore(t, e, edits?.restores);
    return vault.size > 0 ? restoreOwnText(slot, emit, restore, encode) : emit;
  };
  // One by one: a spread of a few hundred thousand detections (an 8 MiB event of addresses) throws.
  const take = (s: OutputStream, detections: readonly Detection[]): void => {
    for (const d of detections) {
      found.push(d);
      if (s.signed) foundInSigned(d);
    }
  };
  const inspected = (s: OutputStream, piece: string, last: boolean): string => {
    let text = piece;
    if (s.held !== undefined) {
      s.held += text;
      if (!last && s.held.length <= MAX_HELD_ARGUMENTS) return "";
      text = s.held;
      s.held = undefined;
      if (last) {
        s.ended = true;
        const whole = inspectArguments(text, inspectValue);
        s.forwarded += whole;
        return whole;
      }
      // Too long to hold: inspected as text from here on (restored values JSON-escaped).
    }
    let emit = "";
    let rest = text; // what the inspector has not taken
    if (!unchecked) {
      try {
        const a = s.inspect.push(text);
        rest = "";
        emit = a.emit;
        take(s, a.detections);
        if (last) {
          const b = s.inspect.end();
          emit += b.emit;
          take(s, b.detections);
        }
      } catch {
        failed();
      }
    }
    // Unchecked: what the inspector held back, then the text as it came (a push that throws takes none).
    if (unchecked) emit += s.inspect.abandon() + rest;
    s.edits.inspected += emit.length;
    if (last) s.ended = true;
    const restored = last ? s.restore.push(emit) + s.restore.end() : s.restore.push(emit);
    s.forwarded += restored;
    return restored;
  };
  // What was held back of a stream that ends, then the citation events that waited for it.
  const flush = (id: string): string => {
    const s = streams.get(id);
    if (!s || s.ended) return "";
    const text = inspected(s, "", true);
    return (text ? flushEvent(id, text, s.like) : "") + cited.released(s);
  };
  const flushEvent = (id: string, text: string, like: WireEvent): string => {
    content = true;
    const ev = wire.flushEvent(id, text, like);
    if (!numbered) return formatSseEvent(ev);
    const data = parseJson(ev.data).value as Record<string, unknown>;
    return formatSseEvent(renumber(data) ? { ...ev, data: stringifyJson(data) } : ev);
  };

  // Text no delta carried is inspected whole, with the same masks, where it first appears; what was
  // changed in it is kept when `citations` point into it.
  const wholeText = (snap: StreamSlot, citations: readonly StreamCitations[]): string => {
    const seen = wholes.get(snap.stream);
    if (seen?.source === snap.text) return seen.forwarded;
    // A tool call's arguments that came whole are read value by value, as held ones are; other text
    // whole, a value shown after its sibling's name (a tool input given whole) masked after the name only.
    const before = found.length;
    const ctx = snap.contextLength ?? 0;
    const pointed = citations.length > 0 && citations.some((c) => c.stream === snap.stream);
    const edits = pointed && ctx === 0 && snap.jsonFragment !== true ? new AnswerEdits() : undefined;
    const forwarded =
      snap.jsonFragment === true
        ? inspectArguments(snap.text, inspectValue)
        : snap.text.slice(0, ctx) + inspectValue(snap.text, undefined, ctx, snap, edits);
    const hits = found.splice(before);
    for (const d of hits) if (!seen?.found.has(detectionKey(d))) found.push(d);
    // Text that could not be inspected (failMode open) is not remembered as inspected.
    if (!unchecked)
      wholes.set(snap.stream, {
        source: snap.text,
        forwarded,
        found: new Set(hits.map(detectionKey)),
        edits,
      });
    return forwarded;
  };

  const updateBlocked = (): void => {
    if (plan.block.length > 0) blocked = found.filter((d) => plan.block.includes(d.dataClass));
  };

  const firstToken = (): void => {
    if (x.event.ttftMs === null) x.event.ttftMs = Math.round((performance.now() - x.t0) * 1000) / 1000;
  };

  const onEvent = (ev: SseEvent): string => {
    if (ev.data === "[DONE]") {
      const flushed = [...streams.keys()].map(flush).join("");
      updateBlocked(); // a class to block, found only now, stops the answer before its [DONE]
      return flushed + formatSseEvent(ev);
    }
    const parsed = parseObject(ev.data);
    if (!parsed) return formatSseEvent(ev);
    if (numbered && parsed.type === "response.created") {
      opening = true;
      createdStoredResponse(deps, x, parsed.response);
    }
    const pe: WireEvent = ev.event === undefined ? { data: parsed } : { event: ev.event, data: parsed };
    const usage = wire.streamUsage(pe);
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
      if (endsHere(id) && !slots.some((s) => s.stream === id)) prefix += flush(id);
    const citations = wire.streamCitations?.(pe) ?? NO_CITATIONS;
    // Citations alone, into text not forwarded yet, wait for it (see `StreamEdits`); numbered when sent.
    const wait = citations.length > 0 ? cited.waitFor(citations, slots.length > 0) : undefined;
    // Numbered after what goes before it.
    let changed = wait === undefined && renumber(parsed);
    for (const slot of slots) {
      const s = stream(slot.stream, pe, slot.jsonFragment === true, slot.signed === true);
      s.like = pe;
      const text = inspected(s, slot.text, endsHere(slot.stream));
      if (text !== slot.text) {
        slot.replace(text);
        changed = true;
      }
      if (text.length > 0) content = true;
    }
    // Events that repeat a stream's whole text must agree with what was forwarded; a text that came in
    // no delta is inspected here.
    for (const snap of wire.streamSnapshots(pe)) {
      const s = streams.get(snap.stream);
      const text = s ? s.forwarded : wholeText(snap, citations);
      if (text.length > 0) content = true;
      if (snap.text !== text) {
        snap.replace(text);
        changed = true;
      }
    }
    updateBlocked();
    if (wait !== undefined) return prefix + cited.hold(wait, ev, parsed, citations);
    if (citations.length > 0 && cited.remap(citations)) changed = true;
    const body = changed ? stringifyJson(parsed) : ev.data;
    let out = prefix + formatSseEvent({ ...ev, data: body });
    // Citation events that waited for this text.
    for (const slot of slots) out += cited.released(streams.get(slot.stream));
    return out;
  };

  // Inspection failures are decided inside (failMode). Anything else that throws while an event is
  // rewritten is a fault of the gateway's: the inspectors may have taken text that would then be lost or
  // sent twice, so the stream stops, whatever the failMode.
  const onEventOrFail = (ev: SseEvent): string => {
    const before = content;
    try {
      return onEvent(ev);
    } catch (e) {
      content = before; // the failed event's text is not sent: it does not start the answer
      throw e instanceof AnswerWithheld ? e : new GatewayFault(e);
    }
  };

  // This chunk's events that were inspected: sent even when a later one fails (closed).
  let checked = "";
  try {
    for await (const chunk of up.body) {
      const t = performance.now();
      checked = "";
      for (const ev of parser.push(chunk)) checked += onEventOrFail(ev);
      const text = checked;
      checked = "";
      x.overheadMs += performance.now() - t;
      if (blocked.length > 0) break;
      if (text) {
        if (content) firstToken();
        if (opening) x.responseOpened = true;
        if (!out.write(text)) await drained(out, call);
      }
    }
    if (blocked.length === 0) {
      for (const ev of parser.end()) checked += onEventOrFail(ev);
      try {
        for (const id of streams.keys()) checked += flush(id);
      } catch (e) {
        throw e instanceof AnswerWithheld ? e : new GatewayFault(e);
      }
      updateBlocked();
      const tail = checked;
      checked = "";
      if (tail && blocked.length === 0) {
        if (content) firstToken();
        if (opening) x.responseOpened = true;
        out.write(tail);
      }
    }
  } catch (e) {
    // The client went away: `call` is cancelled unless the upstream had already ended (its answer was
    // still being written out), and either way it is the client's leaving that the audit records.
    if (call.cancelled || out.destroyed) {
      call.cancel();
      clientLeft(args, found);
      return;
    }
    call.cancel();
    if (!(e instanceof AnswerWithheld || e instanceof GatewayFault)) {
      upstreamBroke(args, found, e);
      return;
    }
    // A block found before the failure (earlier in the chunk, or in the same event) wins, below: nothing
    // more of a blocked answer goes out.
    updateBlocked();
    if (blocked.length > 0 && e instanceof GatewayFault) logFault(args, e);
    if (blocked.length === 0) {
      if (checked) {
        if (content) firstToken();
        if (opening) x.responseOpened = true;
        out.write(checked);
      }
      stopped(args, found, e);
      return;
    }
  }
  if (blocked.length > 0) {
    call.cancel();
    x.event.action = "block";
    x.event.error = "response_blocked";
    const why = `detente stopped the model's answer: ${responseReason(blocked)}.`;
    out.end(streamFailureEvents(wire, x, 403, why, "response_blocked").map(formatSseEvent).join(""));
  } else if (out.destroyed) {
    // Gone while the last of the answer was written: it never had all of it.
    clientLeft(args, found);
    return;
  } else out.end();
  finishWith(args, found);
}

/**
 * An error the upstream sent in its stream: `event: error` (Anthropic, the Responses API), or a data
 * object with an `error` and no `choices` (Chat Completions servers).
 */
function isUpstreamError(ev: SseEvent, data: Record<string, unknown>): boolean {
  if (ev.event === "error" || data.type === "error") return true;
  return typeof data.error === "object" && data.error !== null && data.choices === undefined;
}

/** Which hit a detection is, for counting a hit in a repeated text once. */
function detectionKey(d: Detection): string {
  return `${d.type}:${d.start}:${d.end}:${d.hash}`;
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
