import type { ExportedFinding } from "./types.js";

/** Columns of the CSV export, in order. */
export const CSV_EXPORT_COLUMNS = [
  "id",
  "escalated",
  "outcome",
  "deployer",
  "score",
  "due_date",
  "vulnerability",
  "aliases",
  "component",
  "version",
  "fixed_versions",
  "location",
  "asset",
  "asset_matched",
  "owner",
  "severity",
  "status",
  "kev",
  "epss",
  "scanners",
  "reason",
] as const;

/**
 * One CSV line (with its newline) per decided finding; call `csvHeader()` first. Cells are quoted as
 * RFC 4180 says, and a cell that a spreadsheet would run as a formula (starting with = + - @ or a tab)
 * gets a leading apostrophe, because report text is untrusted.
 *
 * @example process.stdout.write(csvHeader() + findings.map(csvLine).join(""))
 */
export function csvLine(e: ExportedFinding): string {
  const f = e.finding;
  const d = e.decision;
  const cells = [
    e.id,
    e.escalated ? "yes" : "no",
    d.outcome,
    d.deployer,
    d.score.toFixed(1),
    d.dueDate,
    f.vulnId,
    f.aliases.join(";"),
    f.component,
    f.version,
    f.fixedVersions.join(";"),
    f.location,
    f.assetKey,
    e.asset.matched ? "yes" : "no",
    e.asset.asset.owner,
    f.severity,
    f.status,
    d.points.exploitation.source === "kev" ? "yes" : "no",
    f.epss ? String(f.epss.score) : "",
    e.scanners.join(";"),
    d.reasons[0]?.text ?? "",
  ];
  return cells.map(csvCell).join(",") + "\r\n";
}

export function csvHeader(): string {
  return CSV_EXPORT_COLUMNS.join(",") + "\r\n";
}

/** Quote a cell when it needs it and defuse spreadsheet formulas. */
export function csvCell(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = "'" + v;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
