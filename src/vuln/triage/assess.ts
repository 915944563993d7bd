import type { AssetContext } from "../assets/types.js";
import type { Finding, FindingStatus } from "../finding.js";
import type {
  Automatable,
  Exploitation,
  IntelRecord,
  KevEntry,
  TechnicalImpact,
  VulnrichmentSsvc,
} from "../intel/types.js";
import { chooseCvss, type ChosenCvss } from "./cvss.js";
import { dayNumber, type DayNumber } from "./dates.js";
import type { TriagePolicy } from "./policy.js";
import { riskScore, type ScoreInput } from "./score.js";
import { slaDueDay } from "./sla.js";
import { cisaOutcome, deployerOutcome, missionWellbeingOf } from "./ssvc-tables.js";
import type {
  CisaOutcome,
  DeployerOutcome,
  HumanImpact,
  MissionPrevalence,
  MissionWellbeing,
  PointSource,
  PublicWellbeing,
  SystemExposure,
} from "./types.js";

/** What `decide` and `assess` take: one finding, its intel, its asset context, the policy and today. */
export interface DecideInput {
  readonly finding: Finding;
  readonly intel: IntelRecord | undefined;
  readonly asset: AssetContext;
  readonly policy: TriagePolicy;
  /** Today (YYYY-MM-DD or a Date); triage never reads the clock. */
  readonly now: string | Date;
  /** When the finding was first seen; SLAs count from it, else from `now`. */
  readonly firstSeen?: string | Date | undefined;
}

/**
 * Every value of a decision, with no sentence built: the cheap path for ordering and escalating a million
 * findings. `decide` turns one into a full Decision with reasons.
 */
export interface Assessment extends ScoreInput {
  readonly exploitationSource: PointSource;
  readonly automatable: Automatable;
  readonly automatableSource: PointSource;
  readonly technicalImpact: TechnicalImpact;
  readonly technicalImpactSource: PointSource;
  readonly prevalence: MissionPrevalence;
  readonly wellbeing: PublicWellbeing;
  readonly missionWellbeing: MissionWellbeing;
  readonly systemExposure: SystemExposure;
  readonly humanImpact: HumanImpact;
  readonly outcome: CisaOutcome;
  readonly deployer: DeployerOutcome;
  readonly score: number;
  readonly escalatable: boolean;
  readonly nowDay: DayNumber;
  readonly startDay: DayNumber;
  readonly startIsFirstSeen: boolean;
  readonly dueDay: DayNumber;
  readonly cvss: ChosenCvss | null;
  readonly kev: KevEntry | undefined;
  readonly ssvc: VulnrichmentSsvc | undefined;
}

let memoNow: string | Date | undefined;
let memoNowDay: DayNumber = NaN;

/** Statuses that close a finding: decided for the record, never escalated. */
export const CLOSED_STATUSES: ReadonlySet<FindingStatus> = new Set<FindingStatus>([
  "fixed",
  "not_affected",
  "false_positive",
  "accepted",
]);

/**
 * Decide every decision point, the SSVC outcomes, the score and the due day of one finding, without
 * building any text. Precedence of each point (first that applies wins):
 *
 * - Exploitation: active from CISA KEV, then Vulnrichment "active", then the scanner's known-exploited
 *   flag; poc from Vulnrichment "poc", then the scanner's exploit-available flag, then EPSS at or above
 *   `epssThreshold`; none from Vulnrichment "none"; else the policy default.
 * - Automatable and Technical Impact: Vulnrichment, then the CVSS vector (see cvss.ts), then the default.
 * - Mission & Well-being: CISA's table over Mission Prevalence (from criticality) and Public Well-Being
 *   (from data classification); System Exposure from exposure; Human Impact from criticality, all mapped
 *   by the policy. An unmatched finding uses the default asset context (source "default").
 *
 * @example assess({ finding, intel, asset, policy, now: "2024-05-01" }).outcome // "act"
 */
