import { applicableFix } from "../versions.js";
import type { AssetContext } from "../assets/types.js";
import type { Finding } from "../finding.js";
import { SCORE_PARTS } from "./score.js";
import type { Decision, DecisionPoint, PointSource } from "./types.js";
import { deployerLabel, outcomeLabel } from "./words.js";

const SOURCE_LABEL: Readonly<Record<PointSource, string>> = {
  kev: "CISA KEV",
  vulnrichment: "CISA Vulnrichment",
  epss: "FIRST EPSS",
  scanner: "scanner",
  cvss: "CVSS vector",
  asset: "asset inventory",
  default: "policy default",
};

// Report text is untrusted: control characters (ANSI escapes, carriage returns) must not reach a terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function clean(text: string, max = 200): string {
  const s = text.replace(CONTROL, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A multi-line, plain-language explanation of one decision for `detente explain`: what the finding is,
 * where, the outcome and why through each decision point and its source, the score's parts, the SLA, and
 * what to do. Text that came from a report is stripped of control characters.
 *
 * @example
 * console.log(explain(decide(input), input.finding, input.asset));
 * // CVE-2024-3094 in xz-utils 5.6.0 (deb): XZ Utils backdoor
 * // Where: asset payments-api (owner team payments, production); reported by trivy
 * // Outcome: Act (CISA SSVC); deployer priority Immediate; risk score 95.3/100; due 2024-04-19
 * // ...
 */
export function explain(decision: Decision, finding: Finding, context: AssetContext): string {
  const lines: string[] = [];
  lines.push(headline(finding));
  lines.push(`Where: ${where(finding, context)}`);
  lines.push(
    `Outcome: ${outcomeLabel(decision.outcome)} (CISA SSVC); deployer priority ${deployerLabel(decision.deployer)}; ` +
      `risk score ${decision.score}/100; due ${decision.dueDate}`,
  );
  if (!decision.escalatable)
    lines.push(`Never escalated: the finding is ${finding.status.replace(/_/g, " ")}.`);
  lines.push("", "Why:");
  for (const r of decision.reasons) lines.push(`  - ${clean(r.text, 400)}`);

  lines.push("", "Decision points:");
  const p = decision.points;
  const rows: [string, DecisionPoint<string>][] = [
    ["Exploitation", p.exploitation],
    ["Automatable", p.automatable],
    ["Technical impact", p.technicalImpact],
    ["Mission & well-being", p.missionWellbeing],
    ["System exposure", p.systemExposure],
    ["Human impact", p.humanImpact],
  ];
  for (const [name, point] of rows) {
    lines.push(
      `  ${name.padEnd(21)} ${point.value.padEnd(10)} from ${SOURCE_LABEL[point.source]}: ${point.detail}`,
    );
  }

  const parts = SCORE_PARTS.map((k) => `${k} ${decision.scoreParts[k] ?? 0}`).join(" + ");
  lines.push("", `Score: ${decision.score} = ${parts}`);
  lines.push("", `What to do: ${whatToDo(decision, finding)}`);
  return lines.join("\n");
}

function headline(f: Finding): string {
  const what = f.component
    ? ` in ${clean(f.component, 100)}${f.version ? ` ${clean(f.version, 60)}` : ""}`
    : "";
  const eco = f.ecosystem ? ` (${clean(f.ecosystem, 20)})` : "";
  const title = f.title ? `: ${clean(f.title)}` : "";
  return `${clean(f.vulnId, 80) || "(no id)"}${what}${eco}${title}`;
}

function where(f: Finding, context: AssetContext): string {
  const a = context.asset;
  const details = [a.owner ? `owner team ${clean(a.owner, 80)}` : "", clean(a.environment, 40)].filter(
    Boolean,
  );
  const asset = context.matched
    ? `asset ${clean(a.name, 100)}${details.length ? ` (${details.join(", ")})` : ""}`
    : `${clean(f.assetKey, 120) || "an unknown asset"} (no asset matched; default context)`;
  const at = f.location ? ` at ${clean(f.location)}` : "";
  const by = f.scanner ? `; reported by ${clean(f.scanner, 60)}` : "";
  return `${asset}${at}${by}`;
}

function whatToDo(d: Decision, f: Finding): string {
  if (!d.escalatable) return `nothing: the finding is ${f.status.replace(/_/g, " ")}.`;
  const best = applicableFix(f.version, f.fixedVersions);
  const fixes = (best !== undefined ? [best] : []).map((v) => clean(v, 60));
  const kev = d.reasons.some((r) => r.code === "kev" || r.code === "sla-kev")
    ? " CISA KEV lists it as exploited in the wild: treat the due date as a deadline."
    : "";
  if (fixes.length > 0 && f.component) {
    const to = fixes.length === 1 ? fixes[0]! : `one of ${fixes.join(", ")}`;
    return `upgrade ${clean(f.component, 100)}${f.version ? ` from ${clean(f.version, 60)}` : ""} to ${to} by ${d.dueDate}.${kev}`;
  }
  if (fixes.length > 0) return `apply the fix (${fixes.join(", ")}) by ${d.dueDate}.${kev}`;
  return (
    `no fixed version is known yet: mitigate (reduce exposure, disable the affected feature) or record a risk ` +
    `exception, and watch for a fix. Due ${d.dueDate}.${kev}`
  );
}
