// The gateway's path for a model request, from the request's bytes to the answer: who asks
// (identify.ts), what to do with it (decide.ts), then forwarding it and inspecting the answer
// (forward.ts). A bug on the way is a plain 500 for the client and an `error` in the audit trail.
import type { GatewayDeps } from "./deps.js";
import { decide } from "./decide.js";
import { Exchange } from "./exchange.js";
import { forward } from "./forward.js";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";
import { identify } from "./identify.js";
import { comparedMessage, mayContinue } from "./stored-owner.js";
import type { WireFormat } from "./wire/index.js";

/**
 * The gateway's path for every model endpoint: authenticate, parse, route, authorize, inspect every
 * text the model will read, decide by policy, redact or reroute, then forward and inspect the answer.
 * Every outcome, blocks included, is answered in the provider's own format and written to the audit
 * trail.
 *
 * @example await handleModelRequest(deps, wireFormat("anthropic-messages"), "messages", { req, res, body });
 */
export async function handleModelRequest(
  deps: GatewayDeps,
  wire: WireFormat,
  endpoint: string,
  http: { req: GatewayRequest; res: GatewayResponse; body: Buffer },
): Promise<void> {
  const { res } = http;
  const x = new Exchange(deps, wire, endpoint, wire.family);
  try {
    await decideAndForward(deps, x, http);
  } catch (e) {
    requestFailed(deps, x, res, e);
  }
}

/**
 * A bug while handling a request: the client gets a plain 500 in its provider's format (or, when the
 * answer began, a cut connection), the log the error's name only, the audit trail an `error`.
 *
 * @example try { await decideAndForward(deps, x, http); } catch (e) { requestFailed(deps, x, http.res, e); }
 */
export function requestFailed(deps: GatewayDeps, x: Exchange, res: GatewayResponse, e: unknown): void {
  deps.log.warn(
    { requestId: x.id, error: e instanceof Error ? e.name : "unknown" },
    "gateway request failed",
  );
  x.event.action = "error";
  if (!res.headersSent)
    x.fail(res, 500, `detente could not handle this request (request id ${x.id}).`, "internal_error");
  else {
    res.destroy();
    x.finish(500);
  }
}

async function decideAndForward(
  deps: GatewayDeps,
  x: Exchange,
  http: { req: GatewayRequest; res: GatewayResponse; body: Buffer },
): Promise<void> {
  const { req, res } = http;
  const who = await identify(deps, x, req, res);
  if (!who) return;
  // Deciding is synchronous and keeps the parsed body, its texts and detections to itself: none of it
  // stays reachable while the upstream answers, so it dies young instead of being copied by every
  // garbage collection that runs while requests are in flight. (The raw body stays, in memory only,
  // until the exchange writes its event: see `Exchange.hashRequest`.)
  const next = decide(deps, x, http.body, res, who);
  if (next === null) return;
  if ("noRoute" in next) {
    const allowed = await deps.models.list(who.caller);
    x.fail(
      res,
      404,
      `detente has no route for model "${next.noRoute}". Models you may use: ${allowed.join(", ") || "none"}.`,
      "model_not_found",
    );
    return;
  }
  if (
    (next.continues !== null || next.references.length > 0 || next.containers.length > 0) &&
    !(await mayContinue(
      deps,
      x,
      res,
      {
        id: next.continues,
        references: next.references,
        containers: next.containers,
        upstream: next.upstream.name,
      },
      who.principal.user,
    ))
  )
    return;
  const body =
    next.compares === null
      ? next.body
      : await comparedMessage(
          deps,
          x,
          next.body,
          { id: next.compares, upstream: next.upstream.name },
          who.principal.user,
        );
  await forward({ deps, x, req, res, ...next, body });
}