export function assess(input: DecideInput): Assessment {
  const { finding, intel, policy } = input;
  const kev = intel?.kev;
  const ssvc = intel?.ssvc;
  const epss = intel?.epss ?? finding.epss;

  let exploitation: Exploitation;
  let exploitationSource: PointSource;
  if (kev) {
    exploitation = "active";
    exploitationSource = "kev";
  } else if (ssvc?.exploitation === "active") {
    exploitation = "active";
    exploitationSource = "vulnrichment";
  } else if (finding.knownExploited === true) {
    exploitation = "active";
    exploitationSource = "scanner";
  } else if (ssvc?.exploitation === "poc") {
    exploitation = "poc";
    exploitationSource = "vulnrichment";
  } else if (finding.exploitAvailable === true) {
    exploitation = "poc";
    exploitationSource = "scanner";
  } else if (epss && epss.score >= policy.epssThreshold) {
    exploitation = "poc";
    exploitationSource = "epss";
  } else if (ssvc) {
    exploitation = "none";
    exploitationSource = "vulnrichment";
  } else {
    exploitation = policy.defaults.exploitation;
    exploitationSource = "default";
  }

  const cvss = chooseCvss(finding, intel);
  const facts = cvss?.facts ?? null;
  let automatable: Automatable;
  let automatableSource: PointSource;
  if (ssvc) {
    automatable = ssvc.automatable;
    automatableSource = "vulnrichment";
  } else if (facts) {
    automatable = facts.automatable ? "yes" : "no";
    automatableSource = "cvss";
  } else {
    automatable = policy.defaults.automatable;
    automatableSource = "default";
  }

  let technicalImpact: TechnicalImpact;
  let technicalImpactSource: PointSource;
  if (ssvc) {
    technicalImpact = ssvc.technicalImpact;
    technicalImpactSource = "vulnrichment";
  } else if (facts) {
    technicalImpact = facts.totalImpact ? "total" : "partial";
    technicalImpactSource = "cvss";
  } else {
    technicalImpact = policy.defaults.technicalImpact;
    technicalImpactSource = "default";
  }

  const asset = input.asset.asset;
  const prevalence = policy.missionPrevalence[asset.criticality];
  const wellbeing = wellbeingOf(policy.publicWellbeing, asset.dataClassification);
  const missionWellbeing = missionWellbeingOf(prevalence, wellbeing);
  const systemExposure = policy.systemExposure[asset.exposure];
  const humanImpact = policy.humanImpact[asset.criticality];
  const outcome = cisaOutcome(exploitation, automatable, technicalImpact, missionWellbeing);
  const deployer = deployerOutcome(exploitation, systemExposure, automatable, humanImpact);

  // A run decides every finding with the same `now`: parse it once (a memo, not state: same in, same out).
  if (input.now !== memoNow) {
    memoNow = input.now;
    memoNowDay = dayNumber(input.now);
  }
  const now = memoNowDay;
  if (!Number.isFinite(now)) throw new RangeError(`decide: now is not a date: ${String(input.now)}`);
  const first = input.firstSeen === undefined ? NaN : dayNumber(input.firstSeen);
  const startIsFirstSeen = Number.isFinite(first);
  const startDay = startIsFirstSeen ? first : now;
  const dueDay = slaDueDay(outcome, policy.sla, startDay, kev ? dayNumber(kev.dueDate) : NaN);

  const a = {
    exploitation,
    exploitationSource,
    epss,
    ransomware: kev?.ransomware === true,
    cvssScore: cvss ? cvss.cvss.score : null,
    severity: finding.severity,
    criticality: asset.criticality,
    exposure: asset.exposure,
    ageDays: now > startDay ? now - startDay : 0,
    automatable,
    automatableSource,
    technicalImpact,
    technicalImpactSource,
    prevalence,
    wellbeing,
    missionWellbeing,
    systemExposure,
    humanImpact,
    outcome,
    deployer,
    score: 0,
    escalatable: !CLOSED_STATUSES.has(finding.status),
    nowDay: now,
    startDay,
    startIsFirstSeen,
    dueDay,
    cvss,
    kev,
    ssvc,
  };
  a.score = riskScore(a, policy);
  return a;
}

/** Public Well-Being for a data classification; own keys only, since classifications are free text. */
function wellbeingOf(map: Readonly<Record<string, PublicWellbeing>>, dataClass: string): PublicWellbeing {
  if (Object.hasOwn(map, dataClass)) return map[dataClass]!;
  const lower = dataClass.trim().toLowerCase();
  return Object.hasOwn(map, lower) ? map[lower]! : "minimal";
}
