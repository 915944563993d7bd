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
 * RFC 4180 says, and a cell that a spreadsheet would run as a formula (see `csvCell`) gets a leading
 * apostrophe, because report text is untrusted.
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

/**
 * Quote a cell when it needs it and defuse spreadsheet formulas: a cell starting with = + - @, a tab, a
 * line break, NUL, or a full-width ＝ ＋ － ＠ (the leading characters OWASP's "CSV Injection" page and
 * ASVS 5 requirement 1.2.10 list) gets a leading apostrophe.
 *
 * @example csvCell("=HYPERLINK(\"https://evil.example\")") // "\"'=HYPERLINK(\"\"https://evil.example\"\")\""
 */
export function csvCell(value: string): string {
  let v = value;
  if (FORMULA_START.test(v)) v = "'" + v;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const FORMULA_START = /^[=+\-@\t\r\n\0\uff1d\uff0b\uff0d\uff20]/;
