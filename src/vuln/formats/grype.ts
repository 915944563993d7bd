import {
  canonicalId,
  normalizeSeverity,
  severityFromScore,
  type Cvss,
  type Epss,
  type Finding,
  type FindingStatus,
} from "../finding.js";
import { cvss3BaseScore, cvssVersion } from "./cvss.js";
import {
  arr,
  cvssScore,
  ecosystemOfPurl,
  isOsEcosystem,
  normalizeEcosystem,
  normalizeLocation,
  num,
  obj,
  packageName,
  probabilityOf,
  str,
  strs,
  summaryOf,
} from "./fields.js";
import type { JsonObject } from "./json-stream.js";
import { NeedsContext, type JsonFormat, type ReadOptions } from "./types.js";

/**
 * Grype JSON (`grype <image|dir|sbom> -o json`): one finding per `matches[]` element, plus the
 * `ignoredMatches[]` that a VEX document marked `not_affected` or `fixed` (matches ignored by local
 * config rules are skipped: the user told Grype not to report them).
 *
 * Grype writes `source` (which names the asset) after `matches`, so without `--asset` every match waits
 * for the document to close. EPSS, KEV and Grype's `risk` are read from `vulnerability` (Grype 0.80+),
 * falling back to the related CVE records, which is where they sit for a GHSA-keyed match.
 *
 * @example
 * for await (const batch of readJsonFindings(grype, chunks, { name: "grype.json" })) store(batch);
 */
