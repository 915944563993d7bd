import { routeModel } from "./route.js";
import type { AccessEntry, AiPolicy, Authorization, Caller, Route } from "./types.js";
import { isWildcard, matchesAny } from "./wildcard.js";
import { listed } from "./words.js";

/**
 * The caller's access, field by field: the user's entry if it sets the field, else the team's, else the
 * default. Users and teams are compared without case.
 *
 * @example effectiveAccess(policy, { user: "bob@example.com", team: "contractors", tool: "cursor" }).tools // ["cursor"]
 */
export function effectiveAccess(policy: AiPolicy, caller: Caller): Required<AccessEntry> {
  const team: AccessEntry | undefined = caller.team
    ? policy.access.teams[caller.team.toLowerCase()]
    : undefined;
  const user: AccessEntry | undefined = policy.access.users[caller.user.toLowerCase()];
  const d = policy.access.default;
  return {
    tools: user?.tools ?? team?.tools ?? d.tools,
    upstreams: user?.upstreams ?? team?.upstreams ?? d.upstreams,
    models: user?.models ?? team?.models ?? d.models,
  };
}

function who(caller: Caller): string {
  return `you (${caller.user}${caller.team ? `, team ${caller.team}` : ""})`;
}

/** "Approved models for you: ..." from the literal names, else from the patterns. */
function approvedModels(policy: AiPolicy, caller: Caller, access: Required<AccessEntry>): string {
  const names = allowedModels(policy, caller);
  if (names.length > 0) return `Approved models for you: ${listed(names)}.`;
  const models = access.models.includes("*")
    ? "any model"
    : access.models.length > 0
      ? `models matching ${listed(access.models)}`
      : "no models";
  const upstreams = access.upstreams.includes("*")
    ? ""
    : access.upstreams.length > 0
      ? ` served by ${listed(access.upstreams)}`
      : " (through no upstream)";
  return `Approved for you: ${models}${upstreams}.`;
}

/**
 * Whether the caller may use this tool, model and upstream (checked in that order). A denial carries
 * a message for the engineer whose assistant was refused: what is not allowed, what is allowed instead
 * and whom to ask.
 *
 * @example
 * authorize(policy, { user: "bob@example.com", team: "contractors", tool: "claude-code" }, route);
 * // { ok: false, reason: "tool", message: "claude-code is not approved for you (bob@example.com, team contractors). Approved tools: cursor. ..." }
 */
export function authorize(policy: AiPolicy, caller: Caller, route: Route): Authorization {
  const access = effectiveAccess(policy, caller);
  if (!matchesAny(access.tools, caller.tool.toLowerCase())) {
    const approved =
      access.tools.length > 0 ? `Approved tools: ${listed(access.tools)}.` : "No tools are approved.";
    const what =
      caller.tool === "unknown"
        ? `detente could not tell which tool sent this request, and unrecognised tools are not approved for ${who(caller)}.`
        : `${caller.tool} is not approved for ${who(caller)}.`;
    return {
      ok: false,
      reason: "tool",
      message: `${what} ${approved} Use an approved tool, or ask your admin to allow ${caller.tool === "unknown" ? "yours" : caller.tool}.`,
    };
  }
  if (!matchesAny(access.models, route.requested)) {
    return {
      ok: false,
      reason: "model",
      message: `The model ${route.requested} is not approved for ${who(caller)}. ${approvedModels(policy, caller, access)} Pick one of those, or ask your admin to allow ${route.requested}.`,
    };
  }
  if (!matchesAny(access.upstreams, route.upstream)) {
    return {
      ok: false,
      reason: "upstream",
      message: `The model ${route.requested} is served by ${route.upstream}, which is not approved for ${who(caller)}. ${approvedModels(policy, caller, access)} Pick one of those, or ask your admin for access to ${route.upstream}.`,
    };
  }
  return { ok: true };
}

/**
 * The model names to list in `GET /v1/models` for this caller: every literal (non-wildcard) name a
 * client can ask for, from `models:` entries and from the caller's own access list, that routes and that
 * the caller may use (model and upstream; the tool is judged per request). Wildcard entries cannot be
 * listed: the gateway may add upstream model lists filtered through `authorize`. In policy order.
 *
 * @example allowedModels(policy, { user: "bob@example.com", team: "contractors", tool: "cursor" }) // ["gpt-4o-mini"]
 */
export function allowedModels(policy: AiPolicy, caller: Caller): string[] {
  const access = effectiveAccess(policy, caller);
  const candidates = new Set<string>();
  for (const m of policy.models) if (!isWildcard(m.name)) candidates.add(m.name);
  for (const m of access.models) if (!isWildcard(m)) candidates.add(m);
  const out: string[] = [];
  for (const name of candidates) {
    const route = routeModel(policy, name);
    if (route && matchesAny(access.models, name) && matchesAny(access.upstreams, route.upstream))
      out.push(name);
  }
  return out;
}
