import type { Assessment, DecideInput } from "./assess.js";
import type { DecisionPoints, PointSource } from "./types.js";
import { criticalityWord, epssText, exposureWord, probability, sentence } from "./words.js";

/**
 * The decision points of an assessment, each with its value, source and one plain sentence saying why.
 * Built only for full decisions and explanations; the hot path (`assess`) never makes these strings.
 *
 * @example decisionPoints(assess(input), input).exploitation.detail // "listed in CISA KEV since 2024-03-29"
 */
export function decisionPoints(a: Assessment, input: DecideInput): DecisionPoints {
  return {
    exploitation: {
      value: a.exploitation,
      source: a.exploitationSource,
      detail: exploitationDetail(a, input),
    },
    automatable: { value: a.automatable, source: a.automatableSource, detail: automatableDetail(a) },
    technicalImpact: {
      value: a.technicalImpact,
      source: a.technicalImpactSource,
      detail: technicalImpactDetail(a),
    },
    missionWellbeing: {
      value: a.missionWellbeing,
      source: contextSource(input),
      detail: missionDetail(a, input),
    },
    systemExposure: {
      value: a.systemExposure,
      source: contextSource(input),
      detail: exposureDetail(a, input),
    },
    humanImpact: { value: a.humanImpact, source: contextSource(input), detail: humanDetail(a, input) },
  };
}

function contextSource(input: DecideInput): PointSource {
  return input.asset.matched ? "asset" : "default";
}

/**
 * Why Exploitation has its value; `cap` starts the sentence with a capital (for reasons) without
 * re-slicing a built string, which would copy it.
 */
export function exploitationDetail(a: Assessment, input: DecideInput, cap = false): string {
  const named = input.finding.scanner || "the scanner";
  const scanner = cap ? sentence(named) : named;
  switch (a.exploitationSource) {
    case "kev":
      return `${cap ? "Listed" : "listed"} in CISA KEV since ${a.kev!.dateAdded}${a.kev!.ransomware ? " (ransomware use known)" : ""}`;
    case "vulnrichment":
      return `CISA Vulnrichment assessed exploitation as ${a.exploitation} (${a.ssvc!.timestamp.slice(0, 10)})`;
    case "scanner":
      return a.exploitation === "active"
        ? `${scanner} reports it as known exploited`
        : `${scanner} reports that a public exploit is available`;
    case "epss":
      return `EPSS ${epssText(a.epss!)} ${a.epss!.score > input.policy.epssThreshold ? "is above" : "equals"} the policy threshold ${input.policy.epssThreshold}`;
    default: {
      const epss = a.epss
        ? `; EPSS ${probability(a.epss.score)} is below the policy threshold ${input.policy.epssThreshold}`
        : "";
      return `${cap ? "No" : "no"} exploitation known to CISA KEV, Vulnrichment or the scanner${epss}; policy default is ${a.exploitation}`;
    }
  }
}

/** Why Automatable has its value; `cap` as for exploitationDetail. */
export function automatableDetail(a: Assessment, cap = false): string {
  switch (a.automatableSource) {
    case "vulnrichment":
      return `CISA Vulnrichment assessed Automatable as ${a.automatable}`;
    case "cvss": {
      const f = a.cvss!.facts!;
      const v4 = f.version === "4.0";
      return a.automatable === "yes"
        ? `CVSS ${f.version} vector has ${f.exploitMetrics}: a network attack needing no privileges or user action`
        : `CVSS ${f.version} vector has ${f.exploitMetrics}, not all of AV:N/AC:L/${v4 ? "AT:N/" : ""}PR:N/UI:N`;
    }
    default:
      return `${cap ? "No" : "no"} Vulnrichment assessment or CVSS v3/v4 vector; policy default is ${a.automatable}`;
  }
}

/** Why Technical Impact has its value; `cap` as for exploitationDetail. */
export function technicalImpactDetail(a: Assessment, cap = false): string {
  switch (a.technicalImpactSource) {
    case "vulnrichment":
      return `CISA Vulnrichment assessed Technical Impact as ${a.technicalImpact}`;
    case "cvss": {
      const f = a.cvss!.facts!;
      return a.technicalImpact === "total"
        ? `CVSS ${f.version} vector has ${f.impactMetrics}: high confidentiality and integrity impact`
        : `CVSS ${f.version} vector has ${f.impactMetrics}, not both High`;
    }
    default:
      return `${cap ? "No" : "no"} Vulnrichment assessment or CVSS v3/v4 vector; policy default is ${a.technicalImpact}`;
  }
}

function missionDetail(a: Assessment, input: DecideInput): string {
  const asset = input.asset.asset;
  const prevalence = `${criticalityWord(asset.criticality)} (mission prevalence ${a.prevalence})`;
  const data = `${asset.dataClassification || "unclassified"} data (public well-being impact ${a.wellbeing})`;
  return input.asset.matched
    ? `asset ${asset.name} is ${prevalence} and holds ${data}`
    : `no asset matched; using the default context: ${prevalence} with ${data}`;
}

function exposureDetail(_a: Assessment, input: DecideInput): string {
  const asset = input.asset.asset;
  return input.asset.matched
    ? `asset ${asset.name} is ${exposureWord(asset.exposure)}`
    : `no asset matched; using the default context: ${exposureWord(asset.exposure)}`;
}

function humanDetail(_a: Assessment, input: DecideInput): string {
  const asset = input.asset.asset;
  return input.asset.matched
    ? `asset ${asset.name} is ${criticalityWord(asset.criticality)}`
    : `no asset matched; using the default context: ${criticalityWord(asset.criticality)}`;
}