export const grype: JsonFormat = {
  kind: "json",
  id: "grype",
  label: "Grype JSON (grype -o json)",
  detect: (head) =>
    /"matches"\s*:\s*\[/.test(head) &&
    (head.includes('"matchDetails"') ||
      head.includes('"relatedVulnerabilities"') ||
      /"descriptor"\s*:\s*\{\s*"name"\s*:\s*"grype"/.test(head)),
  elements: {
    matches: (v, parents, options) => toFinding(obj(v), parents[0] ?? {}, "open", "", options),
    ignoredMatches: (v, parents, options) => {
      const m = obj(v);
      const vex = vexOf(m);
      return vex ? toFinding(m, parents[0] ?? {}, vex.status, vex.detail, options) : [];
    },
  },
  contextPaths: [""],
  scans: {
    "": (root, _parents, options) => ({
      assetKey: options.assetKey ?? assetOf(obj(root.source)),
      scanner: "grype",
    }),
  },
};

function toFinding(
  m: JsonObject,
  root: JsonObject,
  status: FindingStatus,
  statusDetail: string,
  options: ReadOptions,
): Finding[] {
  if (options.assetKey === undefined && !("source" in root) && !options.contextComplete) {
    throw new NeedsContext("grype source");
  }
  const vuln = obj(m.vulnerability);
  const related = arr(m.relatedVulnerabilities).map(obj);
  const artifact = obj(m.artifact);
  const { vulnId, aliases } = canonicalId(
    str(vuln.id),
    related.map((r) => str(r.id)),
  );
  if (!vulnId) return []; // a match without a vulnerability id says nothing we can track

  const purl = str(artifact.purl);
  const ecosystem = ecosystemOfPurl(purl) || normalizeEcosystem(str(artifact.type));
  const firstPath = str(obj(arr(artifact.locations)[0]).path);
  const { cvss3, cvss4 } = pickCvss([vuln, ...related]);
  const fix = obj(vuln.fix);

  let severity = normalizeSeverity(vuln.severity);
  if (severity === "unknown") {
    const score = cvss3?.score ?? cvss4?.score;
    if (score !== undefined) severity = severityFromScore(score);
  }

  const references: string[] = [];
  const addRef = (u: string): void => {
    if (u && !references.includes(u)) references.push(u);
  };
  addRef(str(vuln.dataSource));
  for (const u of strs(vuln.urls)) addRef(u);
  for (const a of arr(vuln.advisories)) addRef(str(obj(a).link));
  for (const r of related) addRef(str(r.dataSource));

  const description = str(vuln.description) || related.map((r) => str(r.description)).find(Boolean) || "";

  const finding: Finding = {
    vulnId,
    aliases,
    component: packageName(str(artifact.name), purl),
    version: str(artifact.version),
    ecosystem,
    purl,
    fixedVersions: str(fix.state) === "not-fixed" ? [] : strs(fix.versions),
    location: isOsEcosystem(ecosystem) ? "" : normalizeLocation(firstPath),
    assetKey: options.assetKey ?? assetOf(obj(root.source)),
    scanner: "grype",
    rule: "",
    severity,
    cvss3,
    cvss4,
    title: summaryOf(description),
    references,
    epss: pickEpss([vuln, ...related], vulnId),
    knownExploited: [vuln, ...related].some((r) => arr(r.knownExploited).length > 0) ? true : null,
    exploitAvailable: null,
    scannerRisk: num(vuln.risk),
    status,
    statusDetail,
  };
  return [finding];
}

/** The scanned thing: an image as the user named it, else the directory, SBOM file, purl or CPE. */
function assetOf(source: JsonObject): string {
  const target = source.target;
  if (typeof target === "string") return target === "unknown" ? "" : target;
  const t = obj(target);
  return str(t.userInput) || str(t.name) || str(t.path);
}

/**
 * CVSS from the first record that has one: the match's own vulnerability, then its related records
 * (NVD's CVE for a distro or GHSA match). Grype lists the primary source first; a score of 0 or a
 * missing one is recomputed from a v3 vector.
 */
function pickCvss(records: readonly JsonObject[]): { cvss3: Cvss | null; cvss4: Cvss | null } {
  let cvss3: Cvss | null = null;
  let cvss4: Cvss | null = null;
  for (const record of records) {
    const entries = arr(record.cvss).map(obj);
    // "Primary" entries (the source's own score) before "Secondary" ones.
    entries.sort((a, b) => Number(str(b.type) === "Primary") - Number(str(a.type) === "Primary"));
    for (const c of entries) {
      const vector = str(c.vector);
      const version = str(c.version);
      const score = cvssScore(obj(c.metrics).baseScore);
      if (!cvss3 && (version.startsWith("3") || cvssVersion(vector) === 3)) {
        const s = score !== null && score > 0 ? score : cvss3BaseScore(vector);
        if (vector && s !== null) cvss3 = { vector, score: s };
      } else if (!cvss4 && (version.startsWith("4") || cvssVersion(vector) === 4)) {
        if (vector && score !== null) cvss4 = { vector, score };
      }
    }
    if (cvss3 || cvss4) break;
  }
  return { cvss3, cvss4 };
}

/** EPSS for the canonical CVE if any record carries it, else the first entry found. */
function pickEpss(records: readonly JsonObject[], vulnId: string): Epss | null {
  let first: Epss | null = null;
  for (const record of records) {
    for (const e of arr(record.epss).map(obj)) {
      const score = probabilityOf(e.epss);
      const percentile = probabilityOf(e.percentile);
      if (score === null || percentile === null) continue;
      const date = str(e.date);
      const epss: Epss = { score, percentile, date: date && !date.startsWith("0001") ? date : undefined };
      if (str(e.cve) === vulnId) return epss;
      first ??= epss;
    }
  }
  return first;
}

/** The VEX status of an ignored match, when a VEX document (not a config rule) made Grype ignore it. */
function vexOf(m: JsonObject): { status: FindingStatus; detail: string } | null {
  for (const rule of arr(m.appliedIgnoreRules).map(obj)) {
    const vex = str(rule["vex-status"]);
    const detail = [str(rule["vex-justification"]), str(rule.reason)].filter(Boolean).join(": ");
    if (vex === "not_affected") return { status: "not_affected", detail };
    if (vex === "fixed") return { status: "fixed", detail };
    if (vex === "under_investigation") return { status: "under_investigation", detail };
  }
  return null;
}
