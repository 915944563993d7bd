import { z } from "zod";
import { DetenteError } from "../../errors.js";
import type { Store } from "../../store/open.js";
import { budgetLimit } from "../../vuln/triage/escalate.js";
import { outcomeRank } from "../../vuln/triage/score.js";
import type { CisaOutcome, EscalationBudget } from "../../vuln/triage/types.js";

type Budget = EscalationBudget;

export const listFindingsInput = z.object({
  status: z
    .enum(["open", "fixed", "not_affected", "false_positive", "under_investigation", "accepted", "any"])
    .default("open"),
  outcome: z.array(z.enum(["act", "attend", "track*", "track"])).optional(),
  owner: z.string().min(1).optional(),
  asset: z.string().min(1).optional(),
  vuln: z.string().min(1).optional(),
  kev: z.boolean().optional(),
  escalated: z.boolean().optional(),
  limit: z.number().int().min(1).max(10_000).default(50),
});
export type ListFindingsInput = z.input<typeof listFindingsInput>;

/** One row of `detente findings`. */
export interface FindingRow {
  readonly id: number;
  readonly fingerprint: string;
  readonly vulnId: string;
  readonly component: string;
  readonly version: string;
  readonly fixedVersions: string[];
  readonly location: string;
  readonly assetKey: string;
  readonly owner: string;
  readonly severity: string;
  readonly status: string;
  readonly outcome: string;
  readonly deployer: string;
  readonly score: number;
  readonly dueDate: string;
  readonly escalated: boolean;
  readonly kev: boolean;
  readonly scanners: string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly topReason: string;
}

export interface ListFindingsResult {
  readonly rows: FindingRow[];
  /** Open findings in the store, and how many the budget escalates (Acts past the budget included). */
  readonly open: number;
  readonly escalatedCount: number;
  readonly budgetCount: number;
  readonly actOverflow: number;
}

/** Statuses of findings that still need work: they count toward and fill the budget. */
export const ESCALATABLE_STATUSES = ["open", "under_investigation"] as const;
const ESCALATABLE_SQL = `status IN ('open', 'under_investigation')`;

/**
 * When a finding (`f`) was last reported: its sources' latest sighting. An import that brings a finding
 * unchanged marks only its source rows seen (see `markSeen` in merge.ts); `findings.last_seen` is when
 * the finding's row was last written (by an import that changed it).
 *
 * @example await store.query(`SELECT f.id, ${LAST_SEEN_SQL} AS last_seen FROM findings f`);
 */
export const LAST_SEEN_SQL = `greatest(f.last_seen, (SELECT max(s.last_seen) FROM finding_sources s WHERE s.finding_id = f.id))`;

/**
 * How many findings are escalated: every Act, and the top of the queue at or above `from` up to the
 * budget (a percentage is of the escalatable findings, rounded up), exactly as the triage core's
 * `escalate` decides. Escalation is the first `cutoff` findings of the queue order, computed when asked
 * and never stored, so it cannot go stale when intel or assets change.
 */
export async function escalationCutoff(
  store: Store,
  budget: Budget,
  from: CisaOutcome,
): Promise<{ open: number; acts: number; budgetCount: number; cutoff: number }> {
  const [r] = await store.query<{ open: string; acts: string; eligible: string }>(
    // Only columns of the queue's index, so that PostgreSQL can count from the index alone.
    `SELECT count(*) AS open, count(*) FILTER (WHERE outcome_rank = $2) AS acts,
            count(*) FILTER (WHERE outcome_rank >= $1) AS eligible
       FROM findings WHERE ${ESCALATABLE_SQL}`,
    [outcomeRank(from), outcomeRank("act")],
  );
  const open = Number(r?.open ?? 0);
  const acts = Number(r?.acts ?? 0);
  const eligible = Number(r?.eligible ?? 0);
  const budgetCount = budgetLimit(budget, open);
  return { open, acts, budgetCount, cutoff: Math.max(acts, Math.min(budgetCount, eligible)) };
}

/**
 * List findings with their decisions, most urgent first.
 *
 * @example
 * const { rows } = await listFindings({ ctx: { store, budget: { percent: 5 } }, input: { escalated: true } });
 */
