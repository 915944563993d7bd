import { finished } from "node:stream/promises";
import { CsvError, parse } from "csv-parse";
import { DetenteError } from "../../errors.js";
import {
  canonicalId,
  normalizeSeverity,
  severityFromScore,
  SEVERITIES,
  type Cvss,
  type Finding,
  type FindingStatus,
} from "../finding.js";
import {
  bool,
  ecosystemOfPurl,
  isOsEcosystem,
  normalizeEcosystem,
  normalizeLocation,
  num,
  packageName,
} from "./fields.js";
import type { ReadOptions, StreamFormat } from "./types.js";

/**
 * detente's own CSV of findings (see docs/csv-format.md), for tools and spreadsheets that have no
 * format of their own. A header row is required; columns are matched without case, in any order, with
 * spaces or hyphens read as underscores; unknown columns are ignored. `vulnerability` is required, and
 * `asset` unless `options.assetKey` is given (which then overrides every row). Lists are `;`-separated.
 * Every bad value is an error naming the file, the line and the column.
 *
 * @example
 * // findings.csv: "vulnerability,component,version,asset\nCVE-2024-3094,xz-utils,5.6.0,build-01\n"
 * for await (const batch of csv.read(chunks, { name: "findings.csv" })) console.log(batch[0]?.vulnId);
 */
export const csv: StreamFormat = {
  kind: "stream",
  id: "csv",
  label: "CSV of findings (docs/csv-format.md)",
  detect: detectCsv,
  read: readCsv,
};

/** Every column the format knows, in the order docs/csv-format.md lists them. */
// prettier-ignore
const CSV_COLUMNS = [
  "vulnerability", "aliases", "component", "version", "ecosystem", "purl", "fixed_versions", "location",
  "asset", "scanner", "rule", "severity", "cvss3_vector", "cvss3_score", "cvss4_vector", "cvss4_score",
  "title", "references", "epss", "epss_percentile", "known_exploited", "exploit_available", "status",
  "status_detail",
] as const;
type Column = (typeof CSV_COLUMNS)[number];

// prettier-ignore
const STATUSES: readonly FindingStatus[] = [
  "open", "fixed", "not_affected", "false_positive", "under_investigation", "accepted",
];
const MAX_RECORD_CHARS = 1024 * 1024;

/** "Fixed Versions", "fixed-versions" and " FIXED_VERSIONS " all name `fixed_versions`. */
function columnName(header: string): string {
  return header.trim().toLowerCase().replace(/[ -]/g, "_");
}

function detectCsv(head: string): boolean {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const newline = text.indexOf("\n");
  const first = newline >= 0 ? text.slice(0, newline) : text;
  const names = first.split(",").map((h) => columnName(h.trim().replace(/^"|"$/g, "")));
  return names.includes("vulnerability") && (names.includes("asset") || names.includes("component"));
}

async function* readCsv(chunks: AsyncIterable<Uint8Array>, options: ReadOptions): AsyncGenerator<Finding[]> {
  const out: Finding[] = [];
  let columns: ReadonlyMap<Column, number> | null = null;
  let headerLength = 0;
  const lines: LineCount = { end: 0, empty: 0 };
  // Rows are turned into findings inside csv-parse's `on_record`, in order and synchronously, so the
  // header is always seen before a later row's syntax error, and a thrown DetenteError comes back to us
  // unchanged as the stream's error.
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (record: string[], info) => {
      const line = startLine(lines, info.empty_lines);
      lines.end = line + newlinesIn(record);
      if (columns === null) {
        columns = headerColumns(record, options);
        headerLength = record.length;
      } else {
        out.push(rowFinding(new Row(record, columns, options.name, line), options));
      }
      return null; // nothing reaches the readable side: findings go to `out`
    },
  });
  parser.on("error", () => undefined); // reported through the write and finish callbacks below
  const fail = (e: Error): Error =>
    e instanceof CsvError ? csvSyntaxError(e, options.name, headerLength, lines) : e;
  try {
    for await (const chunk of chunks) {
      await new Promise<void>((resolve, reject) => {
        parser.write(chunk, (e) => {
          if (e) reject(fail(e));
          else resolve();
        });
      });
      if (out.length > 0) yield out.splice(0);
    }
    parser.end();
    await finished(parser, { readable: false }).catch((e: unknown) => {
      throw e instanceof Error ? fail(e) : e;
    });
  } finally {
    parser.destroy();
  }
  if (columns === null) {
    throw new DetenteError("INVALID_INPUT", `${options.name}: empty file; a header row is required`);
  }
  if (out.length > 0) yield out.splice(0);
}

