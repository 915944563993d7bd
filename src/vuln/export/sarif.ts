import type { ExportedFinding, ExportSummary } from "./types.js";

const LEVEL = { act: "error", attend: "warning", "track*": "note", track: "note" } as const;

/**
 * A SARIF 2.1.0 log of decided findings that GitHub code scanning (and any SARIF viewer) loads: one rule per
 * vulnerability with its `security-severity`, one result per finding with the detente outcome as level
 * (act -> error, attend -> warning, track -> note), its reasons as the message, the lock file or the asset
 * as location, and the finding's fingerprint as `partialFingerprints` so alerts stay the same across runs.
 *
 * @example writeFile("detente.sarif", JSON.stringify(sarifLog(summary, escalated, { version: "0.1.0" })))
 */
export function sarifLog(
  summary: ExportSummary,
  findings: readonly ExportedFinding[],
  tool: { readonly version: string },
): object {
  const rules: object[] = [];
  const ruleIndex = new Map<string, number>();
  const results = findings.map((e) => {
    const f = e.finding;
    let index = ruleIndex.get(f.vulnId);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(f.vulnId, index);
      rules.push(ruleOf(e));
    }
    const fix =
      f.fixedVersions.length > 0 ? ` Fixed in ${f.fixedVersions.join(", ")}.` : " No fixed version is known.";
    const where = f.component ? `${f.component} ${f.version}` : f.location || f.assetKey;
    return {
      ruleId: f.vulnId,
      ruleIndex: index,
      level: LEVEL[e.decision.outcome],
      message: {
        text:
          `${e.decision.outcome.toUpperCase()} (score ${e.decision.score.toFixed(1)}, due ${e.decision.dueDate}): ${f.vulnId} in ${where} on ${f.assetKey || "the scanned target"}.${fix} ` +
          e.decision.reasons.map((r) => r.text).join(". ") +
          ".",
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(f.location || f.assetKey) },
            region: { startLine: 1 },
          },
        },
      ],
      partialFingerprints: { "detente/v1": e.id },
      properties: {
        outcome: e.decision.outcome,
        deployer: e.decision.deployer,
        score: e.decision.score,
        dueDate: e.decision.dueDate,
        escalated: e.escalated,
        asset: f.assetKey,
        owner: e.asset.asset.owner,
        component: f.component,
        version: f.version,
        fixedVersions: f.fixedVersions,
        scanners: e.scanners,
      },
    };
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "detente",
            version: tool.version,
            rules,
          },
        },
        automationDetails: { id: "detente/triage/" },
        invocations: [{ executionSuccessful: true, endTimeUtc: summary.generatedAt }],
        results,
      },
    ],
  };
}

function ruleOf(e: ExportedFinding): object {
  const f = e.finding;
  const score = f.cvss4?.score ?? f.cvss3?.score ?? SEVERITY_SCORE[f.severity] ?? 0;
  const title = f.title || f.vulnId;
  return {
    id: f.vulnId,
    name: f.vulnId.replace(/[^A-Za-z0-9]/g, ""),
    shortDescription: { text: title.slice(0, 1000) },
    fullDescription: { text: `${title} (${[f.vulnId, ...f.aliases].join(", ")})`.slice(0, 1000) },
    ...(f.references[0] ? { helpUri: f.references[0] } : {}),
    help: {
      text: `${title}\n\nReferences:\n${f.references.slice(0, 10).join("\n")}`,
      markdown: `**${mdEscape(title)}**\n\n${f.references
        .slice(0, 10)
        .map((r) => `- <${r.replace(/[<>\s]/g, "")}>`)
        .join("\n")}`,
    },
    properties: {
      "security-severity": score.toFixed(1),
      tags: ["security", "vulnerability", f.severity],
      precision: "high",
    },
  };
}

const SEVERITY_SCORE: Readonly<Record<string, number>> = {
  critical: 9.5,
  high: 8,
  medium: 5.5,
  low: 2,
  info: 0,
  unknown: 0,
};

/** A relative URI for a location: GitHub wants repository paths; an image or host name is kept as text. */
function artifactUri(location: string): string {
  const cleaned = location.replace(/^[a-z]+:\/\//i, "").replace(/^\/+/, "");
  return encodeURI(cleaned || "unknown");
}

function mdEscape(s: string): string {
  return s.replace(/[\\`*_[\]<>]/g, (c) => "\\" + c);
}
