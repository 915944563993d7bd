import type { Detection } from "../inspect/types.js";
import { createStreamInspector, inspectWhole, jsonStringContent } from "../inspect/index.js";
import { ACTION_STRENGTH, type AiAction, type ResponsePlan } from "../policy/index.js";
import { sendAnswer } from "./answer.js";
import { AnswerEdits } from "./citation-edits.js";
import { createdContainers, createdStoredResponse } from "./stored-owner.js";
import type { Exchange } from "./exchange.js";
import type { AnswerArgs } from "./forward.js";
import type { UpstreamResponse } from "./upstream-client.js";
import { parseJson, stringifyJson } from "./wire/json-parse.js";
import { restoreOwnText } from "./wire/json-slots.js";

/** An answer once inspected: what was found in it, and the body to send (the upstream's when unchanged). */
interface InspectedAnswer {
  readonly found: Detection[];
  readonly body: string;
}

/**
 * Inspect a whole (non-streaming) answer: mask what the policy masks in model output, restore the
 * request's redaction placeholders, and withhold the answer when the policy blocks what it contains.
 *
 * An answer that is not a JSON object (`text/plain`, JSON that does not parse, a bare JSON string or
 * array) has no fields to read text from, so its whole body is inspected as text, with the same masks
 * and blocks: whatever it is, it reaches the client, and a secret in it must not. A blocked answer is
 * withheld with the provider's own error (403 `response_blocked`), as a blocked JSON answer is.
 *
 * @example await respondJson({ ...forwardArgs, up });
 */
export async function respondJson(args: AnswerArgs & { up: UpstreamResponse }): Promise<void> {
  const { deps, x, up } = args;
  const text = await up.body.text(deps.maxResponseBytes);
  const t = performance.now();
  let answer: InspectedAnswer;
  let json: Record<string, unknown> | null = null;
  try {
    json = parseObject(text);
    answer = json ? inspectJson(args, json, text) : inspectText(args, text, up.contentType);
  } catch {
    if (answerUninspectable(deps, x) === "closed") {
      x.overheadMs += performance.now() - t;
      x.fail(
        args.res,
        503,
        "detente could not inspect the model's answer, so it was withheld (fail closed).",
        "inspection_failed",
      );
      return;
    }
    // Fail open: the answer as the upstream sent it, with the request's placeholders put back.
    usageOf(args, text);
    const vault = args.vault;
    answer = {
      found: [],
      body: vault.size > 0 ? vault.restore(text, placeholderEncoding(up.contentType)) : text,
    };
  }
  const { found } = answer;
  x.tally.add("response", found);
  const plan = deps.responsePlan;
  const blocked = plan.block.length > 0 ? found.filter((d) => plan.block.includes(d.dataClass)) : [];
  if (blocked.length > 0) {
    x.event.action = "block";
    x.event.reasons = [...x.event.reasons, responseReason(blocked)];
    x.overheadMs += performance.now() - t;
    x.fail(
      args.res,
      403,
      `detente withheld the model's answer: ${responseReason(blocked)}.`,
      "response_blocked",
    );
    return;
  }
  x.overheadMs += performance.now() - t;
  x.event.ttftMs = null;
  // The headers say what was decided about the request, as a stream's (sent before its answer) do.
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  answerDecided(x, plan, found);
  // A response the provider stored: its id is now the caller's to retrieve (once it reached them); and
  // so are the containers it ran code in, stored or not.
  if (up.status < 300) {
    createdStoredResponse(deps, x, json);
    if (json !== null) createdContainers(deps, x, x.wire?.answerContainers?.(json));
  }
  sendAnswer(args.res, up.status, headers, answer.body);
  x.finish(up.status);
}

/**
 * Inspecting the answer failed (a detector threw): decided by `ai.failMode`, as a request's inspection
 * is. The audit records it either way; `closed` is for the caller to answer with an error.
 */
export function answerUninspectable(deps: AnswerArgs["deps"], x: Exchange): "closed" | "open" {
  x.event.error = "inspection_failed";
  if (deps.policy.failMode === "closed") {
    x.event.action = "block";
    x.event.reasons = [...x.event.reasons, "the answer could not be inspected: withheld (fail closed)"];
    return "closed";
  }
  x.event.reasons = [...x.event.reasons, "the answer could not be inspected: passed unchecked (fail open)"];
  return "open";
}

/**
 * What the answer's findings did, in the audit event: their reason, and the event's action raised to
 * the answer's (`redact` when a class was masked, `warn` when one is warned about) if that is stronger
 * than the request's, so that `detente ai events --action redact` lists masked answers too.
 */
