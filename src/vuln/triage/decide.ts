import { assess, type Assessment, type DecideInput } from "./assess.js";
import { formatDay } from "./dates.js";
import { automatableDetail, decisionPoints, exploitationDetail, technicalImpactDetail } from "./points.js";
import { scoreParts } from "./score.js";
import type { Decision, DecisionBrief, Reason } from "./types.js";
import { criticalityWord, epssText, exposureWord, outcomeLabel } from "./words.js";

export type { DecideInput } from "./assess.js";

/**
 * Decide one finding: the CISA SSVC outcome and the deployer priority from six decision points (each with
 * its source), a 0-100 risk score with its parts, the SLA due date, whether it may be escalated, and the
 * reasons in plain language, most important first. Pure: the same input always gives the same decision.
 * For ordering or escalating millions of findings, `assess` gives the same values without the text.
 *
 * @example
 * const d = decide({ finding, intel: intel.get(finding.vulnId), asset, policy, now: "2024-04-12" });
 * d.outcome; // "act"
 * d.reasons[0].text; // "In CISA KEV since 2024-03-29 (ransomware use known); due 2024-04-19"
 */
export function decide(input: DecideInput): Decision {
  const a = assess(input);
  const points = decisionPoints(a, input);
  return {
    outcome: a.outcome,
    deployer: a.deployer,
    points,
    score: a.score,
    scoreParts: scoreParts(a, input.policy),
    dueDate: formatDay(a.dueDay),
    reasons: reasonsOf(a, input),
    escalatable: a.escalatable,
  };
}

/**
 * The reasons of a decision, most important first: a closed status, CISA KEV, other exploitation
 * evidence, EPSS, the asset, automatability and impact, then the due date.
 */
function reasonsOf(a: Assessment, input: DecideInput): Reason[] {
  const reasons: Reason[] = [];
  const closed = closedReason(a, input);
  if (closed) reasons.push(closed);
  const exploitation = exploitationReason(a, input);
  if (exploitation) reasons.push(exploitation);
  const epss = epssReason(a, input);
  if (epss) reasons.push(epss);
  reasons.push(assetReason(a, input));
  reasons.push({ code: "automatable", text: automatableDetail(a, true) });
  reasons.push({ code: "technical-impact", text: technicalImpactDetail(a, true) });
  reasons.push(slaReason(a, input));
  return reasons;
}

/**
 * The decision without the full list of reasons: outcome, deployer priority, score, due date and only
 * the most important reason, as `decide(...).reasons[0]` would give it. For storing or listing a
 * million findings, where building every sentence would cost more than the decision itself.
 *
 * @example decideBrief(input).topReason.text // "In CISA KEV since 2024-03-29; due 2024-04-19"
 */
export function decideBrief(input: DecideInput): DecisionBrief {
  const a = assess(input);
  const top =
    closedReason(a, input) ?? exploitationReason(a, input) ?? epssReason(a, input) ?? assetReason(a, input);
  return {
    outcome: a.outcome,
    deployer: a.deployer,
    score: a.score,
    dueDate: formatDay(a.dueDay),
    escalatable: a.escalatable,
    topReason: top,
  };
}

function closedReason(a: Assessment, input: DecideInput): Reason | undefined {
  if (a.escalatable) return undefined;
  const { finding } = input;
  const why = finding.statusDetail ? ` (${finding.statusDetail.slice(0, 200)})` : "";
  return {
    code: "closed",
    text: `Finding is ${finding.status.replace(/_/g, " ")}${why}; it is decided for the record but never escalated`,
  };
}

function exploitationReason(a: Assessment, input: DecideInput): Reason | undefined {
  if (a.kev) {
    const ransomware = a.kev.ransomware ? " (ransomware use known)" : "";
    return { code: "kev", text: `In CISA KEV since ${a.kev.dateAdded}${ransomware}; due ${a.kev.dueDate}` };
  }
  if (a.exploitationSource === "epss") return undefined;
  return { code: "exploitation", text: exploitationDetail(a, input, true) };
}

function epssReason(a: Assessment, input: DecideInput): Reason | undefined {
  const { policy } = input;
  if (!a.epss || a.epss.score < policy.epssThreshold) return undefined;
  return {
    code: "epss",
    text: `EPSS ${epssText(a.epss)} ${a.epss.score > policy.epssThreshold ? "is above" : "equals"} the policy threshold ${policy.epssThreshold}`,
  };
}

function assetReason(a: Assessment, input: DecideInput): Reason {
  const asset = input.asset.asset;
  const data = a.wellbeing !== "minimal" ? `, holds ${asset.dataClassification} data` : "";
  if (!input.asset.matched) {
    return {
      code: "no-asset",
      text:
        `No asset matched ${input.finding.assetKey || "this finding"}; using the default context ` +
        `(${criticalityWord(asset.criticality)}, ${exposureWord(asset.exposure)}${data})`,
    };
  }
  const owner = asset.owner ? ` (owner team ${asset.owner})` : "";
  return {
    code: "asset",
    text: `Asset ${asset.name} is ${criticalityWord(asset.criticality)} and ${exposureWord(asset.exposure)}${data}${owner}`,
  };
}

function slaReason(a: Assessment, input: DecideInput): Reason {
  const days = input.policy.sla[a.outcome];
  const late = a.nowDay - a.dueDay;
  const overdue = late > 0 ? ` (overdue by ${late} day${late === 1 ? "" : "s"})` : "";
  const from = a.startIsFirstSeen
    ? `first seen ${formatDay(a.startDay)}`
    : `today (${formatDay(a.startDay)})`;
  const due = formatDay(a.dueDay);
  if (a.kev && a.dueDay < a.startDay + days) {
    return {
      code: "sla-kev",
      text:
        `Due ${due}, the CISA KEV due date, which comes before the ${outcomeLabel(a.outcome)} SLA ` +
        `of ${days} days from ${from} (${formatDay(a.startDay + days)})${overdue}`,
    };
  }
  return {
    code: "sla",
    text: `Due ${due}: ${outcomeLabel(a.outcome)} SLA of ${days} days from ${from}${overdue}`,
  };
}
