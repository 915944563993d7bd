import { allowedModels, authorize, routeModel, type AiPolicy, type Caller } from "../policy/index.js";
import type { Upstream } from "./upstream.js";
import type { UpstreamClient } from "./upstream-client.js";

/**
 * The models a caller may use, for `GET /v1/models`: the literal names in the policy, plus, for every
 * upstream that a wildcard entry (`gpt-*`) routes to, the upstream's own list of models filtered through
 * the same routing and access checks as a request. Upstream lists are cached (5 minutes by default). An
 * upstream that does not answer (an error, a server still starting) contributes its last good list, or
 * nothing, rather than failing the listing, and is asked again after `retryMs` (10 s), not after the
 * whole cache time: one 429 must not empty assistants' model pickers for five minutes.
 *
 * @example
 * const catalog = createModelCatalog({ policy, upstreams, client });
 * await catalog.list({ user: "ann@example.com", team: "payments", tool: "cursor" }); // ["gpt-4o", ...]
 */
export interface ModelCatalog {
  list(caller: Caller): Promise<string[]>;
}

/** See `ModelCatalog`. */
export function createModelCatalog(args: {
  policy: AiPolicy;
  upstreams: ReadonlyMap<string, Upstream>;
  client: UpstreamClient;
  ttlMs?: number;
  retryMs?: number;
  timeoutMs?: number;
  now?: () => number;
}): ModelCatalog {
  const { policy, upstreams, client } = args;
  const ttl = args.ttlMs ?? 5 * 60_000;
  const retry = args.retryMs ?? 10_000;
  const now = args.now ?? Date.now;
  const cache = new Map<string, { at: number; ttl: number; ids: Promise<string[]> }>();
  const lastGood = new Map<string, string[]>();
  const wildcardUpstreams = [
    ...new Set(policy.models.filter((m) => m.name.includes("*")).map((m) => m.upstream)),
  ];
  const idsOf = (name: string): Promise<string[]> => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < hit.ttl) return hit.ids;
    const upstream = upstreams.get(name);
    const listing = upstream ? client.listModels(upstream, args.timeoutMs ?? 5000) : Promise.resolve([]);
    const entry = {
      at: now(),
      ttl,
      ids: listing.then((ids) => {
        if (ids !== null) {
          lastGood.set(name, ids);
          return ids;
        }
        entry.ttl = retry;
        return lastGood.get(name) ?? [];
      }),
    };
    cache.set(name, entry);
    return entry.ids;
  };
  return {
    async list(caller) {
      const names = new Set(allowedModels(policy, caller));
      const lists = await Promise.all(wildcardUpstreams.map(async (u) => ({ u, ids: await idsOf(u) })));
      for (const { u, ids } of lists)
        for (const id of ids) {
          const route = routeModel(policy, id);
          if (route?.upstream === u && authorize(policy, caller, route).ok) names.add(id);
        }
      return [...names].sort();
    },
  };
}
