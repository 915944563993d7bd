/**
 * The normalized Finding that every report format is read into. One Finding is one vulnerability on one
 * component version at one location of one asset, as one scanner reported it; `fingerprint()` makes the
 * same vulnerability reported by two scanners into one stored finding with two sources.
 *
 * @example
 * const f: Finding = { ...emptyFinding(), vulnId: "CVE-2024-3094", component: "xz-utils", version: "5.6.0" };
 */
export type Severity = "critical" | "high" | "medium" | "low" | "info" | "unknown";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info", "unknown"];

/**
 * Lifecycle of a finding. `open` until fixed; VEX statements from CycloneDX map `not_affected`,
 * `false_positive` and `under_investigation`; `fixed` is set by a full scan that no longer reports it.
 */
export type FindingStatus =
  "open" | "fixed" | "not_affected" | "false_positive" | "under_investigation" | "accepted";

/** A CVSS vector with its base score, as the scanner or intel source gave it. */
export interface Cvss {
  readonly vector: string;
  readonly score: number;
}

/** Exploit prediction carried by a scanner (Grype) or loaded from FIRST. */
export interface Epss {
  readonly score: number; // probability 0..1
  readonly percentile: number; // 0..1
  readonly date?: string | undefined; // YYYY-MM-DD of the model run
}

export interface Finding {
  /** Canonical id: a CVE when any id or alias is one, else the scanner's id (GHSA, OSV, plugin, rule). */
  vulnId: string;
  /** Every other id the vulnerability is known by, without `vulnId`. */
  aliases: string[];
  /** Package or product name; empty for findings that are not about a package (a SARIF code issue). */
  component: string;
  version: string;
  /** Package ecosystem in purl type spelling: npm, pypi, maven, golang, deb, apk, rpm, ... or "". */
  ecosystem: string;
  purl: string;
  fixedVersions: string[];
  /**
   * Where on the asset: the manifest or lock file for language packages, "" for OS packages, the
   * `protocol/port` for network findings, the file for code findings.
   */
  location: string;
  /** What the asset inventory matches on: an image reference, host name, IP, repository URL or key. */
  assetKey: string;
  /** Scanner that reported it: trivy, grype, osv-scanner, cyclonedx, nessus, csv, or the SARIF tool name. */
  scanner: string;
  /** The scanner's own rule or plugin id, when it has one distinct from `vulnId`. */
  rule: string;
  severity: Severity;
  cvss3: Cvss | null;
  cvss4: Cvss | null;
  title: string;
  references: string[];
  /** EPSS as carried in the report itself (Grype), null when the scanner says nothing. */
  epss: Epss | null;
  /** True when the scanner says it is in CISA KEV or known exploited; null when it says nothing. */
  knownExploited: boolean | null;
  /** True when the scanner says a public exploit exists (Nessus `exploit_available`); null if silent. */
  exploitAvailable: boolean | null;
  /** A scanner's own risk number (Grype `risk`, 0..100), kept for reference; not used in the decision. */
  scannerRisk: number | null;
  status: FindingStatus;
  /** Free text justifying the status (VEX `analysis.detail`). */
  statusDetail: string;
}

/** A Finding with every field at its empty value; parsers spread it and fill what their format has. */
export function emptyFinding(): Finding {
  return {
    vulnId: "",
    aliases: [],
    component: "",
    version: "",
    ecosystem: "",
    purl: "",
    fixedVersions: [],
    location: "",
    assetKey: "",
    scanner: "",
    rule: "",
    severity: "unknown",
    cvss3: null,
    cvss4: null,
    title: "",
    references: [],
    epss: null,
    knownExploited: null,
    exploitAvailable: null,
    scannerRisk: null,
    status: "open",
    statusDetail: "",
  };
}

const CVE_RE = /^CVE-\d{4}-\d{4,}$/;

/** True for ids shaped like `CVE-2024-3094` (case-sensitive, as every source writes them). */
export function isCve(id: string): boolean {
  return CVE_RE.test(id);
}

/**
 * Pick the canonical id among a scanner's id and its aliases: the first CVE in sorted order, else the
 * scanner's own id. Returns the canonical id and the remaining aliases, de-duplicated.
 *
 * @example canonicalId("GHSA-abcd-1234-wxyz", ["CVE-2024-1"]) // { vulnId: "CVE-2024-1", aliases: ["GHSA-abcd-1234-wxyz"] }
 */
export function canonicalId(id: string, aliases: Iterable<string>): { vulnId: string; aliases: string[] } {
  const all = new Set<string>();
  const trimmed = id.trim();
  if (trimmed) all.add(trimmed);
  for (const a of aliases) {
    const t = a.trim();
    if (t) all.add(t);
  }
  let best = trimmed;
  let bestIsCve = isCve(best);
  for (const a of all) {
    if (isCve(a) && (!bestIsCve || a < best)) {
      best = a;
      bestIsCve = true;
    }
  }
  all.delete(best);
  return { vulnId: best, aliases: [...all] };
}

/** Map any scanner's severity word to ours; unknown words become "unknown". */
export function normalizeSeverity(value: unknown): Severity {
  if (typeof value !== "string") return "unknown";
  switch (value.trim().toLowerCase()) {
    case "critical":
    case "crit":
    case "4":
      return "critical";
    case "high":
    case "important":
    case "error":
    case "3":
      return "high";
    case "medium":
    case "moderate":
    case "warning":
    case "2":
      return "medium";
    case "low":
    case "negligible":
    case "note":
    case "1":
      return "low";
    case "info":
    case "informational":
    case "none":
    case "0":
      return "info";
    default:
      return "unknown";
  }
}

/** Severity from a CVSS base score, using the CVSS v3/v4 qualitative rating scale. */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}