export async function listFindings({
  ctx,
  input,
}: {
  ctx: { store: Store; budget: Budget; escalateFrom: CisaOutcome };
  input: ListFindingsInput;
}): Promise<ListFindingsResult> {
  const parsed = listFindingsInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DetenteError(
      "INVALID_INPUT",
      `${issue?.path.join(".") || "input"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const q = parsed.data;
  const { open, acts, budgetCount, cutoff } = await escalationCutoff(ctx.store, ctx.budget, ctx.escalateFrom);

  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown): void => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.status !== "any") add((p) => `f.status = ${p}`, q.status);
  if (q.outcome) add((p) => `f.outcome = ANY(${p}::text[])`, q.outcome);
  if (q.owner) add((p) => `f.owner = ${p}`, q.owner);
  if (q.asset) add((p) => `f.asset_key = ${p}`, q.asset);
  if (q.vuln)
    add(
      (p) =>
        `(f.vuln_id = ${p} OR f.vuln_id IN (SELECT v.vuln_id FROM vulnerabilities v WHERE ${p} = ANY(v.aliases)))`,
      q.vuln,
    );
  if (q.kev) where.push(`(f.scanner_kev OR EXISTS (SELECT 1 FROM intel_kev k WHERE k.cve = f.vuln_id))`);

  // The escalated set is the first `cutoff` open findings in queue order.
  params.push(cutoff);
  const cutoffParam = `$${params.length}`;
  const ranked = `SELECT id FROM findings WHERE ${ESCALATABLE_SQL} ORDER BY outcome_rank DESC NULLS LAST, score DESC NULLS LAST, id LIMIT ${cutoffParam}`;
  if (q.escalated === true) where.push(`f.id IN (${ranked})`);
  if (q.escalated === false) where.push(`f.id NOT IN (${ranked})`);
  params.push(q.limit);

  const rows = await ctx.store.query(
    `WITH esc AS (${ranked})
     SELECT f.id, f.fingerprint, f.vuln_id, f.component, f.version, f.fixed_versions, f.location, f.asset_key,
            f.owner, f.severity, f.status, f.outcome, f.deployer, f.score, f.due_date::text AS due_date,
            f.first_seen, ${LAST_SEEN_SQL} AS last_seen, f.top_reason,
            (f.id IN (SELECT id FROM esc)) AS escalated,
            (coalesce(f.scanner_kev, false) OR EXISTS (SELECT 1 FROM intel_kev k WHERE k.cve = f.vuln_id)) AS kev,
            ARRAY(SELECT s.scanner FROM finding_sources s WHERE s.finding_id = f.id AND s.present ORDER BY s.scanner) AS scanners
       FROM findings f
      ${where.length > 0 ? "WHERE " + where.join(" AND ") : ""}
      ORDER BY f.outcome_rank DESC NULLS LAST, f.score DESC NULLS LAST, f.id
      LIMIT $${params.length}`,
    params,
  );
  return {
    rows: rows.map(toRow),
    open,
    escalatedCount: cutoff,
    budgetCount,
    actOverflow: Math.max(0, acts - budgetCount),
  };
}

/** A row of the findings queries (list and page) as the API and the CLI show it. */
export function toRow(r: Record<string, unknown>): FindingRow {
  return {
    id: Number(r.id),
    fingerprint: String(r.fingerprint),
    vulnId: String(r.vuln_id),
    component: String(r.component),
    version: String(r.version),
    fixedVersions: (r.fixed_versions as string[] | null) ?? [],
    location: String(r.location),
    assetKey: String(r.asset_key),
    owner: String(r.owner),
    severity: String(r.severity),
    status: String(r.status),
    outcome: String(r.outcome),
    deployer: String(r.deployer),
    score: Number(r.score),
    dueDate: String(r.due_date),
    escalated: r.escalated === true,
    kev: r.kev === true,
    scanners: (r.scanners as string[] | null) ?? [],
    firstSeen: new Date(r.first_seen as string).toISOString(),
    lastSeen: new Date(r.last_seen as string).toISOString(),
    topReason: typeof r.top_reason === "string" ? r.top_reason : "",
  };
}
