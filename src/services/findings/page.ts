import { z } from "zod";
import { DetenteError } from "../../errors.js";
import { parseInput } from "../ai/input.js";
import type { Store } from "../../store/open.js";
import type { CisaOutcome, EscalationBudget } from "../../vuln/triage/types.js";
import { escalationCutoff, LAST_SEEN_SQL, toRow, type FindingRow } from "./list.js";

export const SLA_STATES = ["overdue", "due-soon", "on-time"] as const;
export type SlaState = (typeof SLA_STATES)[number];
/** A due date within this many days is "due soon". */
export const DUE_SOON_DAYS = 7;

export const pageFindingsInput = z.object({
  status: z
    .enum(["open", "fixed", "not_affected", "false_positive", "under_investigation", "accepted", "any"])
    .default("open"),
  outcome: z.array(z.enum(["act", "attend", "track*", "track"])).optional(),
  owner: z.string().min(1).max(200).optional(),
  asset: z.string().min(1).max(2000).optional(),
  /** Findings on any of these asset keys (as scanners named them); with `asset`, replaces it. */
  assetKeys: z.array(z.string().max(2000)).max(100_000).optional(),
  vuln: z.string().min(1).max(200).optional(),
  kev: z.boolean().optional(),
  escalated: z.boolean().optional(),
  sla: z.enum(SLA_STATES).optional(),
  sort: z.enum(["queue", "due", "newest"]).default("queue"),
  cursor: z.string().max(400).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type PageFindingsInput = z.input<typeof pageFindingsInput>;

export interface PagedFindingRow extends FindingRow {
  /** Where an open finding stands against its due date; null for closed findings. */
  readonly sla: SlaState | null;
}

export interface FindingsPage {
  readonly rows: PagedFindingRow[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
  readonly open: number;
  readonly escalatedCount: number;
}

const OPEN = `f.status IN ('open', 'under_investigation')`;

/**
 * One page of findings for the API and the dashboard, with keyset ("cursor") pagination: each page
 * starts where the previous one ended in the sort order, so page 1,000 costs what page 1 does.
 *
 * Orders: `queue` (most urgent first: outcome, then score, then id, the CLI's order), `due` (earliest
 * due date first) and `newest` (first seen, newest first). The escalated set is the head of the queue
 * (see `escalationCutoff`), found here as the key of its last finding, so that marking and filtering
 * escalated findings is a comparison per row.
 *
 * @example
 * const page = await pageFindings({ ctx, input: { outcome: ["act"], limit: 50 } });
 * const next = await pageFindings({ ctx, input: { outcome: ["act"], cursor: page.nextCursor! } });
 */
export async function pageFindings({
  ctx,
  input,
}: {
  ctx: {
    store: Store;
    budget: EscalationBudget;
    escalateFrom: CisaOutcome;
    now: Date;
    /** The head of the queue when the caller has it (the server keeps it for a few seconds). */
    queue?: QueueHead;
  };
  input: PageFindingsInput;
}): Promise<FindingsPage> {
  const q = parseInput(pageFindingsInput, input);
  const { open, cutoff, last } = ctx.queue ?? (await queueHead(ctx.store, ctx.budget, ctx.escalateFrom));

  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const escalatedSql = last
    ? `(${OPEN} AND (f.outcome_rank > ${p(last.r)} OR (f.outcome_rank = ${p(last.r)} AND (f.score > ${p(last.s)} OR (f.score = ${p(last.s)} AND f.id <= ${p(Number(last.id))})))))`
    : "false";
  const today = ctx.now.toISOString().slice(0, 10);
  const soon = new Date(ctx.now.getTime() + DUE_SOON_DAYS * 86_400_000).toISOString().slice(0, 10);
  const todayP = p(today);
  const soonP = p(soon);
  const slaSql = `CASE WHEN NOT ${OPEN} THEN NULL WHEN f.due_date < ${todayP}::date THEN 'overdue'
                       WHEN f.due_date <= ${soonP}::date THEN 'due-soon' ELSE 'on-time' END`;

  const where: string[] = [];
  if (q.status !== "any") where.push(`f.status = ${p(q.status)}`);
  if (q.outcome) where.push(`f.outcome = ANY(${p(q.outcome)}::text[])`);
  if (q.owner) where.push(`f.owner = ${p(q.owner)}`);
  if (q.assetKeys) where.push(`f.asset_key = ANY(${p(q.assetKeys)}::text[])`);
  else if (q.asset) where.push(`f.asset_key = ${p(q.asset)}`);
  if (q.vuln) {
    const v = p(q.vuln);
    where.push(
      `(f.vuln_id = ${v} OR f.vuln_id IN (SELECT v.vuln_id FROM vulnerabilities v WHERE ${v} = ANY(v.aliases)))`,
    );
  }
  if (q.kev === true)
    where.push(`(f.scanner_kev OR EXISTS (SELECT 1 FROM intel_kev k WHERE k.cve = f.vuln_id))`);
  if (q.kev === false)
    where.push(
      `NOT (coalesce(f.scanner_kev, false) OR EXISTS (SELECT 1 FROM intel_kev k WHERE k.cve = f.vuln_id))`,
    );
  if (q.escalated === true) where.push(escalatedSql);
  if (q.escalated === false) where.push(`NOT ${escalatedSql}`);
  if (q.sla === "overdue") where.push(`${OPEN} AND f.due_date < ${todayP}::date`);
  if (q.sla === "due-soon")
    where.push(`${OPEN} AND f.due_date >= ${todayP}::date AND f.due_date <= ${soonP}::date`);
  if (q.sla === "on-time") where.push(`${OPEN} AND f.due_date > ${soonP}::date`);

  const after = q.cursor ? decodeCursor(q.cursor, q.sort) : null;
  // Each branch is one range of the sort order's index; a page after a queue cursor is two: the rest of
  // the cursor's tie (same outcome and score, later ids) and everything below it. An OR of the two would
  // make PostgreSQL walk the index from the cursor's outcome down, row by row, through the ties.
  let branches: string[] = ["true"];
  let order: string;
  let outerOrder: string;
  if (q.sort === "queue") {
    order = `f.outcome_rank DESC NULLS LAST, f.score DESC NULLS LAST, f.id`;
    outerOrder = `outcome_rank DESC NULLS LAST, score DESC NULLS LAST, id`;
    if (after) {
      const [r, s, id] = after as [number, number, number];
      const rp = p(r);
      const sp = p(s);
      branches = [
        `f.outcome_rank = ${rp}::smallint AND f.score = ${sp}::real AND f.id > ${p(id)}`,
        `(f.outcome_rank, f.score) < (${rp}::smallint, ${sp}::real)`,
      ];
    }
  } else if (q.sort === "due") {
    order = `f.due_date, f.id`;
    outerOrder = `due_date, id`;
    if (after) where.push(`(f.due_date, f.id) > (${p(after[0])}::date, ${p(after[1])})`);
  } else {
    order = `f.first_seen DESC, f.id DESC`;
    outerOrder = `first_seen DESC, id DESC`;
    if (after) where.push(`(f.first_seen, f.id) < (${p(after[0])}::timestamptz, ${p(after[1])})`);
  }
  const limitP = p(q.limit + 1);
  const select = (branch: string) =>
    `SELECT f.id, f.fingerprint, f.vuln_id, f.component, f.version, f.fixed_versions, f.location, f.asset_key,
            f.owner, f.severity, f.status, f.outcome, f.outcome_rank, f.deployer, f.score,
            f.due_date::text AS due_date, f.first_seen, ${LAST_SEEN_SQL} AS last_seen, f.top_reason,
            ${escalatedSql} AS escalated, ${slaSql} AS sla,
            (coalesce(f.scanner_kev, false) OR EXISTS (SELECT 1 FROM intel_kev k WHERE k.cve = f.vuln_id)) AS kev,
            ARRAY(SELECT s.scanner FROM finding_sources s WHERE s.finding_id = f.id AND s.present ORDER BY s.scanner) AS scanners
       FROM findings f
      WHERE ${[...where, branch].join(" AND ")}
      ORDER BY ${order}
      LIMIT ${limitP}`;
  const sql =
    branches.length === 1
      ? select(branches[0]!)
      : `SELECT * FROM (${branches.map((b) => `(${select(b)})`).join(" UNION ALL ")}) page ORDER BY ${outerOrder} LIMIT ${limitP}`;
  const rows = await ctx.store.query(sql, params);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const tail = page[page.length - 1];
  let nextCursor: string | null = null;
  if (more && tail) {
    const key =
      q.sort === "queue"
        ? [Number(tail.outcome_rank), Number(tail.score), Number(tail.id)]
        : q.sort === "due"
          ? [String(tail.due_date), Number(tail.id)]
          : [new Date(tail.first_seen as string).toISOString(), Number(tail.id)];
    nextCursor = Buffer.from(JSON.stringify([q.sort, ...key])).toString("base64url");
  }
  return {
    rows: page.map((r) => ({ ...toRow(r), sla: (r.sla as SlaState | null) ?? null })),
    nextCursor,
    open,
    escalatedCount: cutoff,
  };
}

/** How many findings are open and escalated, and the queue key of the last escalated one. */
export interface QueueHead {
  readonly open: number;
  readonly cutoff: number;
  readonly last: { r: number; s: number; id: string } | undefined;
}

/**
 * The head of the queue: counts of open findings (one pass over them, the costly part on a large store)
 * and the key of the last escalated finding (an index walk of `cutoff` entries).
 */
export async function queueHead(
  store: Store,
  budget: EscalationBudget,
  from: CisaOutcome,
): Promise<QueueHead> {
  const { open, cutoff } = await escalationCutoff(store, budget, from);
  const [last] =
    cutoff > 0
      ? await store.query<{ r: number; s: number; id: string }>(
          `SELECT outcome_rank AS r, score AS s, id FROM findings f WHERE ${OPEN}
            ORDER BY outcome_rank DESC NULLS LAST, score DESC NULLS LAST, id OFFSET $1 LIMIT 1`,
          [cutoff - 1],
        )
      : [];
  return { open, cutoff, last };
}

/** The key a cursor carries; an error naming the field when it is not one of ours for this sort. */
function decodeCursor(cursor: string, sort: string): (number | string)[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = null;
  }
  const bad = () =>
    new DetenteError("INVALID_INPUT", "cursor: not a cursor from this listing (start again without it)");
  if (!Array.isArray(value) || value[0] !== sort) throw bad();
  const key = value.slice(1) as unknown[];
  const id = key[key.length - 1];
  const idOk = typeof id === "number" && Number.isSafeInteger(id) && id >= 0;
  let ok: boolean;
  if (sort === "queue") {
    const [rank, score] = key;
    ok =
      key.length === 3 &&
      idOk &&
      typeof rank === "number" &&
      Number.isInteger(rank) &&
      rank >= 0 &&
      rank <= 100 &&
      typeof score === "number" &&
      Number.isFinite(score) &&
      Math.abs(score) <= 1e6;
  } else {
    const at = key[0];
    // Only what this listing wrote: a date or an instant that reads back exactly as it was written.
    ok =
      key.length === 2 &&
      idOk &&
      typeof at === "string" &&
      (sort === "due"
        ? /^\d{4}-\d{2}-\d{2}$/.test(at) && isoRoundTrips(`${at}T00:00:00.000Z`)
        : isoRoundTrips(at));
  }
  if (!ok) throw bad();
  return key as (number | string)[];
}

function isoRoundTrips(text: string): boolean {
  const t = Date.parse(text);
  return !Number.isNaN(t) && new Date(t).toISOString() === text;
}
