import { applicableFix } from "../vuln/versions.js";
import { formatBudget } from "../vuln/triage/budget.js";
import { printableLine } from "../vuln/export/printable.js";
import type { ExportedFinding, ExportSummary } from "../vuln/export/types.js";
import { color, paintOutcome, table } from "./render.js";

const n = (x: number): string => x.toLocaleString("en-US");

/**
 * The terminal rendering of a triage: totals by outcome, the budget, unmatched assets, then one row per
 * escalated finding with the first reason. Report text (ids, components, versions, asset keys, reasons)
 * is shown with `printableLine`, so a report cannot send escape sequences to the terminal.
 */
export function renderTriageTable(summary: ExportSummary, rows: readonly ExportedFinding[]): string {
  const o = summary.byOutcome;
  const dup = summary.read - summary.distinct;
  const lines = [
    color.bold(
      `detente triage: ${n(summary.distinct)} findings from ${summary.reports.length} report${summary.reports.length === 1 ? "" : "s"}`,
    ) + (dup > 0 ? color.dim(` (${n(summary.read)} reported, ${n(dup)} duplicates merged)`) : ""),
    `  ${paintOutcome("act")} ${n(o.act)} · ${paintOutcome("attend")} ${n(o.attend)} · ${paintOutcome("track*")} ${n(o["track*"])} · ${paintOutcome("track")} ${n(o.track)}` +
      (summary.closed > 0 ? color.dim(` · ${n(summary.closed)} closed or not affected`) : ""),
    `  escalated ${color.bold(n(summary.escalated))} (budget ${formatBudget(summary.budget)} = ${n(summary.budgetLimit)}` +
      (summary.actOverflow > 0
        ? color.red(`; ${n(summary.actOverflow)} acts over budget, escalated anyway`)
        : "") +
      ")",
  ];
  // The sentence names unknown asset keys, which come from the reports.
  if (summary.unmatched) lines.push(color.yellow("  " + printableLine(summary.unmatched)));
  if (rows.length === 0) {
    lines.push("", "Nothing to escalate.");
    return lines.join("\n") + "\n";
  }
  lines.push(
    "",
    table(
      ["ID", "OUTCOME", "SCORE", "DUE", "VULNERABILITY", "COMPONENT", "FIX", "ASSET", "OWNER", "WHY"],
      rows.map((e) => [
        e.id,
        paintOutcome(e.decision.outcome),
        e.decision.score.toFixed(1),
        e.decision.dueDate,
        ...[
          e.finding.vulnId,
          e.finding.component ? `${e.finding.component} ${e.finding.version}` : "—",
          applicableFix(e.finding.version, e.finding.fixedVersions) ?? "—",
          e.finding.assetKey || "—",
          e.asset.asset.owner,
          e.decision.reasons[0]?.text ?? "",
        ].map(printableLine),
      ]),
      48,
    ),
  );
  return lines.join("\n") + "\n";
}
