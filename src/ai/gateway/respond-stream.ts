import type { Exchange } from "./exchange.js";
import type { AnswerArgs } from "./forward.js";
import { responseReason } from "./respond-json.js";
import { createSseParser, formatSseEvent } from "./sse.js";
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
import { StreamEvents } from "./stream-events.js";
import { StreamTexts } from "./stream-texts.js";
import type { UpstreamCall, UpstreamResponse } from "./upstream-client.js";
import { streamFailureEvents } from "./wire/index.js";

/**
 * A streamed answer's loop: the upstream's chunks read as they come, their events rewritten
 * (stream-events.ts, over the texts of stream-texts.ts and whole-texts.ts) and written to the client,
 * and how the answer ends: whole, blocked by the policy, or as stream-end.ts says.
 */

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
  const { x, up, call } = args;
  const wire = x.wire!;
  const out = args.res;
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  out.writeHead(up.status, headers);
  // Headers go now, not with the first token: clients wait for them before they read the stream.
  out.flushHeaders();
  const texts = new StreamTexts(args);
  const found = texts.found;
  const events = new StreamEvents(args, texts);
  const parser = createSseParser();

  // This chunk's events that were inspected: sent even when a later one fails (closed).
  let checked = "";
  try {
    for await (const chunk of up.body) {
      const t = performance.now();
      checked = "";
      for (const ev of parser.push(chunk)) checked += events.rewrite(ev);
      const text = checked;
      checked = "";
      x.overheadMs += performance.now() - t;
      if (events.blocked.length > 0) break;
      if (text) {
        if (events.content) firstToken(x);
        if (events.opening) x.responseOpened = true;
        if (!out.write(text)) await drained(out, call);
      }
    }
    if (events.blocked.length === 0) {
      for (const ev of parser.end()) checked += events.rewrite(ev);
      try {
        for (const id of texts.streams.keys()) checked += events.flush(id);
      } catch (e) {
        throw e instanceof AnswerWithheld ? e : new GatewayFault(e);
      }
      events.updateBlocked();
      const tail = checked;
      checked = "";
      if (tail && events.blocked.length === 0) {
        if (events.content) firstToken(x);
        if (events.opening) x.responseOpened = true;
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
    events.updateBlocked();
    if (events.blocked.length > 0 && e instanceof GatewayFault) logFault(args, e);
    if (events.blocked.length === 0) {
      if (checked) {
        if (events.content) firstToken(x);
        if (events.opening) x.responseOpened = true;
        out.write(checked);
      }
      stopped(args, found, e);
      return;
    }
  }
  if (events.blocked.length > 0) {
    call.cancel();
    x.event.action = "block";
    x.event.error = "response_blocked";
    const why = `detente stopped the model's answer: ${responseReason(events.blocked)}.`;
    out.end(streamFailureEvents(wire, x, 403, why, "response_blocked").map(formatSseEvent).join(""));
  } else if (out.destroyed) {
    // Gone while the last of the answer was written: it never had all of it.
    clientLeft(args, found);
    return;
  } else out.end();
  finishWith(args, found);
}

/** Time to first token, taken when the first text of the answer is written. */
function firstToken(x: Exchange): void {
  if (x.event.ttftMs === null) x.event.ttftMs = Math.round((performance.now() - x.t0) * 1000) / 1000;
}
