import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { policyAssetDefaults, storedAssetMatcher } from "../../services/assets/store-assets.js";
import { getFinding } from "../../services/findings/get.js";
import { DUE_SOON_DAYS, pageFindings, SLA_STATES } from "../../services/findings/page.js";
import { storeIntel } from "../../services/intel/store-lookup.js";
import { decide } from "../../vuln/triage/decide.js";
import { explain } from "../../vuln/triage/explain.js";
import type { ServerDeps } from "../deps.js";

const OUTCOMES = ["act", "attend", "track*", "track"] as const;
const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .max(200)
    .transform((v) => v.split(",").filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

export function findingRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/api/findings",
    {
      config: { scope: "read" },
      schema: {
        tags: ["findings"],
        summary: "Findings with their decisions; cursor-paginated (pass nextCursor back as cursor)",
        querystring: z.object({
          status: z
            .enum([
              "open",
              "fixed",
              "not_affected",
              "false_positive",
              "under_investigation",
              "accepted",
              "any",
            ])
            .optional(),
          outcome: list(OUTCOMES).optional(),
          owner: z.string().min(1).max(200).optional(),
          asset: z.string().min(1).max(2000).optional(),
          vuln: z.string().min(1).max(200).optional(),
          kev: bool.optional(),
          escalated: bool.optional(),
          sla: z.enum(SLA_STATES).optional(),
          sort: z.enum(["queue", "due", "newest"]).optional(),
          cursor: z.string().max(400).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
    },
    async (request) => {
      const t = deps.config.triage;
      return pageFindings({
        ctx: {
          store: deps.store,
          budget: t.budget,
          escalateFrom: t.escalateFrom,
          now: deps.now(),
          queue: await deps.queue.get(),
        },
        // An inventory asset's findings are those on every name its matchers give it.
        input: {
          ...request.query,
          assetKeys: request.query.asset ? await deps.assetKeys.keysOf(request.query.asset) : undefined,
        },
      });
    },
  );
  r.get(
    "/api/findings/:id",
    {
      config: { scope: "read" },
      schema: {
        tags: ["findings"],
        summary: "One finding: its decision and reasons in plain language, intel, sources and history",
        params: z.object({ id: z.string().min(1).max(80) }),
      },
    },
    async (request) => {
      const store = deps.store;
      const now = deps.now();
      const stored = await getFinding({ ctx: { store }, input: { id: request.params.id } });
      const assets = await storedAssetMatcher(store, policyAssetDefaults(deps.config.triage));
      const intel = storeIntel(store);
      await intel.prefetch([stored.finding.vulnId]);
      const asset = assets.match(stored.finding.assetKey);
      const record = intel.get(stored.finding.vulnId);
      const decision = decide({
        finding: stored.finding,
        intel: record,
        asset,
        policy: deps.config.triage,
        now,
        firstSeen: stored.firstSeen,
      });
      // Where it stands in the queue and against its due date, as the listing says it.
      const head = await deps.queue.get();
      const [row] = await store.query<{ r: number; s: number; due: string; status: string }>(
        `SELECT outcome_rank AS r, score AS s, due_date::text AS due, status FROM findings WHERE id = $1`,
        [stored.id],
      );
      const open = row !== undefined && (row.status === "open" || row.status === "under_investigation");
      const last = head.last;
      const escalated =
        open &&
        last !== undefined &&
        (row.r > last.r ||
          (row.r === last.r && (row.s > last.s || (row.s === last.s && stored.id <= Number(last.id)))));
      const today = now.toISOString().slice(0, 10);
      const soon = new Date(now.getTime() + DUE_SOON_DAYS * 86_400_000).toISOString().slice(0, 10);
      const sla = !open ? null : row.due < today ? "overdue" : row.due <= soon ? "due-soon" : "on-time";
      return {
        ...stored,
        escalated,
        sla,
        displayId: stored.fingerprint.slice(0, 12),
        asset,
        intel: record ?? null,
        decision,
        explanation: explain(decision, stored.finding, asset),
      };
    },
  );
}
