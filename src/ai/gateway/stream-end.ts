// How a streamed answer ends other than normally (respond-stream.ts): the client left, the upstream broke
// off or timed out, the answer could not be inspected, or the gateway failed; and the audit of each.
import type { Detection } from "../inspect/types.js";
import type { AnswerArgs } from "./forward.js";
import { answerDecided, responseReason } from "./respond-json.js";
import { formatSseEvent } from "./sse.js";
import { UpstreamFailure, type UpstreamCall, type UpstreamResponse } from "./upstream-client.js";
import { streamFailureEvents } from "./wire/index.js";
import type { GatewayResponse } from "./http-shapes.js";

/**
 * The upstream broke off mid-stream, or sent what cannot be read (an event over the size limit), or
 * timed out: the client is told in the provider's own stream error format. The client got a 200 and
 * part of an answer, but the request failed: the audit says so (an error, 502, as an upstream that could
 * not be reached, or 504), the status the client's stream error carries, rather than the 200 its headers
 * had.
 */
export function upstreamBroke(
  args: AnswerArgs & { up: UpstreamResponse },
  found: Detection[],
  e: unknown,
): void {
  const { x } = args;
  const timedOut = e instanceof UpstreamFailure && e.status === 504;
  x.event.error = timedOut ? "upstream_timeout" : "upstream_stream_error";
  if (x.event.action === "allow") x.event.action = "error";
  x.event.status = timedOut ? 504 : 502;
  const why = timedOut ? `${e.message}.` : "The upstream stream was interrupted.";
  args.res.end(
    streamFailureEvents(x.wire!, x, x.event.status, why, x.event.error).map(formatSseEvent).join(""),
  );
  finishWith(args, found);
}

/**
 * Stop a stream after what was inspected: the answer could not be inspected and the policy fails closed
 * (503), or the gateway failed while rewriting it (500; the log gets the error's name only).
 */
export function stopped(
  args: AnswerArgs & { up: UpstreamResponse },
  found: Detection[],
  e: AnswerWithheld | GatewayFault,
): void {
  const { x } = args;
  let why: string;
  if (e instanceof AnswerWithheld) {
    x.event.status = 503;
    why = "detente could not inspect the rest of the model's answer, so it was stopped (fail closed).";
  } else {
    logFault(args, e);
    x.event.status = 500;
    x.event.error = "internal_error";
    if (x.event.action === "allow") x.event.action = "error";
    why = `detente could not handle the rest of this answer (request id ${x.id}).`;
  }
  const code = e instanceof AnswerWithheld ? "inspection_failed" : "internal_error";
  args.res.end(streamFailureEvents(x.wire!, x, x.event.status, why, code).map(formatSseEvent).join(""));
  finishWith(args, found);
}

/** A fault of the gateway's in a stream, for the log: the error's name only, never content. */
export function logFault(args: AnswerArgs, e: GatewayFault): void {
  args.deps.log.warn(
    { requestId: args.x.id, error: e.cause instanceof Error ? e.cause.name : "unknown" },
    "gateway stream failed",
  );
}

/** Audit a stream the client left before its end, as `forward` does one it left before the answer. */
export function clientLeft(args: AnswerArgs, found: Detection[]): void {
  const { x } = args;
  x.tally.add("response", found);
  answerDecided(x, args.deps.responsePlan, found);
  x.event.error = "client_closed";
  x.finish(499);
}

/** Write a stream's audit event: what the answer held and what was done to it, with the upstream's status. */
export function finishWith(args: AnswerArgs & { up: UpstreamResponse }, found: Detection[]): void {
  const { x, up } = args;
  x.tally.add("response", found);
  if (x.event.action !== "block") answerDecided(x, args.deps.responsePlan, found);
  else if (found.length > 0) x.event.reasons = [...x.event.reasons, responseReason(found)];
  x.finish(up.status);
}

/** Wait until the client reads what was written, or goes away (which cancels `call`: then throw). */
export async function drained(out: GatewayResponse, call: UpstreamCall): Promise<void> {
  // Gone already: no 'drain' or 'close' is coming any more.
  if (!call.cancelled && !out.destroyed)
    await new Promise<void>((resolve) => {
      const done = () => {
        out.off("drain", done);
        out.off("close", done);
        resolve();
      };
      out.on("drain", done);
      out.on("close", done);
    });
  if (call.cancelled || out.destroyed) {
    const e = new Error("the client went away");
    e.name = "AbortError";
    throw e;
  }
}

/** Thrown when the answer cannot be inspected and the policy fails closed. */
export class AnswerWithheld extends Error {}

/** Anything else that failed while an event was rewritten (a bug): the stream stops. */
export class GatewayFault extends Error {
  constructor(cause: unknown) {
    super("the gateway failed while rewriting a streamed answer", { cause });
  }
}
