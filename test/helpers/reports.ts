import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fixture } from "./store-data.js";

/** The columns of detente's own CSV format (docs/csv-format.md), in the order the fixture writes them. */
const CSV_COLUMNS = [
  "vulnerability",
  "aliases",
  "component",
  "version",
  "ecosystem",
  "purl",
  "fixed_versions",
  "location",
  "asset",
  "scanner",
  "rule",
  "severity",
  "cvss3_vector",
  "cvss3_score",
  "cvss4_vector",
  "cvss4_score",
  "title",
  "references",
  "epss",
  "epss_percentile",
  "known_exploited",
  "exploit_available",
  "status",
  "status_detail",
] as const;

/** One row of a CSV report; only `vulnerability` and `asset` are required. */
export type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string>> & {
  vulnerability: string;
  asset: string;
};

/**
 * Write `rows` as a detente CSV report (RFC 4180 quoting) and return its path.
 *
 * @example await writeCsvReport(dir, "extra.csv", [{ vulnerability: "CVE-2099-1", asset: "payments-api" }])
 */
export async function writeCsvReport(dir: string, name: string, rows: readonly CsvRow[]): Promise<string> {
  const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => quote(row[c] ?? "")).join(","));
  const path = join(dir, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

/**
 * Write a copy of a JSON fixture changed by `edit` (which mutates the parsed document) and return its path.
 *
 * @example await writeEditedJson("grype/payments-api-image.json", dir, "reduced.json", (doc) => { ... })
 */
export async function writeEditedJson(
  fixturePath: string,
  dir: string,
  name: string,
  edit: (doc: Record<string, unknown>) => void,
): Promise<string> {
  const doc = JSON.parse(await readFile(fixture(fixturePath), "utf8")) as Record<string, unknown>;
  edit(doc);
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(doc, null, 1));
  return path;
}

type Json = Record<string, unknown>;

/**
 * Grype's payments-api report without the matches whose artifact is named in `drop` (a scan after those
 * packages were upgraded).
 *
 * @example await grypeWithout(dir, ["zlib1g"])
 */
export function grypeWithout(dir: string, drop: readonly string[]): Promise<string> {
  return writeEditedJson(
    "grype/payments-api-image.json",
    dir,
    `grype-without-${drop.join("-")}.json`,
    (doc) => {
      doc.matches = (doc.matches as Json[]).filter((m) => !drop.includes(String((m.artifact as Json).name)));
    },
  );
}

/**
 * Trivy's payments-api report without the vulnerabilities of the packages in `drop`, plus `extra` copies of
 * its npm vulnerability on made-up packages `extra-pkg-<i>` (CVE-2099-<10000+i>), each with a
 * description of `padding` characters so a test can make the file as large as it needs.
 *
 * @example await writeTrivyReport(dir, "big.json", { extra: 6000, padding: 1000 })
 */
export async function writeTrivyReport(
  dir: string,
  name: string,
  options: { drop?: readonly string[]; extra?: number; padding?: number },
): Promise<string> {
  const doc = JSON.parse(await readFile(fixture("trivy/payments-api-image.json"), "utf8")) as Json;
  const results = doc.Results as Json[];
  // The npm vulnerability (ws) is the model for the made-up ones; take it before any is dropped.
  const template = (results.find((r) => r.Type === "node-pkg")!.Vulnerabilities as Json[])[0]!;
  const drop = options.drop ?? [];
  for (const r of results) {
    r.Vulnerabilities = (r.Vulnerabilities as Json[]).filter((v) => !drop.includes(String(v.PkgName)));
  }
  const extra: Json[] = [];
  for (let i = 0; i < (options.extra ?? 0); i++) {
    extra.push({
      ...template,
      VulnerabilityID: `CVE-2099-${10000 + i}`,
      VendorIDs: [],
      PkgName: `extra-pkg-${i}`,
      PkgPath: `app/node_modules/extra-pkg-${i}/package.json`,
      PkgIdentifier: { PURL: `pkg:npm/extra-pkg-${i}@1.0.0`, UID: `extra-${i}` },
      InstalledVersion: "1.0.0",
      FixedVersion: "1.0.1",
      Description: "x".repeat(options.padding ?? 0),
    });
  }
  if (extra.length > 0) {
    results.push({ Target: "Node.js", Class: "lang-pkgs", Type: "node-pkg", Vulnerabilities: extra });
  }
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(doc, null, 2));
  return path;
}
