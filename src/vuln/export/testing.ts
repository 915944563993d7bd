import type { Asset } from "../assets/types.js";
import type { Finding } from "../finding.js";
import { decide } from "../triage/decide.js";
import { DEFAULT_TRIAGE_POLICY } from "../triage/policy.js";
import { aFinding, anAsset } from "../triage/testing.js";
import type { ExportedFinding, ExportSummary } from "./types.js";

/**
 * Builders for exporter tests: a decided finding as `detente triage` hands it to an exporter, and the
 * totals, each overridable field by field so a test states only what it is about.
 *
 * @example markdownReport(aSummary(), [anExported({ component: "a|b" })])
 */
export function anExported(
  finding: Partial<Finding> = {},
  options: { readonly asset?: Partial<Asset>; readonly reason?: string } = {},
): ExportedFinding {
  const f = aFinding(finding);
  const asset = anAsset(options.asset);
  const decision = decide({
    finding: f,
    intel: undefined,
    asset,
    policy: DEFAULT_TRIAGE_POLICY,
    now: "2024-04-12",
    firstSeen: "2024-04-10",
  });
  return {
    id: "3f9a0c1d2e4b",
    finding: f,
    decision:
      options.reason === undefined
        ? decision
        : { ...decision, reasons: [{ code: "sla", text: options.reason }] },
    asset,
    scanners: [f.scanner],
    escalated: true,
  };
}

/**
 * Totals of a triage of one report with one escalated finding.
 *
 * @example aSummary({ unmatched: "1 finding on 1 unknown asset matched no asset; ..." })
 */
export function aSummary(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return {
    generatedAt: "2024-04-12T12:00:00.000Z",
    reports: [{ name: "report.json", format: "trivy", findings: 1 }],
    read: 1,
    distinct: 1,
    byOutcome: { act: 1, attend: 0, "track*": 0, track: 0 },
    closed: 0,
    budget: { percent: 5 },
    budgetLimit: 1,
    escalated: 1,
    actOverflow: 0,
    unmatched: "",
    ...overrides,
  };
}
