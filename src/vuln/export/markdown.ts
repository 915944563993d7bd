import { applicableFix } from "../versions.js";
import { formatBudget } from "../triage/budget.js";
import { markdownCell, markdownText } from "./markdown-text.js";
import type { ExportedFinding, ExportSummary } from "./types.js";

/**
 * A Markdown report for a pull-request comment or a CI job summary: the totals, then one table row per
 * escalated finding with its first reason. Report text is untrusted, so every piece of it (table cells and
 * the unknown asset keys) is written with `markdownText`: it cannot add links, images, HTML or table
 * columns, nor mention people when the report is posted as a comment.
 *
 * @example writeFile("triage.md", markdownReport(summary, escalated))
 */
export function markdownReport(summary: ExportSummary, findings: readonly ExportedFinding[]): string {
  const o = summary.byOutcome;
  const lines = [
    "## detente triage",
    "",
    `${summary.distinct.toLocaleString("en-US")} findings (${summary.read.toLocaleString("en-US")} reported, duplicates merged) from ${summary.reports.length} report${summary.reports.length === 1 ? "" : "s"}: ` +
      `**${o.act} act**, ${o.attend} attend, ${o["track*"]} track*, ${o.track} track; ${summary.closed} closed or not affected.`,
    "",
    `Escalated: **${summary.escalated}** (budget ${formatBudget(summary.budget)} = ${summary.budgetLimit}` +
      (summary.actOverflow > 0
        ? `; ${summary.actOverflow} Act${summary.actOverflow === 1 ? "" : "s"} over the budget, escalated anyway`
        : "") +
      ").",
  ];
  // The sentence names unknown asset keys, which come from the reports.
  if (summary.unmatched) lines.push("", markdownText(summary.unmatched));
  if (findings.length > 0) {
    lines.push(
      "",
      "| Outcome | Score | Due | Vulnerability | Component | Fix | Asset | Owner | Why |",
      "| --- | ---: | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const e of findings) {
      const f = e.finding;
      lines.push(
        "| " +
          [
            e.decision.outcome === "act" ? "**act**" : e.decision.outcome,
            e.decision.score.toFixed(1),
            e.decision.dueDate,
            cell(f.vulnId),
            cell(f.component ? `${f.component} ${f.version}` : "—"),
            cell(applicableFix(f.version, f.fixedVersions) ?? "—"),
            cell(f.assetKey),
            cell(e.asset.asset.owner),
            cell(e.decision.reasons[0]?.text ?? ""),
          ].join(" | ") +
          " |",
      );
    }
  }
  return lines.join("\n") + "\n";
}

function cell(s: string): string {
  return markdownCell(s, 200);
}
