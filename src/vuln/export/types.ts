import type { AssetContext } from "../assets/types.js";
import type { Finding } from "../finding.js";
import type { CisaOutcome, Decision, EscalationBudget } from "../triage/types.js";

/** A decided finding as the exporters see it. */
export interface ExportedFinding {
  readonly id: string;
  readonly finding: Finding;
  readonly decision: Decision;
  readonly asset: AssetContext;
  readonly scanners: readonly string[];
  readonly escalated: boolean;
}

/** The totals every export format states. */
export interface ExportSummary {
  readonly generatedAt: string;
  readonly reports: readonly { readonly name: string; readonly format: string; readonly findings: number }[];
  readonly read: number;
  readonly distinct: number;
  readonly byOutcome: Readonly<Record<CisaOutcome, number>>;
  readonly closed: number;
  readonly budget: EscalationBudget;
  readonly budgetLimit: number;
  readonly escalated: number;
  readonly actOverflow: number;
  /** "412 findings on 7 unknown assets matched no asset; ..." or "". */
  readonly unmatched: string;
}