function headerColumns(record: readonly string[], options: ReadOptions): Map<Column, number> {
  const known = new Set<string>(CSV_COLUMNS);
  const columns = new Map<Column, number>();
  record.forEach((header, index) => {
    const name = columnName(header);
    if (!known.has(name)) return;
    if (columns.has(name as Column)) {
      throw new DetenteError("INVALID_INPUT", `${options.name}: line 1: column "${name}" appears twice`);
    }
    columns.set(name as Column, index);
  });
  const required: Column[] = options.assetKey ? ["vulnerability"] : ["vulnerability", "asset"];
  for (const name of required) {
    if (columns.has(name)) continue;
    const hint = name === "asset" ? " (or give the asset for the whole file with --asset)" : "";
    const found = record.map((h) => h.trim()).filter(Boolean);
    throw new DetenteError(
      "INVALID_INPUT",
      `${options.name}: missing required column "${name}"${hint}; columns found: ${found.join(", ") || "none"}`,
    );
  }
  return columns;
}

/** One data row with typed, validated accessors; every failure names the file, line and column. */
class Row {
  constructor(
    private readonly record: readonly string[],
    private readonly columns: ReadonlyMap<Column, number>,
    private readonly file: string,
    readonly line: number,
  ) {}

  get(column: Column): string {
    const index = this.columns.get(column);
    return index === undefined ? "" : (this.record[index] ?? "").trim();
  }

