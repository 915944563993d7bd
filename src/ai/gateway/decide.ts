// Deciding a model request before it goes upstream: parse it, route its model, authorize the caller,
// inspect every text the model will read, decide by policy, and redact what the decision redacts (signed
// thinking excepted). Every refusal is answered here, in the provider's own format.
import type { Principal } from "../../services/ai/keys.js";
import type { Detection } from "../inspect/types.js";
import { createVault, TextEdits, type RedactionVault } from "../inspect/index.js";
import { authorize, decideRequest, routeModel } from "../policy/index.js";
import type { Caller } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import type { Exchange } from "./exchange.js";
import type { ForwardArgs } from "./forward.js";
import type { GatewayResponse } from "./http-shapes.js";
import { itemReferences, namedContainers } from "./stored-owner.js";
import { RESPONSES_API } from "./upstream.js";
import type { TextSlot } from "./wire/index.js";
import { membersIn, parseJson, stringifyJson } from "./wire/json-parse.js";
import { UnreadableInput } from "./wire/token-ids.js";

/**
 * What `decide` leaves for forwarding: where to, and the body and vault of the request as decided; and
 * the stored response it continues (a Responses request's `previous_response_id`, an Anthropic
 * `thread`'s `previous_message_id`), or null, the items of stored responses its input names
 * (`item_reference`s), the code-execution containers it names to run in, and the answer whose prompt
 * Anthropic's cache diagnostics are to compare with its own (`diagnostics.previous_message_id`), or null.
 */
type Decided = Pick<ForwardArgs, "upstream" | "route" | "body" | "vault"> & {
  continues: string | null;
  compares: string | null;
  references: readonly string[];
  containers: readonly string[];
};

/**
 * Parse, route, authorize, inspect and decide; answers every refusal itself (null). A model without a
 * route is left to the caller, which lists the caller's models (asynchronously) for the message.
 *
 * @example const next = decide(deps, x, body, res, who); // `who` from identify; then forward({ ...next })
 */
export function decide(
  deps: GatewayDeps,
  x: Exchange,
  raw: Buffer,
  res: GatewayResponse,
  who: { principal: Principal; caller: Caller },
): Decided | { noRoute: string } | null {
  const { caller } = who;
  const wire = x.wire!;
  const t = performance.now();
  x.hashRequest(raw);
  let body: unknown;
  let members: number;
  const text = raw.toString("utf8");
  try {
    ({ value: body, members } = parseJson(text));
  } catch (e) {
    // Only the position: V8's message can quote the body, and errors never repeat content.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    x.fail(
      res,
      400,
      `The request body is not valid JSON${at === undefined ? "" : ` (at character ${at})`}.`,
      "invalid_json",
    );
    return null;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    x.fail(res, 400, "The request body must be a JSON object.", "invalid_request");
    return null;
  }
  const json = body as Record<string, unknown>;
  const model = wire.model(json);
  x.event.modelRequested = model ?? null;
  x.event.stream = wire.stream(json);
  if (model === undefined) {
    x.fail(res, 400, "The request has no `model`.", "invalid_request");
    return null;
  }

  const route = routeModel(deps.policy, model);
  if (!route) return { noRoute: model };
  const access = authorize(deps.policy, caller, route);
  if (!access.ok) {
    x.fail(res, 403, access.message, `not_allowed_${access.reason}`);
    return null;
  }

  // Inspect every text the model will read. A failure here is decided by policy: closed blocks.
  const slots = wire.requestTexts(json);
  const found: (readonly Detection[])[] = [];
  let uninspected = false;
  try {
    // Texts the caller sent before (system prompt, tools, the conversation so far) are remembered.
    const scope = who.principal.keyId;
    for (const slot of slots) {
      const hits = deps.requestInspector.inspect(scope, slot.text, slot.role);
      // What lies wholly in a slot's context (a sibling's name) is the sibling slot's finding.
      const context = slot.contextLength ?? 0;
      found.push(context > 0 ? hits.filter((d) => d.end > context) : hits);
    }
  } catch (e) {
    // Token ids detente cannot read are the client's to fix, whatever the failMode: a client must not be
    // able to make the gateway fail open on purpose.
    if (e instanceof UnreadableInput) {
      x.event.reasons = ["token ids detente cannot read: not sent"];
      x.fail(res, 400, `detente could not read this request: ${e.message}`, "unreadable_token_ids");
      return null;
    }
    uninspected = true;
    if (deps.policy.failMode === "closed") {
      x.event.reasons = ["the request could not be inspected: not sent (fail closed)"];
      x.event.action = "block";
      x.fail(
        res,
        503,
        "detente could not inspect this request, so it was not sent (fail closed).",
        "inspection_failed",
      );
      return null;
    }
    found.length = 0;
    x.event.error = "inspection_failed";
  }
  // A loop, not `found.flat()`: V8's flat took 3-7 µs for 30 detections, a loop a tenth of that.
  const all: Detection[] = [];
  for (const hits of found) for (const d of hits) all.push(d);
  x.tally.add("request", all);
  const decision = decideRequest({ policy: deps.policy, caller, route, detections: all });
  x.event.action = decision.action;
  x.event.reasons = uninspected
    ? ["the request could not be inspected: sent unchecked (fail open)", ...decision.reasons]
    : [...decision.reasons];
  const upstream = deps.upstreams.get(decision.route.upstream);
  x.event.upstream = decision.route.upstream;
  x.event.provider = upstream?.type ?? null;
  x.event.modelUsed = decision.route.model;
  x.event.modelRouted = decision.route.requested;
  if (decision.action === "block") {
    x.fail(res, 403, decision.message ?? "Blocked by the AI usage policy.", "blocked_by_policy");
    return null;
  }
  if (!upstream) {
    x.fail(res, 500, `Upstream "${decision.route.upstream}" is not configured.`, "no_upstream");
    return null;
  }
  if (!upstream.formats.includes(wire.family)) {
    x.fail(
      res,
      400,
      `Model "${model}" is served by upstream "${upstream.name}", which does not speak the ${wire.family === "openai" ? "OpenAI" : "Anthropic"} API; use its own API instead.`,
      "wrong_api",
    );
    return null;
  }

  // Most requests redact nothing: they share one vault that stays empty, and allocate none.
  const vault = decision.redact.length > 0 ? createVault() : NOTHING_REDACTED;
  const { changed, signed } =
    decision.redact.length > 0
      ? redact(slots, found, new Set(decision.redact), vault, signedPrefix(json, wire.family))
      : UNCHANGED;
  if (signed > 0) {
    x.event.reasons = [
      ...x.event.reasons,
      `${signed} finding${signed === 1 ? "" : "s"} in signed thinking sent unchanged: the provider refuses a changed thinking block`,
    ];
    // Nothing else was redacted: the request went as it came.
    if (!changed && x.event.action === "redact") x.event.action = "warn";
  }
  // Azure names the deployment in the path, except for the Responses API, which reads it from `model`.
  const modelInBody = upstream.type !== "azure-openai" || RESPONSES_API.has(wire.id);
  if (decision.route.model !== model && modelInBody) wire.setModel(json, decision.route.model);
  // Unchanged requests go upstream as the very bytes received, unless an object in them has a key twice:
  // parsing kept the last value, which is what was inspected, and an upstream that keeps the first
  // would read text nobody inspected. Those are sent as parsed, their numbers as written.
  const outgoing =
    changed || decision.route.model !== model || members !== membersIn(text) ? stringifyJson(json) : raw;
  // Whom what the provider makes for this request belongs to: the containers it runs code in, whatever
  // `store` says, and the response it stores unless told not to (see stored-routes.ts).
  x.owner = {
    keyId: who.principal.keyId,
    user: who.principal.user,
    upstream: upstream.name,
    model: decision.route.model,
    modelRouted: decision.route.requested,
  };
  if (wire.id === "openai-responses" && json.store !== false) x.createsStored = x.owner;
  // A conversation the provider holds under the answer's id (Anthropic's threads), or a prompt's
  // fingerprint (its cache diagnostics), is noted as a stored response is, and the one it continues is
  // checked as `previous_response_id` is (the one it compares with: see `comparedMessage`).
  const held = wire.heldConversation?.(json) ?? null;
  if (held !== null) x.createsStored = x.owner;
  x.overheadMs += performance.now() - t;
  const responses = RESPONSES_API.has(wire.id);
  const previous = responses ? json.previous_response_id : undefined;
  const continues =
    typeof previous === "string" && previous.length > 0 ? previous : (held?.continues ?? null);
  const references = responses ? itemReferences(json.input) : NO_REFERENCES;
  const containers = namedContainers(wire.namedContainers?.(json));
  return {
    upstream,
    route: decision.route,
    body: outgoing,
    vault,
    continues,
    compares: held?.compares ?? null,
    references,
    containers,
  };
}

