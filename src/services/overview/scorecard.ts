import type { Store } from "../../store/open.js";
import type { CisaOutcome, EscalationBudget } from "../../vuln/triage/types.js";
import { DUE_SOON_DAYS, queueHead, type QueueHead } from "../findings/page.js";
import { intelStatus } from "../intel/load.js";

export interface Scorecard {
  readonly generatedAt: string;
  readonly findings: {
    readonly open: number;
    readonly escalated: number;
    readonly byOutcome: Record<"act" | "attend" | "track*" | "track", number>;
    readonly byTeam: { team: string; open: number; escalated: number; act: number; overdue: number }[];
    /** SLA state of the escalated findings. */
    readonly sla: { onTime: number; dueSoon: number; overdue: number };
  };
  /** Findings first seen and closed (no longer reported by a full scan) per day, by import; oldest first. */
  readonly trend: { day: string; opened: number; fixed: number }[];
  readonly intel: { source: string; date: string | null; rows: number; ageDays: number | null }[];
  readonly ai: {
    readonly days: number;
    readonly requests: number;
    readonly blocked: number;
    readonly redacted: number;
    readonly byTeam: { team: string; requests: number; blocked: number; redacted: number }[];
    readonly byTool: { tool: string; requests: number; blocked: number; redacted: number }[];
    readonly trend: { day: string; requests: number; blocked: number; redacted: number }[];
  };
}

const OPEN = `status IN ('open', 'under_investigation')`;
const NONE = "(none)";

/**
 * The shared scorecard both sides are measured on: open findings by SSVC outcome and owning team, the
 * escalated ones against their SLA, how fresh the intel is, and what the AI gateway allowed, redacted
 * and blocked, by team and tool, with daily trends.
 *
 * @example const card = await scorecard({ ctx: { store, budget, escalateFrom: "attend", now }, input: { days: 30 } });
 */
