import type { FastifyInstance } from "fastify";
import type { AiPolicy } from "../../ai/policy/index.js";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { listEvents, summarizeEvents, AI_ACTIONS } from "../../services/ai/events.js";
import { policyAssetDefaults, storedInventory } from "../../services/assets/store-assets.js";
import { intelStatus } from "../../services/intel/load.js";
import { scorecard } from "../../services/overview/scorecard.js";
import type { ServerDeps } from "../deps.js";

/** Read-only views: the scorecard, assets, intel, AI activity and the active policy. */
export function dataRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { scope: "read" as const };

  r.get(
    "/api/overview",
    {
      config: read,
      schema: {
        tags: ["overview"],
        summary:
          "The shared scorecard: findings by outcome and team, SLA status, intel freshness, AI activity",
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).optional() }),
      },
    },
    async (request) => {
      const t = deps.config.triage;
      return scorecard({
        ctx: {
          store: deps.store,
          budget: t.budget,
          escalateFrom: t.escalateFrom,
          now: deps.now(),
          queue: await deps.queue.get(),
        },
        input: { days: request.query.days ?? 30 },
      });
    },
  );

  r.get(
    "/api/assets",
    {
      config: read,
      schema: { tags: ["assets"], summary: "The asset inventory with open findings per asset" },
    },
    async () => {
      const inv = await storedInventory(deps.store, policyAssetDefaults(deps.config.triage));
      // Counted through the inventory's matchers: an image tag or host name is its asset's.
      const open = await deps.assetKeys.openByAsset();
      return {
        defaults: inv.defaults,
        assets: inv.assets.map((a) => ({ ...a, openFindings: open.get(a.key) ?? 0 })),
      };
    },
  );

  r.get(
    "/api/intel/status",
    {
      config: read,
      schema: { tags: ["intel"], summary: "Each threat-intelligence source: its date and rows" },
    },
    async () => ({ sources: await intelStatus({ ctx: { store: deps.store } }) }),
  );

  r.get(
    "/api/ai/events",
    {
      config: read,
      schema: {
        tags: ["ai"],
        summary: "AI gateway audit events, newest first",
        querystring: z.object({
          user: z.string().min(1).max(200).optional(),
          team: z.string().min(1).max(200).optional(),
          tool: z.string().min(1).max(200).optional(),
          upstream: z.string().min(1).max(200).optional(),
          model: z.string().min(1).max(200).optional(),
          action: z
            .string()
            .max(200)
            .transform((v) => v.split(",").filter(Boolean))
            .pipe(z.array(z.enum(AI_ACTIONS)).min(1))
            .optional(),
          days: z.coerce.number().int().min(1).max(365).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
    },
    async (request) => {
      const { days, ...q } = request.query;
      const since = days ? new Date(deps.now().getTime() - days * 86_400_000) : undefined;
      return { events: await listEvents({ ctx: { store: deps.store }, input: { ...q, since } }) };
    },
  );

  r.get(
    "/api/ai/summary",
    {
      config: read,
      schema: {
        tags: ["ai"],
        summary:
          "AI gateway activity by action, tool, team, upstream, provider and model; detections; block reasons",
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).optional() }),
      },
    },
    async (request) => {
      const now = deps.now();
      const since = new Date(now.getTime() - (request.query.days ?? 7) * 86_400_000);
      const summary = await summarizeEvents({ ctx: { store: deps.store }, input: { since, until: now } });
      const byProvider = await deps.store.query<{ k: string | null; n: string }>(
        `SELECT provider AS k, count(*) AS n FROM ai_events WHERE at >= $1 AND at < $2 GROUP BY 1 ORDER BY 2 DESC, 1`,
        [since, now],
      );
      const byModel = await deps.store.query<{ k: string | null; n: string }>(
        `SELECT coalesce(model_used, model_requested) AS k, count(*) AS n FROM ai_events
          WHERE at >= $1 AND at < $2 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50`,
        [since, now],
      );
      const reasons = await deps.store.query<{ reason: string; n: string }>(
        `SELECT reason, count(*) AS n FROM ai_events, unnest(reasons) AS reason
          WHERE at >= $1 AND at < $2 AND action = 'block' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
        [since, now],
      );
      const named = (rows: { k: string | null; n: string }[]) =>
        Object.fromEntries(rows.map((x) => [x.k ?? "(none)", Number(x.n)]));
      return {
        ...summary,
        days: request.query.days ?? 7,
        byProvider: named(byProvider),
        byModel: named(byModel),
        topBlockReasons: reasons.map((x) => ({ reason: x.reason, count: Number(x.n) })),
      };
    },
  );

  r.get(
    "/api/policy",
    {
      config: read,
      schema: {
        tags: ["policy"],
        summary: "The active policy: triage (budget, SLAs) and AI usage (upstreams, routes, rules)",
      },
    },
    () => ({
      source: deps.config.source,
      triage: deps.config.triage,
      ai: readablePolicy(deps.config.ai),
    }),
  );
}

/**
 * The AI policy as anyone who may read it sees it: credentials are references ({ env } or { file }) and
 * stay so; extra upstream headers show their names only (their values may be credentials of any
 * vendor's naming), and a base URL loses any user and password.
 */
function readablePolicy(ai: AiPolicy): AiPolicy {
  const upstreams = Object.fromEntries(
    Object.entries(ai.upstreams).map(([name, u]) => {
      let baseUrl = u.baseUrl;
      try {
        const url = new URL(u.baseUrl);
        url.username = "";
        url.password = "";
        baseUrl = url.toString();
      } catch {
        // Validated at load; keep as is.
      }
      const headers = Object.fromEntries(Object.keys(u.headers).map((h) => [h, "(set)"]));
      return [name, { ...u, baseUrl, headers }];
    }),
  );
  return { ...ai, upstreams };
}
