import type { Epss, Severity } from "../finding.js";
import type { Criticality, Exposure } from "../assets/types.js";
import type { Exploitation } from "../intel/types.js";
import type { TriagePolicy } from "./policy.js";
import type { CisaOutcome } from "./types.js";
import { CISA_OUTCOMES } from "./types.js";

/**
 * The risk score, 0-100, that orders findings within an SSVC outcome. Six parts, each a weight from the
 * policy times a factor from 0 to 1, normalised so the weights sum to 100 (docs/triage.md has the formula
 * and a worked example):
 *
 * - exploit: max(exploitation level, EPSS blend); level is 1 for active (KEV, Vulnrichment, scanner),
 *   0.6 for a public PoC (Vulnrichment, the scanner's exploit flag, EPSS at/above the threshold), 0 for
 *   none; the EPSS blend is sqrt(probability x percentile): the percentile spreads the many small
 *   probabilities apart, the probability keeps a 0.3% chance from scoring like a likely one.
 * - ransomware: 1 when CISA KEV records known ransomware campaign use.
 * - severity: CVSS base score / 10, else the severity word (critical 0.95, high 0.8, medium 0.55,
 *   low 0.25, info 0, unknown 0.4 so that an unrated finding is not buried under low ones).
 * - criticality: mission-critical 1, high 0.75, medium 0.5, low 0.25.
 * - exposure: internet 1, internal 0.5, isolated 0.2.
 * - age: days since first seen / `ageFullDays` (at most 1): an old open finding rises.
 *
 * @example
 * riskScore({ exploitation: "active", epss: { score: 0.94, percentile: 0.97 }, ransomware: true,
 *   cvssScore: 9.8, severity: "critical", criticality: "mission-critical", exposure: "internet",
 *   ageDays: 30 }, DEFAULT_TRIAGE_POLICY); // 95.3
 */
export interface ScoreInput {
  readonly exploitation: Exploitation;
  readonly epss: Epss | null;
  /** In CISA KEV with known ransomware campaign use. */
  readonly ransomware: boolean;
  /** CVSS base score, or null when no CVSS is known. */
  readonly cvssScore: number | null;
  readonly severity: Severity;
  readonly criticality: Criticality;
  readonly exposure: Exposure;
  /** Whole days since the finding was first seen (0 when unknown). */
  readonly ageDays: number;
}

const EXPLOIT_LEVEL: Readonly<Record<Exploitation, number>> = { active: 1, poc: 0.6, none: 0 };
const SEVERITY_FACTOR: Readonly<Record<Severity, number>> = {
  critical: 0.95,
  high: 0.8,
  medium: 0.55,
  low: 0.25,
  info: 0,
  unknown: 0.4,
};
const CRITICALITY_FACTOR: Readonly<Record<Criticality, number>> = {
  "mission-critical": 1,
  high: 0.75,
  medium: 0.5,
  low: 0.25,
};
const EXPOSURE_FACTOR: Readonly<Record<Exposure, number>> = { internet: 1, internal: 0.5, isolated: 0.2 };

/** Names of the score's parts, in the order explanations list them. */
export const SCORE_PARTS = ["exploit", "ransomware", "severity", "criticality", "exposure", "age"] as const;
export type ScorePart = (typeof SCORE_PARTS)[number];

function clamp01(x: number): number {
  return x > 1 ? 1 : x > 0 ? x : 0;
}

function exploitFactor(s: ScoreInput): number {
  const blend = s.epss ? Math.sqrt(clamp01(s.epss.score) * clamp01(s.epss.percentile)) : 0;
  const level = EXPLOIT_LEVEL[s.exploitation];
  return level > blend ? level : blend;
}

function severityFactor(s: ScoreInput): number {
  return s.cvssScore !== null && s.cvssScore > 0 ? clamp01(s.cvssScore / 10) : SEVERITY_FACTOR[s.severity];
}

function totalWeight(w: TriagePolicy["weights"]): number {
  return w.exploit + w.ransomware + w.severity + w.criticality + w.exposure + w.age;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * The score alone, rounded to one decimal: the hot path's version, with no per-part object.
 *
 * @example riskScore(input, DEFAULT_TRIAGE_POLICY) // 55.5
 */
export function riskScore(s: ScoreInput, policy: TriagePolicy): number {
  // Inlined sum, no per-part array: this runs once per finding.
  const w = policy.weights;
  const sum =
    w.exploit * exploitFactor(s) +
    (s.ransomware ? w.ransomware : 0) +
    w.severity * severityFactor(s) +
    w.criticality * CRITICALITY_FACTOR[s.criticality] +
    w.exposure * EXPOSURE_FACTOR[s.exposure] +
    w.age * clamp01(s.ageDays / policy.ageFullDays);
  return round1((100 * sum) / totalWeight(w));
}

/**
 * Each part's contribution in points (one decimal), for explanations. The parts add up to the score
 * give or take 0.1 of rounding.
 *
 * @example scoreParts(input, DEFAULT_TRIAGE_POLICY).exploit // 40
 */
export function scoreParts(s: ScoreInput, policy: TriagePolicy): Record<ScorePart, number> {
  const w = policy.weights;
  const k = 100 / totalWeight(w);
  return {
    exploit: round1(w.exploit * exploitFactor(s) * k),
    ransomware: round1((s.ransomware ? w.ransomware : 0) * k),
    severity: round1(w.severity * severityFactor(s) * k),
    criticality: round1(w.criticality * CRITICALITY_FACTOR[s.criticality] * k),
    exposure: round1(w.exposure * EXPOSURE_FACTOR[s.exposure] * k),
    age: round1(w.age * clamp01(s.ageDays / policy.ageFullDays) * k),
  };
}

/**
 * The ordering key across outcomes: outcome rank first, score second, as one number (rank x 1000 +
 * score), so an Act always sorts above an Attend whatever their scores. Larger is more urgent.
 *
 * @example orderKey("act", 12) > orderKey("attend", 99) // true
 */
export function orderKey(outcome: CisaOutcome, score: number): number {
  return outcomeRank(outcome) * 1000 + score;
}

/**
 * Rank of an outcome: 0 track, 1 track*, 2 attend, 3 act.
 *
 * @example outcomeRank("attend") // 2
 */
export function outcomeRank(outcome: CisaOutcome): number {
  return CISA_OUTCOMES.indexOf(outcome);
}
