import type { AssetMatcherService } from "../../vuln/assets/matcher.js";
import type { AssetContext, AssetMatchStats } from "../../vuln/assets/types.js";
import type { Finding } from "../../vuln/finding.js";
import { openReport } from "../../vuln/formats/read.js";
import type { IntelLookup } from "../../vuln/intel/types.js";
import { assess } from "../../vuln/triage/assess.js";
import { decide } from "../../vuln/triage/decide.js";
import { escalateRanked, type EscalationResult } from "../../vuln/triage/escalate.js";
import type { TriagePolicy } from "../../vuln/triage/policy.js";
import { outcomeRank } from "../../vuln/triage/score.js";
import {
  CISA_OUTCOMES,
  type CisaOutcome,
  type Decision,
  type EscalationBudget,
} from "../../vuln/triage/types.js";
import { FindingAccumulator, type Ranked } from "./collect.js";

/** One finding of a triage run with its full decision. */
export interface TriagedFinding {
  readonly finding: Finding;
  readonly decision: Decision;
  readonly asset: AssetContext;
  readonly scanners: readonly string[];
  readonly escalated: boolean;
}

export interface TriageReportInfo {
  readonly name: string;
  readonly format: string;
  readonly findings: number;
}

/** Everything a stateless triage found, for the renderers. */
export interface TriageResult {
  readonly reports: readonly TriageReportInfo[];
  /** Findings read, duplicates included, and distinct findings. */
  readonly read: number;
  readonly distinct: number;
  /** Open findings by outcome, and closed ones (not affected, fixed, ...). */
  readonly byOutcome: Readonly<Record<CisaOutcome, number>>;
  readonly closed: number;
  readonly escalation: EscalationResult;
  /** The escalated findings with their decisions, most urgent first. */
  readonly escalated: readonly TriagedFinding[];
  /** Every finding, decided on demand in queue order; only with `keepAll`. */
  readonly all: () => Iterable<TriagedFinding>;
  /** Asset matching per distinct finding (not per report line). */
  readonly assetStats: AssetMatchStats;
}

export interface TriageInput {
  readonly reports: readonly string[];
  readonly budget: EscalationBudget;
  readonly assetKey?: string | undefined;
  readonly inputFormat?: string | undefined;
  /** Keep every finding for `all()` (memory grows with the reports); else only what can be escalated. */
  readonly keepAll?: boolean | undefined;
  readonly onProgress?: (report: string, bytesRead: number, size: number | undefined) => void;
}

export interface TriageContext {
  readonly intel: IntelLookup & { prefetch?: (cves: Iterable<string>) => Promise<unknown> };
  readonly assets: AssetMatcherService;
  readonly policy: TriagePolicy;
  readonly now: Date;
}

/**
 * Triage reports without a database, as a CI step does: read and de-duplicate every report, decide each
 * finding, and escalate the top of the order within the budget (every Act included). Only the escalated
 * findings get their full decision with reasons; the rest are ranked by the cheap assessment and only
 * their rank and score are kept, so a million findings stay fast and small.
 *
 * @example
 * const result = await runTriage({ ctx: { intel, assets, policy, now }, input: { reports: ["trivy.json"], budget: { percent: 5 } } });
 * result.escalated[0]?.decision.reasons[0]?.text
 */
export async function runTriage({
  ctx,
  input,
}: {
  ctx: TriageContext;
  input: TriageInput;
}): Promise<TriageResult> {
  const { intel, assets, policy, now } = ctx;
  const rankOf = (finding: Finding): Ranked => {
    const asset = assets.match(finding.assetKey);
    const a = assess({ finding, intel: intel.get(finding.vulnId), asset, policy, now });
    return { rank: a.escalatable ? outcomeRank(a.outcome) : -1, score: a.score, matched: asset.matched };
  };
  const fromRank = outcomeRank(policy.escalateFrom);
  // Acts are escalated past any budget, so they are kept whatever `escalateFrom` says.
  const acc = new FindingAccumulator(rankOf, Math.min(fromRank, outcomeRank("act")), input.keepAll === true);
  const reports: TriageReportInfo[] = [];
  for (const path of input.reports) {
    const report = await openReport(path, { format: input.inputFormat, assetKey: input.assetKey });
    const before = acc.read;
    for await (const batch of report.findings) {
      if (intel.prefetch) await intel.prefetch(batch.map((f) => f.vulnId));
      for (const f of batch) acc.add(f);
      input.onProgress?.(report.name, report.bytesRead(), report.size);
    }
    reports.push({ name: report.name, format: report.format.id, findings: acc.read - before });
  }

  const ranks = acc.ranks;
  const scores = acc.scores;
  const n = acc.size;
  const byOutcome: Record<CisaOutcome, number> = { track: 0, "track*": 0, attend: 0, act: 0 };
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (r < 0) closed++;
    else byOutcome[CISA_OUTCOMES[r]!]++;
  }
  // Counted per distinct finding: the matcher itself also counts duplicates and re-rankings.
  const assetStats: AssetMatchStats = {
    ...assets.stats(),
    lookups: n,
    matched: n - acc.unmatched,
    unmatched: acc.unmatched,
  };
  const escalation = escalateRanked(ranks, scores, input.budget, { from: policy.escalateFrom });
  const escalatedSet = new Set(escalation.escalated);

  const full = (i: number): TriagedFinding => {
    const finding = acc.finding(i);
    if (!finding) throw new Error(`triage: finding ${i} was not kept`);
    const asset = assets.match(finding.assetKey);
    const decision = decide({ finding, intel: intel.get(finding.vulnId), asset, policy, now });
    return { finding, decision, asset, scanners: acc.scannersOf(i), escalated: escalatedSet.has(i) };
  };

  return {
    reports,
    read: acc.read,
    distinct: n,
    byOutcome,
    closed,
    escalation,
    escalated: Array.from(escalation.escalated, full),
    all: function* () {
      if (input.keepAll !== true) throw new Error("triage: `all` needs keepAll");
      const order = Array.from({ length: n }, (_, i) => i).sort(
        (a, b) => ranks[b]! - ranks[a]! || scores[b]! - scores[a]! || a - b,
      );
      for (const i of order) yield full(i);
    },
    assetStats,
  };
}