export function answerDecided(x: Exchange, plan: ResponsePlan, found: readonly Detection[]): void {
  if (found.length === 0) return;
  const kept = found.filter((d) => IN_SIGNED_TEXT.has(d)).length;
  const masked = [
    ...new Set(
      found.filter((d) => plan.mask.includes(d.dataClass) && !IN_SIGNED_TEXT.has(d)).map((d) => d.dataClass),
    ),
  ];
  const warned = found.some((d) => plan.warn.includes(d.dataClass));
  x.event.reasons = [
    ...x.event.reasons,
    responseReason(found) +
      (masked.length > 0 ? `; ${masked.join("/")} masked` : "") +
      (kept > 0 ? `; ${kept} in signed thinking left as the provider sent it` : ""),
  ];
  const answer = masked.length > 0 ? "redact" : warned ? "warn" : "allow";
  const now = ACTION_STRENGTH[x.event.action as AiAction] as number | undefined; // undefined: deny, error
  if (now !== undefined && ACTION_STRENGTH[answer] > now) x.event.action = answer;
}

/**
 * Findings in text the provider signed (see `TextSlot.signed`): counted and blocked like any other, but
 * neither masked nor given placeholders back, so an answer's reason must not say they were masked.
 */
const IN_SIGNED_TEXT = new WeakSet<Detection>();

/** Note that `d` was found in signed text, which is passed as it came (see `IN_SIGNED_TEXT`). */
export function foundInSigned(d: Detection): void {
  IN_SIGNED_TEXT.add(d);
}

/** A JSON answer: each text the wire format knows is inspected whole, and the body re-serialized if one changed. */
function inspectJson(args: AnswerArgs, body: Record<string, unknown>, text: string): InspectedAnswer {
  const { deps, x, vault } = args;
  const wire = x.wire!;
  const mask = deps.responsePlan.mask;
  let changed = false;
  const found: Detection[] = [];
  for (const slot of wire.responseTexts(body)) {
    // The whole text is here: one final pass, nothing held back, each hit found once. Signed text is
    // only read: a class to block withholds the whole answer anyway.
    const signed = slot.signed === true;
    // A sibling's name shown before a `value` (the context) is the sibling's own slot's to report and
    // rewrite: only what follows it is masked and restored here, so the slot can still be split back
    // into its key and value.
    const context = slot.contextLength ?? 0;
    // A text citations point into (which has no context nor keys): what is changed moves them.
    const cited = signed ? undefined : slot.citations;
    const edits = cited === undefined ? undefined : new AnswerEdits();
    const whole = inspectWhole(deps.inspector, slot.text, signed ? [] : mask, context, edits?.masks);
    for (const d of whole.detections) {
      found.push(d); // one by one: a spread of 200,000 would throw
      if (signed) foundInSigned(d);
    }
    if (signed) continue;
    const emitted = whole.emit;
    const restored =
      vault.size > 0
        ? restoreOwnText(slot, emitted, (t, encode) => vault.restore(t, encode, edits?.restores))
        : emitted;
    if (restored !== slot.text.slice(context)) {
      slot.replace(slot.text.slice(0, context) + restored);
      if (edits !== undefined) cited?.remap(edits);
      changed = true;
    }
  }
  const usage = wire.usage(body);
  x.event.tokensIn = usage.input;
  x.event.tokensOut = usage.output;
  return { found, body: changed ? stringifyJson(body) : text };
}

/**
 * Any other answer, inspected as the text it is. Placeholders are restored JSON-escaped in JSON or an
 * event stream (whose data is JSON), where a placeholder can only sit inside a string, as plain text
 * otherwise (see `placeholderEncoding`).
 */
function inspectText(args: AnswerArgs, text: string, contentType: string): InspectedAnswer {
  if (text.length === 0) return { found: [], body: text };
  const { deps, vault } = args;
  const whole = createStreamInspector(deps.inspector, { mask: deps.responsePlan.mask }).end(text);
  const body = vault.size > 0 ? vault.restore(whole.emit, placeholderEncoding(contentType)) : whole.emit;
  return { found: [...whole.detections], body };
}

/** Tokens in and out from an answer that could not be inspected, if it can be read at all. */
function usageOf(args: AnswerArgs, text: string): void {
  try {
    const json = parseObject(text);
    if (!json) return;
    const usage = args.x.wire!.usage(json);
    args.x.event.tokensIn = usage.input;
    args.x.event.tokensOut = usage.output;
  } catch {
    // Nothing more to record.
  }
}

/** The answer as a JSON object, or null when it is anything else (not JSON, an array, a string...). */
function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v = parseJson(text).value;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** "the answer contained 1 secret (aws-access-key-id)": classes and types, never values. */
export function responseReason(found: readonly Detection[]): string {
  const types = [...new Set(found.map((d) => d.type))];
  const classes = [...new Set(found.map((d) => d.dataClass))];
  return `the answer contained ${found.length} ${classes.join("/")} finding${found.length === 1 ? "" : "s"} (${types.join(", ")})`;
}

/**
 * How a value put back into an answer read as text is written: JSON-escaped when the body is JSON or an
 * event stream (a quote in the value would otherwise end the string it sits in), as it is otherwise.
 */
function placeholderEncoding(contentType: string): ((value: string) => string) | undefined {
  const type = contentType.toLowerCase();
  return type.includes("json") || type.includes("event-stream") ? jsonStringContent : undefined;
}
