import { allowedModels, authorize, routeModel, type AiPolicy, type Caller } from "../policy/index.js";
import type { Upstream } from "./upstream.js";
import type { UpstreamClient } from "./upstream-client.js";

/**
 * The models a caller may use, for `GET /v1/models`: the literal names in the policy, plus, for every
 * upstream that a wildcard entry (`gpt-*`) routes to, the upstream's own list of models filtered through
 * the same routing and access checks as a request. Upstream lists are cached (5 minutes by default); an
 * upstream that does not answer contributes nothing rather than failing the listing.
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
  timeoutMs?: number;
  now?: () => number;
}): ModelCatalog {
  const { policy, upstreams, client } = args;
  const ttl = args.ttlMs ?? 5 * 60_000;
  const now = args.now ?? Date.now;
  const cache = new Map<string, { at: number; ids: Promise<string[]> }>();
  const wildcardUpstreams = [
    ...new Set(policy.models.filter((m) => m.name.includes("*")).map((m) => m.upstream)),
  ];
  const idsOf = (name: string): Promise<string[]> => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < ttl) return hit.ids;
    const upstream = upstreams.get(name);
    const ids = upstream ? client.listModels(upstream, args.timeoutMs ?? 5000) : Promise.resolve([]);
    cache.set(name, { at: now(), ids });
    return ids;
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