const NO_REFERENCES: readonly string[] = [];

/** The vault of every request that redacts nothing: never written to, so always empty. */
const NOTHING_REDACTED: RedactionVault = createVault();

const UNCHANGED = { changed: false, signed: 0 } as const;

/**
 * Where signed text that must reach the provider unchanged is: Anthropic checks the thinking blocks of the
 * latest assistant message only (earlier ones it drops), in requests in its own format (sent to Anthropic
 * or to a proxy in front of Claude, such as LiteLLM or a Bedrock gateway). Undefined: none.
 */
function signedPrefix(json: Record<string, unknown>, family: string): string | undefined {
  if (family !== "anthropic" || !Array.isArray(json.messages)) return undefined;
  const messages = json.messages as unknown[];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (typeof m === "object" && m !== null && (m as { role?: unknown }).role === "assistant")
      return `messages[${i}].`;
  }
  return undefined;
}

/**
 * Replace the spans the decision redacts with placeholders, except in signed text under `keep` (see
 * `TextSlot.signed`, `signedPrefix`): whether anything changed, and how many spans were left there.
 */
function redact(
  slots: readonly TextSlot[],
  found: readonly (readonly Detection[])[],
  chosen: ReadonlySet<Detection>,
  vault: RedactionVault,
  keep: string | undefined,
): { changed: boolean; signed: number } {
  if (chosen.size === 0) return UNCHANGED;
  let changed = false;
  let signed = 0;
  slots.forEach((slot, i) => {
    const hits = (found[i] ?? []).filter((d) => chosen.has(d));
    if (hits.length === 0) return;
    if (slot.signed === true && keep !== undefined && slot.path.startsWith(keep)) {
      signed += hits.length;
      return;
    }
    // A text citations point into (an assistant's earlier answer sent back): they move with it.
    const cited = slot.citations;
    const edits = cited === undefined ? undefined : new TextEdits();
    slot.replace(vault.redact(slot.text, hits, edits));
    if (edits !== undefined) cited?.remap(edits);
    changed = true;
  });
  return { changed, signed };
}
