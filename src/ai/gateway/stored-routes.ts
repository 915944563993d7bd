import { createVault } from "../inspect/index.js";
import type { GatewayDeps } from "./deps.js";
import { Exchange } from "./exchange.js";
import { forwardTo, type UpstreamTarget } from "./forward.js";
import { requestFailed } from "./handle.js";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";
import { identify } from "./identify.js";
import { storedResponseUrl } from "./upstream.js";
import { wireFormat, type WireId } from "./wire/index.js";

/** What can be done with a stored response through the gateway. */
export type StoredAction = "retrieve" | "delete" | "input_items" | "cancel";

/** A request for a stored response: which one, and what to do with it. */
export interface StoredRoute {
  readonly action: StoredAction;
  readonly id: string;
}

/**
 * The Responses API's stored-response routes the gateway serves: method, path (for listings and the
 * framework's router), the upstream method and path suffix, the wire format its answer is read with,
 * and the endpoint name in the audit trail.
 */
export const STORED_ROUTES: readonly {
  readonly action: StoredAction;
  readonly method: UpstreamTarget["method"];
  readonly path: string;
  readonly suffix: "" | "/input_items" | "/cancel";
  readonly wire: WireId;
  readonly endpoint: string;
}[] = [
  {
    action: "retrieve",
    method: "GET",
    path: "/v1/responses/{id}",
    suffix: "",
    wire: "openai-responses-stored",
    endpoint: "responses.retrieve",
  },
  {
    action: "delete",
    method: "DELETE",
    path: "/v1/responses/{id}",
    suffix: "",
    wire: "openai-responses-deleted",
    endpoint: "responses.delete",
  },
  {
    action: "input_items",
    method: "GET",
    path: "/v1/responses/{id}/input_items",
    suffix: "/input_items",
    wire: "openai-responses-input-items",
    endpoint: "responses.input_items",
  },
  {
    action: "cancel",
    method: "POST",
    path: "/v1/responses/{id}/cancel",
    suffix: "/cancel",
    wire: "openai-responses-stored",
    endpoint: "responses.cancel",
  },
];

const BY_ACTION = new Map(STORED_ROUTES.map((r) => [r.action, r] as const));

const PREFIX = "/v1/responses/";

/**
 * The stored-response route of a request (its path without the query string), or undefined when it is
 * none: `GET` or `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`, `POST
 * /v1/responses/{id}/cancel`, a trailing slash allowed. The id is %-decoded.
 *
 * @example storedResponseRoute("GET", "/v1/responses/resp_1/input_items") // { action: "input_items", id: "resp_1" }
 */
export function storedResponseRoute(method: string, path: string): StoredRoute | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const rest = path.slice(PREFIX.length);
  const parts = (rest.endsWith("/") ? rest.slice(0, -1) : rest).split("/");
  if (parts.length > 2 || parts[0] === "") return undefined;
  const action =
    parts.length === 1
      ? method === "GET"
        ? "retrieve"
        : method === "DELETE"
          ? "delete"
          : undefined
      : parts[1] === "input_items" && method === "GET"
        ? "input_items"
        : parts[1] === "cancel" && method === "POST"
          ? "cancel"
          : undefined;
  if (action === undefined) return undefined;
  try {
    return { action, id: decodeURIComponent(parts[0]!) };
  } catch {
    return undefined; // a malformed %-escape
  }
}

/** The same answer for an id nobody created through detente and for someone else's: existence is not told. */
const NOT_FOUND =
  "No stored response with this id was created through detente by you. detente serves only the stored responses created through it, by any of your keys, for 30 days; one created elsewhere (directly at the provider, say) is not reachable through detente.";

/** Nothing was redacted in these requests: no placeholders to put back. */
const NOTHING_REDACTED = createVault();

/**
 * Serve a stored-response route: authenticate the caller, find the response among those their user
 * created through detente (404, the same as for an unknown id, otherwise), forward to the upstream that
 * holds it with detente's credential for it, and inspect the answer as a Responses answer (retrieve,
 * cancel, streamed or not) or as answer text (input items). Every call is an audit event of its own.
 *
 * @example await handleStoredResponse(deps, { action: "retrieve", id: "resp_1" }, { req, res });
 */
export async function handleStoredResponse(
  deps: GatewayDeps,
  route: StoredRoute,
  http: { req: GatewayRequest; res: GatewayResponse },
): Promise<void> {
  const spec = BY_ACTION.get(route.action)!;
  const x = new Exchange(deps, wireFormat(spec.wire), spec.endpoint, "openai");
  try {
    await serve(deps, x, route, http);
  } catch (e) {
    requestFailed(deps, x, http.res, e);
  }
}

async function serve(
  deps: GatewayDeps,
  x: Exchange,
  route: StoredRoute,
  http: { req: GatewayRequest; res: GatewayResponse },
): Promise<void> {
  const { req, res } = http;
  const spec = BY_ACTION.get(route.action)!;
  const query = queryOf(req.url ?? "");
  x.event.stream = route.action === "retrieve" && /[?&]stream=true(?:&|$)/.test(query);
  // The audit's request hash is the keyed hash of the response id: every call on one response shares it.
  x.hashRequest(Buffer.from(route.id, "utf8"));
  const who = await identify(deps, x, req, res);
  if (!who) return;
  if (route.action === "retrieve" && new URLSearchParams(query).has("starting_after")) {
    // Resumed mid-stream, the answer would be inspected from where it resumes: a credential split
    // across the cut would pass unseen. The whole stream is read instead.
    x.fail(
      res,
      400,
      "detente does not resume a stored response's stream (`starting_after`): retrieve it from the start, so that all of it is inspected.",
      "unsupported_parameter",
    );
    return;
  }
  let found;
  try {
    found = await deps.storedResponses.find(route.id, who.principal.user);
  } catch {
    x.fail(
      res,
      503,
      "detente could not look up who created this response: its store is unavailable.",
      "store_unavailable",
    );
    return;
  }
  if (!found) {
    x.fail(res, 404, NOT_FOUND, "response_not_found");
    return;
  }
  const upstream = deps.upstreams.get(found.upstream);
  x.event.upstream = found.upstream;
  x.event.provider = upstream?.type ?? null;
  x.event.modelUsed = found.model;
  x.event.modelRouted = found.modelRouted;
  if (!upstream) {
    x.fail(
      res,
      404,
      `This response was created on upstream "${found.upstream}", which detente no longer has.`,
      "no_upstream",
    );
    return;
  }
  const target = {
    method: spec.method,
    url: storedResponseUrl(upstream, route.id, spec.suffix, query),
  };
  // A response answered in the background gets its output items, and the containers its code ran in,
  // later: the caller's, like the response (see `createdStoredResponse`), whose own id is noted already.
  if (route.action === "retrieve" || route.action === "cancel") {
    x.createsStored = {
      keyId: who.principal.keyId,
      user: who.principal.user,
      upstream: found.upstream,
      model: found.model,
      modelRouted: found.modelRouted,
    };
    x.owner = x.createsStored;
    x.storedNoted = new Set([route.id]);
  }
  await forwardTo({ deps, x, req, res, upstream, body: "", vault: NOTHING_REDACTED }, target);
  // Deleted at the provider: nobody can use it any more.
  if (route.action === "delete" && x.event.status >= 200 && x.event.status < 300)
    deps.storedResponses.forget(route.id, upstream.name);
}

function queryOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q);
}
