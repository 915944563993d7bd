import type { AiPolicy, Route } from "./types.js";
import { wildcardMatch } from "./wildcard.js";

/** Model names longer than this route nowhere: no real model is named like that, and it bounds matching. */
export const MAX_MODEL_NAME = 256;

/**
 * Which upstream and upstream model a requested model goes to: the first `models:` entry whose name
 * matches (`*` matches any run of characters, case-sensitive as the providers are). The name sent
 * upstream is the entry's `as` when it has one (an Azure deployment, a local model tag), else the
 * requested name. Null when no entry matches, or for an empty or over-long name.
 *
 * @example
 * routeModel(policy, "gpt-4o-mini");
 * // { upstream: "openai", model: "gpt-4o-mini", requested: "gpt-4o-mini", hosting: "external" }
 */
export function routeModel(policy: AiPolicy, model: string): Route | null {
  if (model.length === 0 || model.length > MAX_MODEL_NAME) return null;
  for (const entry of policy.models) {
    if (!wildcardMatch(entry.name, model)) continue;
    const upstream = policy.upstreams[entry.upstream];
    // Validation guarantees the upstream exists; a hand-built policy that breaks that routes nowhere.
    if (!upstream) return null;
    return { upstream: upstream.name, model: entry.as ?? model, requested: model, hosting: upstream.hosting };
  }
  return null;
}

/**
 * A short human description of a route for reasons and messages.
 *
 * @example describeRoute(route) // "gpt-4o (openai, external)"
 */
export function describeRoute(route: Route): string {
  return `${route.requested} (${route.upstream}, ${route.hosting})`;
}