export async function scorecard({
  ctx,
  input,
}: {
  ctx: { store: Store; budget: EscalationBudget; escalateFrom: CisaOutcome; now: Date; queue?: QueueHead };
  input: { days: number };
}): Promise<Scorecard> {
  const { store, now } = ctx;
  const days = Math.max(1, Math.min(365, Math.floor(input.days)));
  const today = now.toISOString().slice(0, 10);
  const soon = new Date(now.getTime() + DUE_SOON_DAYS * 86_400_000).toISOString().slice(0, 10);
  const since = new Date(Date.parse(today) - (days - 1) * 86_400_000);
  const { open, cutoff } = ctx.queue ?? (await queueHead(store, ctx.budget, ctx.escalateFrom));

  // The escalated set is the head of the queue; its rows are few (a budget), so they are read as such.
  const escalated = await store.query<{ owner: string; due: string }>(
    `SELECT owner, due_date::text AS due FROM findings WHERE ${OPEN}
      ORDER BY outcome_rank DESC NULLS LAST, score DESC NULLS LAST, id LIMIT $1`,
    [cutoff],
  );
  const sla = { onTime: 0, dueSoon: 0, overdue: 0 };
  const escalatedByTeam = new Map<string, { escalated: number; overdue: number }>();
  for (const e of escalated) {
    const state = e.due < today ? "overdue" : e.due <= soon ? "dueSoon" : "onTime";
    sla[state]++;
    const t = escalatedByTeam.get(e.owner) ?? { escalated: 0, overdue: 0 };
    t.escalated++;
    if (state === "overdue") t.overdue++;
    escalatedByTeam.set(e.owner, t);
  }

  // One pass over the open findings for both breakdowns.
  const byOutcome = { act: 0, attend: 0, "track*": 0, track: 0 };
  const teams = new Map<string, { open: number; act: number }>();
  for (const r of await store.query<{ owner: string; outcome: string; n: string }>(
    `SELECT owner, outcome, count(*) AS n FROM findings WHERE ${OPEN} GROUP BY owner, outcome`,
  )) {
    const n = Number(r.n);
    if (r.outcome in byOutcome) byOutcome[r.outcome as keyof typeof byOutcome] += n;
    const t = teams.get(r.owner) ?? { open: 0, act: 0 };
    t.open += n;
    if (r.outcome === "act") t.act += n;
    teams.set(r.owner, t);
  }
  const byTeam = [...teams]
    .map(([team, t]) => ({
      team,
      open: t.open,
      escalated: escalatedByTeam.get(team)?.escalated ?? 0,
      act: t.act,
      overdue: escalatedByTeam.get(team)?.overdue ?? 0,
    }))
    .sort((a, b) => b.escalated - a.escalated || b.open - a.open || a.team.localeCompare(b.team));

  // Each import counted what it created and closed: the trend reads those counts, not the findings.
  const perDay = await store.query<{ day: string; opened: string; fixed: string }>(
    `SELECT (started_at AT TIME ZONE 'UTC')::date::text AS day, sum(created) AS opened, sum(closed) AS fixed
       FROM imports WHERE started_at >= $1 GROUP BY 1`,
    [since],
  );
  const trend = daysFrom(since, days).map((day) => {
    const r = perDay.find((x) => x.day === day);
    return { day, opened: Number(r?.opened ?? 0), fixed: Number(r?.fixed ?? 0) };
  });

  const intel = (await intelStatus({ ctx: { store } })).map((s) => {
    const date = s.sourceDate && !Number.isNaN(Date.parse(s.sourceDate)) ? s.sourceDate : null;
    return {
      source: s.source,
      date,
      rows: s.rows,
      ageDays: date ? Math.max(0, Math.floor((now.getTime() - Date.parse(date)) / 86_400_000)) : null,
    };
  });

  const aiRows = await store.query<{
    team: string | null;
    tool: string | null;
    day: string;
    requests: string;
    blocked: string;
    redacted: string;
  }>(
    `SELECT team, tool, (at AT TIME ZONE 'UTC')::date::text AS day, count(*) AS requests,
            count(*) FILTER (WHERE action = 'block') AS blocked,
            count(*) FILTER (WHERE action = 'redact') AS redacted
       FROM ai_events WHERE at >= $1 AND at < $2 GROUP BY 1, 2, 3`,
    [since, now],
  );
  const totals = { requests: 0, blocked: 0, redacted: 0 };
  const aiTeams = new Map<string, typeof totals>();
  const aiTools = new Map<string, typeof totals>();
  const aiDays = new Map<string, typeof totals>();
  const add = (m: Map<string, typeof totals>, k: string, r: typeof totals) => {
    const t = m.get(k) ?? { requests: 0, blocked: 0, redacted: 0 };
    t.requests += r.requests;
    t.blocked += r.blocked;
    t.redacted += r.redacted;
    m.set(k, t);
  };
  for (const r of aiRows) {
    const v = { requests: Number(r.requests), blocked: Number(r.blocked), redacted: Number(r.redacted) };
    add(aiTeams, r.team ?? NONE, v);
    add(aiTools, r.tool ?? NONE, v);
    add(aiDays, r.day, v);
    totals.requests += v.requests;
    totals.blocked += v.blocked;
    totals.redacted += v.redacted;
  }
  const ranked = <K extends string>(m: Map<string, typeof totals>, key: K) =>
    [...m]
      .map(([k, v]) => ({ [key]: k, ...v }) as Record<K, string> & typeof totals)
      .sort((a, b) => b.requests - a.requests || a[key].localeCompare(b[key]));

  return {
    generatedAt: now.toISOString(),
    findings: { open, escalated: cutoff, byOutcome, byTeam, sla },
    trend,
    intel,
    ai: {
      days,
      ...totals,
      byTeam: ranked(aiTeams, "team"),
      byTool: ranked(aiTools, "tool"),
      trend: daysFrom(since, days).map((day) => ({
        day,
        ...(aiDays.get(day) ?? { requests: 0, blocked: 0, redacted: 0 }),
      })),
    },
  };
}

function daysFrom(start: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) =>
    new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10),
  );
}