  list(column: Column): string[] {
    return [
      ...new Set(
        this.get(column)
          .split(";")
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
  }

  number(column: Column, max: number): number | null {
    const raw = this.get(column);
    if (raw === "") return null;
    const n = num(raw);
    if (n === null || n < 0 || n > max) this.fail(`${column} "${raw}" is not a number from 0 to ${max}`);
    return n;
  }

  flag(column: Column): boolean | null {
    const raw = this.get(column);
    if (raw === "") return null;
    const b = bool(raw);
    if (b === null) this.fail(`${column} "${raw}" is not true or false`);
    return b;
  }

  cvss(vectorColumn: Column, scoreColumn: Column, prefix: string): Cvss | null {
    const vector = this.get(vectorColumn);
    const score = this.number(scoreColumn, 10);
    if (vector && !vector.startsWith(prefix)) {
      this.fail(`${vectorColumn} "${vector}" does not start with "${prefix}"`);
    }
    if (vector && score === null) this.fail(`${vectorColumn} is given without ${scoreColumn}`);
    // A score without a vector is kept: spreadsheets often carry only the number.
    return score === null ? null : { vector, score };
  }

  fail(message: string): never {
    throw new DetenteError("INVALID_INPUT", `${this.file}: line ${this.line}: ${message}`, {
      line: this.line,
    });
  }
}

function rowFinding(row: Row, options: ReadOptions): Finding {
  const id = row.get("vulnerability");
  if (!id) row.fail("vulnerability is empty");
  const assetKey = options.assetKey ?? row.get("asset");
  if (!assetKey) row.fail("asset is empty (give one per row, or --asset for the whole file)");

  const purl = row.get("purl");
  if (purl && !purl.startsWith("pkg:")) row.fail(`purl "${purl}" does not start with "pkg:"`);
  const ecosystem = ecosystemOfPurl(purl) || normalizeEcosystem(row.get("ecosystem"));
  const cvss3 = row.cvss("cvss3_vector", "cvss3_score", "CVSS:3.");
  const cvss4 = row.cvss("cvss4_vector", "cvss4_score", "CVSS:4.");

  const severityText = row.get("severity");
  let severity = normalizeSeverity(severityText);
  if (severity === "unknown" && severityText !== "" && severityText.toLowerCase() !== "unknown") {
    row.fail(`severity "${severityText}" is not one of ${SEVERITIES.join(", ")}`);
  }
  if (severityText === "") {
    const score = cvss4?.score ?? cvss3?.score;
    if (score !== undefined) severity = severityFromScore(score);
  }

  const epssScore = row.number("epss", 1);
  const percentile = row.number("epss_percentile", 1);
  if ((epssScore === null) !== (percentile === null))
    row.fail("epss and epss_percentile must be given together");

  const statusText = columnName(row.get("status")); // "Not Affected" and "not-affected" too
  const status = STATUSES.find((s) => s === statusText) ?? (statusText === "" ? "open" : null);
  if (status === null) row.fail(`status "${row.get("status")}" is not one of ${STATUSES.join(", ")}`);

  return {
    ...canonicalId(id, row.list("aliases")),
    component: packageName(row.get("component"), purl),
    version: row.get("version"),
    ecosystem,
    purl,
    fixedVersions: row.list("fixed_versions"),
    // OS packages are located by the asset alone, as every other format does, so that findings agree.
    location: isOsEcosystem(ecosystem) ? "" : normalizeLocation(row.get("location")),
    assetKey,
    scanner: row.get("scanner") || "csv",
    rule: row.get("rule"),
    severity,
    cvss3,
    cvss4,
    title: row.get("title"),
    references: row.list("references"),
    epss: epssScore !== null && percentile !== null ? { score: epssScore, percentile } : null,
    knownExploited: row.flag("known_exploited"),
    exploitAvailable: row.flag("exploit_available"),
    scannerRisk: null,
    status,
    statusDetail: row.get("status_detail"),
  };
}

/**
 * Where we are in the file. We count lines ourselves because csv-parse's own count takes a CRLF inside a
 * quoted field for two lines and drifts from there; it does tell us how many blank lines it skipped.
 */
interface LineCount {
  /** The line the last record ended on. */
  end: number;
  /** Blank lines skipped up to that record. */
  empty: number;
}

/** The line the next record starts on, given csv-parse's running count of skipped blank lines. */
function startLine(lines: LineCount, emptyLines: number): number {
  const line = lines.end + 1 + (emptyLines - lines.empty);
  lines.empty = emptyLines;
  return line;
}

/** Line breaks inside a record's quoted fields: CRLF, LF or a lone CR each count once. */
function newlinesIn(record: readonly string[]): number {
  let n = 0;
  for (const field of record) {
    for (let i = 0; i < field.length; i++) {
      const c = field.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && field.charCodeAt(i + 1) !== 0x0a)) n++;
    }
  }
  return n;
}

/** csv-parse's errors, reworded for people fixing a spreadsheet. */
function csvSyntaxError(e: CsvError, file: string, headerLength: number, lines: LineCount): DetenteError {
  const line = startLine(lines, typeof e.empty_lines === "number" ? e.empty_lines : lines.empty);
  let what: string;
  switch (e.code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
      what = Array.isArray(e.record)
        ? `row has ${e.record.length} fields but the header has ${headerLength}`
        : "row has a different number of fields than the header";
      break;
    case "CSV_QUOTE_NOT_CLOSED":
      what = "a quoted field is never closed (the file ends inside it)";
      break;
    case "CSV_MAX_RECORD_SIZE":
      what = `row is longer than ${MAX_RECORD_CHARS} characters`;
      break;
    default:
      what = e.message;
  }
  return new DetenteError("INVALID_INPUT", `${file}: line ${line}: ${what}`, { line, code: e.code });
}
