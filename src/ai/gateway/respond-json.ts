import type { Detection } from "../inspect/types.js";
import { createStreamInspector } from "../inspect/index.js";
import { sendAnswer } from "./answer.js";
import type { ForwardArgs } from "./forward.js";
import type { UpstreamResponse } from "./upstream-client.js";

/**
 * Inspect a whole (non-streaming) answer: mask what the policy masks in model output, restore the
 * request's redaction placeholders, and withhold the answer when the policy blocks what it contains.
 *
 * @example await respondJson({ ...forwardArgs, up });
 */
export async function respondJson(args: ForwardArgs & { up: UpstreamResponse }): Promise<void> {
  const { deps, x, up, vault } = args;
  const wire = x.wire!;
  const text = await up.body.text(deps.maxResponseBytes);
  const t = performance.now();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  let out = text;
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const body = json as Record<string, unknown>;
    const plan = deps.responsePlan;
    let changed = false;
    const found: Detection[] = [];
    for (const slot of wire.responseTexts(body)) {
      // The whole text is here: one final pass, nothing held back, each hit found once.
      const whole = createStreamInspector(deps.inspector, { mask: plan.mask }).end(slot.text);
      found.push(...whole.detections);
      const emitted = whole.emit;
      const restored = vault.size > 0 ? vault.restore(emitted) : emitted;
      if (restored !== slot.text) {
        slot.replace(restored);
        changed = true;
      }
    }
    x.tally.add("response", found);
    const usage = wire.usage(body);
    x.event.tokensIn = usage.input;
    x.event.tokensOut = usage.output;
    const blocked = found.filter((d) => plan.block.includes(d.dataClass));
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
    if (found.length > 0) x.event.reasons = [...x.event.reasons, responseReason(found)];
    if (changed) out = JSON.stringify(body);
  }
  x.overheadMs += performance.now() - t;
  x.event.ttftMs = null;
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  sendAnswer(args.res, up.status, headers, out);
  x.finish(up.status);
}

/** "the answer contained 1 secret (aws-access-key-id)": classes and types, never values. */
export function responseReason(found: readonly Detection[]): string {
  const types = [...new Set(found.map((d) => d.type))];
  const classes = [...new Set(found.map((d) => d.dataClass))];
  return `the answer contained ${found.length} ${classes.join("/")} finding${found.length === 1 ? "" : "s"} (${types.join(", ")})`;
}
