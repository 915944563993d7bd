/**
 * The triage core: CISA SSVC decisions with sourced decision points, a 0-100 risk score, SLA due dates,
 * an escalation budget and plain-language explanations. Pure functions: data in, data out, `now` passed in.
 *
 * @example
 * import { decide, escalate, parseTriagePolicy } from "./vuln/triage/index.js";
 * const policy = parseTriagePolicy(config.triage, "detente.yaml");
 * const decisions = findings.map((finding) => decide({ finding, intel: intel.get(finding.vulnId), asset, policy, now }));
 * const { escalated } = escalate(decisions, policy.budget, { from: policy.escalateFrom });
 */
export { assess, CLOSED_STATUSES, type Assessment, type DecideInput } from "./assess.js";
export { budgetOrProblem, formatBudget, parseBudget } from "./budget.js";
export { chooseCvss, vectorFacts, type ChosenCvss, type VectorFacts } from "./cvss.js";
export { dayNumber, formatDay, type DayNumber } from "./dates.js";
export { decide, decideBrief } from "./decide.js";
export {
  escalate,
  escalateRanked,
  type EscalationCandidate,
  type EscalationOptions,
  type EscalationResult,
} from "./escalate.js";
export { explain } from "./explain.js";
export { decisionPoints } from "./points.js";
export {
  DEFAULT_TRIAGE_POLICY,
  defaultAssetContext,
  parseTriagePolicy,
  triagePolicySchema,
  type TriagePolicy,
} from "./policy.js";
export {
  orderKey,
  outcomeRank,
  riskScore,
  scoreParts,
  SCORE_PARTS,
  type ScoreInput,
  type ScorePart,
} from "./score.js";
export { slaDue, slaDueDay, type SlaDue, type SlaInput } from "./sla.js";
export {
  CISA_COORDINATOR_TABLE,
  DEPLOYER_TABLE,
  MISSION_WELLBEING_TABLE,
  cisaOutcome,
  deployerOutcome,
  missionWellbeingOf,
} from "./ssvc-tables.js";
export * from "./types.js";
export { deployerLabel, outcomeLabel } from "./words.js";
