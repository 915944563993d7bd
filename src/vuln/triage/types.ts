import type { Exploitation, Automatable, TechnicalImpact } from "../intel/types.js";

/** Outcomes of CISA's SSVC coordinator decision table, in increasing urgency. */
export type CisaOutcome = "track" | "track*" | "attend" | "act";
export const CISA_OUTCOMES: readonly CisaOutcome[] = ["track", "track*", "attend", "act"];

/** Outcomes of the SSVC deployer (patch-applier) tree, in increasing urgency. */
export type DeployerOutcome = "defer" | "scheduled" | "out-of-cycle" | "immediate";
export const DEPLOYER_OUTCOMES: readonly DeployerOutcome[] = [
  "defer",
  "scheduled",
  "out-of-cycle",
  "immediate",
];

export type MissionWellbeing = "low" | "medium" | "high";
export type SystemExposure = "small" | "controlled" | "open";
export type HumanImpact = "low" | "medium" | "high" | "very high";

/** Where a decision point's value came from. */
export type PointSource =
  | "kev" // CISA Known Exploited Vulnerabilities
  | "vulnrichment" // CISA's ADP SSVC assessment
  | "epss" // FIRST EPSS above the policy threshold
  | "scanner" // the scanner's own exploit / known-exploited flag
  | "cvss" // derived from the CVSS vector
  | "asset" // the matched asset's business context
  | "default"; // nothing known: the policy's stated default

export interface DecisionPoint<T extends string> {
  readonly value: T;
  readonly source: PointSource;
  /** One plain sentence: why this value ("listed in CISA KEV since 2024-03-29"). */
  readonly detail: string;
}

export interface DecisionPoints {
  readonly exploitation: DecisionPoint<Exploitation>;
  readonly automatable: DecisionPoint<Automatable>;
  readonly technicalImpact: DecisionPoint<TechnicalImpact>;
  readonly missionWellbeing: DecisionPoint<MissionWellbeing>;
  readonly systemExposure: DecisionPoint<SystemExposure>;
  readonly humanImpact: DecisionPoint<HumanImpact>;
}

/** A reason in a decision: a machine code plus a sentence a person reads. */
export interface Reason {
  readonly code: string;
  readonly text: string;
}

/** The decision for one finding. */
export interface Decision {
  readonly outcome: CisaOutcome;
  readonly deployer: DeployerOutcome;
  readonly points: DecisionPoints;
  /** 0..100, orders findings within and across outcomes. */
  readonly score: number;
  /** Parts of the score, for explanations: name -> contribution in points. */
  readonly scoreParts: Readonly<Record<string, number>>;
  /** Due date (YYYY-MM-DD, UTC) from the policy's SLA for the outcome, capped at a KEV due date. */
  readonly dueDate: string;
  readonly reasons: readonly Reason[];
  /**
   * False for findings that are closed (fixed, not_affected, false_positive, accepted): they are decided,
   * so reports can show them, but never escalated. `open` and `under_investigation` findings are.
   */
  readonly escalatable: boolean;
}

/*
 * Additions by the triage core (src/vuln/triage). The types above are shared with the store and the CLI.
 */

/** CISA Mission Prevalence: how much the vulnerable component matters to mission essential functions. */
export type MissionPrevalence = "minimal" | "support" | "essential";

/** CISA Public Well-Being Impact: the harm exploitation could do to people. */
export type PublicWellbeing = "minimal" | "material" | "irreversible";

/** An escalation budget: a share of the escalatable findings, or a fixed number of them. */
export type EscalationBudget = { readonly percent: number } | { readonly count: number };

/** A decision with only its most important reason (see `decideBrief`). */
export interface DecisionBrief {
  readonly outcome: CisaOutcome;
  readonly deployer: DeployerOutcome;
  readonly score: number;
  readonly dueDate: string;
  readonly escalatable: boolean;
  readonly topReason: Reason;
}
