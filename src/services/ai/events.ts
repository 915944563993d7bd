import { z } from "zod";
import type { Store } from "../../store/open.js";
import { AI_ACTIONS, eventFromRow, type AiEvent } from "./event-row.js";
import { parseInput } from "./input.js";

export {
  AI_ACTIONS,
  AI_ENDPOINTS,
  eventCopyLine,
  type AiAction,
  type AiEvent,
  type AiEventDetection,
} from "./event-row.js";
export { createEventWriter, type EventWriter, type EventWriterStats } from "./event-writer.js";

const name = z.string().trim().min(1).max(200);
const range = {
  since: z.date().optional(),
  until: z.date().optional(),
};

export const listEventsInput = z.object({
  ...range,
  user: name.optional(),
  team: name.optional(),
  tool: name.optional(),
  upstream: name.optional(),
  model: name.optional(),
  action: z.array(z.enum(AI_ACTIONS)).min(1).optional(),
  limit: z.number().int().min(1).max(10_000).default(50),
});
export type ListEventsInput = z.input<typeof listEventsInput>;

export const summarizeEventsInput = z.object(range);
export type SummarizeEventsInput = z.input<typeof summarizeEventsInput>;

/** What `detente ai summary` shows: counts by action, tool, team and upstream, and detections by type. */
export interface EventSummary {
  readonly total: number;
  readonly byAction: Record<string, number>;
  readonly byTool: Record<string, number>;
  readonly byTeam: Record<string, number>;
  readonly byUpstream: Record<string, number>;
  /** Detections (their `count`s) by type id, such as `aws-access-key-id` or `email`. */
  readonly detectionsByType: Record<string, number>;
  /** The same, by data class (`secret`, `pii`, ...). */
  readonly detectionsByClass: Record<string, number>;
  /** Whole-request latency and detente's own share, in ms; null without events. */
  readonly latencyMs: Percentiles | null;
  readonly overheadMs: Percentiles | null;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

/** The key under which events without a tool, team or upstream (refused before routing) are counted. */
export const NONE = "(none)";

/**
 * AI events, newest first, filtered by time (`since` inclusive, `until` exclusive), user, team, tool,
 * upstream, model (asked for or used) and actions.
 *
 * @example
 * const blocked = await listEvents({ ctx: { store }, input: { since, action: ["block", "redact"], limit: 20 } });
 */
export async function listEvents({
  ctx,
  input,
}: {
  ctx: { store: Store };
  input: ListEventsInput;
}): Promise<(AiEvent & { id: string })[]> {
  const q = parseInput(listEventsInput, input);
  const { where, params } = conditions(q);
  const add = (clause: (p: string) => string, value: unknown): void => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.user) add((p) => `user_name = ${p}`, q.user);
  if (q.team) add((p) => `team = ${p}`, q.team);
  if (q.tool) add((p) => `tool = ${p}`, q.tool);
  if (q.upstream) add((p) => `upstream = ${p}`, q.upstream);
  if (q.model) add((p) => `(model_requested = ${p} OR model_routed = ${p} OR model_used = ${p})`, q.model);
  if (q.action) add((p) => `action = ANY(${p}::text[])`, q.action);
  params.push(q.limit);
  const rows = await ctx.store.query(
    `SELECT * FROM ai_events ${whereSql(where)} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(eventFromRow);
}

/**
 * Totals of AI events in a time range (`since` inclusive, `until` exclusive; all time without them).
 *
 * @example const s = await summarizeEvents({ ctx: { store }, input: { since: sevenDaysAgo } }); s.byAction.block
 */
export async function summarizeEvents({
  ctx,
  input,
}: {
  ctx: { store: Store };
  input: SummarizeEventsInput;
}): Promise<EventSummary> {
  const q = parseInput(summarizeEventsInput, input);
  const { where, params } = conditions(q);
  const filter = whereSql(where);
  // One scan for all four breakdowns. GROUPING() tells a set's own rows from a NULL tool or team; its bits
  // are action, tool, team, upstream, and a bit is 1 where the set does not group by that column.
  const [groups, detections, timing] = await Promise.all([
    ctx.store.query<{
      g: unknown;
      action: string;
      tool: string | null;
      team: string | null;
      upstream: string | null;
      n: string;
    }>(
      `SELECT GROUPING(action, tool, team, upstream) AS g, action, tool, team, upstream, count(*) AS n
         FROM ai_events ${filter}
        GROUP BY GROUPING SETS ((action), (tool), (team), (upstream), ())`,
      params,
    ),
    ctx.store.query<{ type: string | null; class: string | null; n: string | null }>(
      `SELECT d->>'type' AS type, d->>'dataClass' AS class,
              sum(CASE WHEN jsonb_typeof(d->'count') = 'number' THEN (d->>'count')::numeric ELSE 0 END) AS n
         FROM ai_events CROSS JOIN LATERAL jsonb_array_elements(detections) AS d ${filter}
        GROUP BY 1, 2`,
      params,
    ),
    ctx.store.query<{ latency: number[] | null; overhead: number[] | null }>(
      `SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY latency_ms) AS latency,
              percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY overhead_ms) AS overhead
         FROM ai_events ${filter}`,
      params,
    ),
  ]);
  // Maps, not objects, while counting: a tool or team named "__proto__" is just a name.
  const byAction = new Map<string, number>();
  const byTool = new Map<string, number>();
  const byTeam = new Map<string, number>();
  const byUpstream = new Map<string, number>();
  let total = 0;
  for (const r of groups) {
    const n = Number(r.n);
    const g = Number(r.g);
    if (g === 0b0111) byAction.set(r.action, n);
    else if (g === 0b1011) byTool.set(r.tool ?? NONE, n);
    else if (g === 0b1101) byTeam.set(r.team ?? NONE, n);
    else if (g === 0b1110) byUpstream.set(r.upstream ?? NONE, n);
    else if (g === 0b1111) total = n;
  }
  const detectionsByType = new Map<string, number>();
  const detectionsByClass = new Map<string, number>();
  for (const r of detections) {
    const n = Number(r.n ?? 0);
    const type = r.type ?? NONE;
    const cls = r.class ?? NONE;
    detectionsByType.set(type, (detectionsByType.get(type) ?? 0) + n);
    detectionsByClass.set(cls, (detectionsByClass.get(cls) ?? 0) + n);
  }
  const t = timing[0];
  return {
    total,
    byAction: sorted(byAction),
    byTool: sorted(byTool),
    byTeam: sorted(byTeam),
    byUpstream: sorted(byUpstream),
    detectionsByType: sorted(detectionsByType),
    detectionsByClass: sorted(detectionsByClass),
    latencyMs: percentiles(t?.latency),
    overheadMs: percentiles(t?.overhead),
  };
}

function conditions(q: { since?: Date | undefined; until?: Date | undefined }): {
  where: string[];
  params: unknown[];
} {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.since) {
    params.push(q.since);
    where.push(`at >= $${params.length}`);
  }
  if (q.until) {
    params.push(q.until);
    where.push(`at < $${params.length}`);
  }
  return { where, params };
}

function whereSql(where: readonly string[]): string {
  return where.length > 0 ? "WHERE " + where.join(" AND ") : "";
}

/** Largest count first, then by name: the order people read a breakdown in. */
function sorted(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}

function percentiles(values: readonly unknown[] | null | undefined): Percentiles | null {
  const [p50, p95] = values ?? [];
  if (p50 === null || p50 === undefined) return null;
  return { p50: Number(p50), p95: Number(p95) };
}
