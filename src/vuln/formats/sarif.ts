import {
  canonicalId,
  isCve,
  normalizeSeverity,
  severityFromScore,
  type Cvss,
  type Finding,
  type FindingStatus,
  type Severity,
} from "../finding.js";
import { cvss3BaseScore } from "./cvss.js";
import {
  advisoryIdsIn,
  arr,
  cvssScore,
  isOsEcosystem,
  labelledLines,
  normalizeEcosystem,
  normalizeLocation,
  num,
  obj,
  packageName,
  parsePurl,
  str,
  strs,
  summaryOf,
} from "./fields.js";
import type { JsonObject } from "./json-stream.js";
import { NeedsContext, type JsonFormat, type ReadOptions } from "./types.js";

/**
 * SARIF 2.1.0 from any tool: code scanners (CodeQL, Semgrep) and package scanners that also write SARIF
 * (Trivy, Grype, Snyk). One finding per result. Package scanners' findings carry the component and
 * version, read from properties or from the "Package: x / Installed Version: y" lines Trivy and Grype
 * write into the message and rule help; code findings are located at `file:line`.
 *
 * A run's `tool` (its rules) and its asset fields may follow `results`, so a result whose run has not
 * shown them yet waits for the run to close. The asset key is `--asset`, else the image Trivy names in
 * the run's properties, else `versionControlProvenance[0].repositoryUri`, else `automationDetails.id`.
 *
 * @example
 * for await (const batch of readJsonFindings(sarif, chunks, { name: "codeql.sarif" })) store(batch);
 */
export const sarif: JsonFormat = {
  kind: "json",
  id: "sarif",
  label: "SARIF 2.1.0 (CodeQL, Semgrep, Trivy, Grype, Snyk and other tools)",
  detect: (head) =>
    /"runs"\s*:\s*\[/.test(head) && (/sarif/i.test(head) || /"version"\s*:\s*"2\.1\.0"/.test(head)),
  elements: {
    "runs.*.results": (v, parents, options) => toFinding(obj(v), parents[1] ?? {}, options),
  },
  contextPaths: ["runs.*"],
  scans: {
    // A run whose tool says it failed scanned nothing. The asset is the one its findings were given.
    "runs.*": (run, _parents, options) =>
      arr(run.invocations).some((i) => obj(i).executionSuccessful === false)
        ? null
        : { assetKey: options.assetKey ?? runAsset(run), scanner: scannerOf(run) },
  },
};

/** Rules of one tool object by id, built once per run (a WeakMap so a closed report frees them). */
const ruleIndexes = new WeakMap<JsonObject, Map<string, JsonObject>>();

function toFinding(result: JsonObject, run: JsonObject, options: ReadOptions): Finding[] {
  // Results that report a check passing or not applying are not findings.
  const kind = str(result.kind);
  if (kind === "pass" || kind === "notApplicable") return [];
  const hasAsset =
    options.assetKey !== undefined ||
    "versionControlProvenance" in run ||
    "automationDetails" in run ||
    "properties" in run;
  if ((!("tool" in run) || !hasAsset) && !options.contextComplete) throw new NeedsContext("sarif run");

  const tool = obj(run.tool);
  const rule = ruleOf(result, tool);
  const ruleId = str(result.ruleId) || str(obj(result.rule).id) || str(rule.id);
  const ruleProps = obj(rule.properties);
  const resultProps = obj(result.properties);

  const messageText = str(obj(result.message).text);
  const facts = packageFacts([messageText, str(obj(rule.help).text), str(obj(rule.help).markdown)]);
  const purl = str(resultProps.purl) || str(ruleProps.purl) || facts.purl;
  const purlParts = parsePurl(purl);
  const component = packageName(
    str(resultProps.packageName) || str(ruleProps.packageName) || facts.component || (purlParts?.name ?? ""),
    purl,
  );
  const version =
    str(resultProps.packageVersion) ||
    str(resultProps.installedVersion) ||
    facts.version ||
    (purlParts?.version ?? "");
  const ecosystem = purlParts?.type ?? facts.ecosystem;

  const ids = [
    ...advisoryIdsIn(ruleId),
    ...advisoryIdsIn(str(rule.id)),
    ...strs(ruleProps.tags).filter((t) => isCve(t)),
    ...strs(resultProps.tags).filter((t) => isCve(t)),
    ...cveProps(ruleProps),
    ...cveProps(resultProps),
  ];
  const primary = ids.find((id) => isCve(id)) ?? ids[0] ?? ruleId;
  if (!primary) return []; // a result that names no rule cannot be told apart from any other
  const { vulnId, aliases } = canonicalId(primary, ids);

  const physical = obj(obj(arr(result.locations)[0]).physicalLocation);
  const uri = decodeUri(str(obj(physical.artifactLocation).uri));
  const startLine = num(obj(physical.region).startLine);
  const isOs = isOsEcosystem(ecosystem) || str(rule.name) === "OsPackageVulnerability";
  let location = "";
  if (component) location = isOs ? "" : normalizeLocation(uri);
  else if (uri) location = normalizeLocation(uri) + (startLine !== null ? `:${startLine}` : "");

  const references: string[] = [];
  for (const u of [str(rule.helpUri), ...strs(ruleProps.references)]) {
    if (u && !references.includes(u)) references.push(u);
  }
  const { status, statusDetail } = statusOf(result);

  return [
    {
      vulnId,
      aliases,
      component,
      version,
      ecosystem,
      purl,
      fixedVersions: facts.fixedVersions,
      location,
      assetKey: options.assetKey ?? runAsset(run),
      scanner: scannerOf(run),
      rule: ruleId && ruleId !== vulnId ? ruleId : "",
      severity: severityOf(result, rule, facts.severity),
      ...cvssOf([resultProps, ruleProps]),
      title:
        str(obj(rule.shortDescription).text).trim() ||
        summaryOf(messageText) ||
        str(obj(rule.fullDescription).text).trim(),
      references,
      epss: null,
      knownExploited: null,
      exploitAvailable: null,
      scannerRisk: null,
      status,
      statusDetail,
    },
  ];
}

/**
 * The result's rule: by `rule.toolComponent.index` into `tool.extensions`, by `ruleIndex` (checked
 * against the id when both are given), else by id across the driver and every extension.
 */
function ruleOf(result: JsonObject, tool: JsonObject): JsonObject {
  const ref = obj(result.rule);
  const id = str(result.ruleId) || str(ref.id);
  const index = num(result.ruleIndex) ?? num(ref.index);
  const componentIndex = num(obj(ref.toolComponent).index);
  const component = componentIndex !== null ? obj(arr(tool.extensions)[componentIndex]) : obj(tool.driver);
  if (index !== null) {
    const byIndex = obj(arr(component.rules)[index]);
    if (!id || str(byIndex.id) === id) return byIndex;
  }
  if (!id) return {};
  let rules = ruleIndexes.get(tool);
  if (!rules) {
    rules = new Map();
    for (const c of [obj(tool.driver), ...arr(tool.extensions).map(obj)]) {
      for (const r of arr(c.rules).map(obj)) if (!rules.has(str(r.id))) rules.set(str(r.id), r);
    }
    ruleIndexes.set(tool, rules);
  }
  return rules.get(id) ?? {};
}

/**
 * The asset of a run, fixed when its first result is read: fields that come after the results could
 * name another (`versionControlProvenance` after `results`, `automationDetails` before them), and every
 * finding of a run, and the full scan of it, must agree on one.
 */
function runAsset(run: JsonObject): string {
  let asset = runAssets.get(run);
  if (asset === undefined) runAssets.set(run, (asset = assetOf(run)));
  return asset;
}

const runAssets = new WeakMap<JsonObject, string>();

/** The tool that wrote the run, lower-cased (`codeql`, `semgrep`), or "sarif". */
function scannerOf(run: JsonObject): string {
  return (
    str(obj(obj(run.tool).driver).name)
      .trim()
      .toLowerCase() || "sarif"
  );
}

function assetOf(run: JsonObject): string {
  return (
    str(obj(run.properties).imageName) ||
    str(obj(arr(run.versionControlProvenance)[0]).repositoryUri) ||
    str(obj(run.automationDetails).id)
  );
}

/** CVE ids in the `cve`/`cves`/`cveId` properties some producers add (string or list). */
function cveProps(props: JsonObject): string[] {
  const out: string[] = [];
  for (const key of ["cve", "cves", "cveId", "cveIds"]) {
    const v = props[key];
    for (const s of typeof v === "string" ? [v] : strs(v)) out.push(...advisoryIdsIn(s).filter(isCve));
  }
  return out;
}

/**
 * Suppressed results are accepted (or under review) as the producer says; a result whose baseline
 * state is `absent` was in the baseline and is gone now, so it is fixed.
 */
function statusOf(result: JsonObject): { status: FindingStatus; statusDetail: string } {
  if (str(result.baselineState) === "absent") return { status: "fixed", statusDetail: "" };
  for (const s of arr(result.suppressions).map(obj)) {
    const state = str(s.status);
    const detail = str(s.justification);
    if (state === "" || state === "accepted") return { status: "accepted", statusDetail: detail };
    if (state === "underReview") return { status: "under_investigation", statusDetail: detail };
  }
  return { status: "open", statusDetail: "" };
}

function decodeUri(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

interface PackageFacts {
  readonly component: string;
  readonly version: string;
  readonly fixedVersions: string[];
  readonly ecosystem: string;
  readonly purl: string;
  readonly severity: Severity;
}

const LABELS = {
  component: ["package", "package name", "vulnerable module", "component"],
  version: ["installed version", "package version", "version"],
  fixed: ["fixed version", "fixed versions", "fix version", "fixed in"],
  ecosystem: ["type", "package manager", "ecosystem"],
  purl: ["purl", "package url"],
  severity: ["severity"],
} as const;

/**
 * Package facts from "Label: value" lines: Trivy writes them into each result's message, Grype into the
 * rule help (one rule per vulnerability and package), Snyk into a bulleted help. The message comes
 * first because Trivy shares one rule, and its help, across every package with the same CVE.
 */
function packageFacts(texts: readonly string[]): PackageFacts {
  const lines = new Map<string, string>();
  for (const text of texts) for (const [k, v] of labelledLines(text)) if (!lines.has(k)) lines.set(k, v);
  const pick = (labels: readonly string[]): string => {
    for (const l of labels) {
      const v = lines.get(l);
      if (v !== undefined) return v;
    }
    return "";
  };
  const component = pick(LABELS.component);
  const severity = normalizeSeverity(pick(LABELS.severity));
  // Without a package, "Type:" or "Version:" lines describe something else (a misconfiguration's file type).
  if (!component) return { component, version: "", fixedVersions: [], ecosystem: "", purl: "", severity };
  const fixedVersions = pick(LABELS.fixed)
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  return {
    component,
    version: pick(LABELS.version),
    fixedVersions,
    ecosystem: normalizeEcosystem(pick(LABELS.ecosystem)),
    purl: pick(LABELS.purl),
    severity,
  };
}

/**
 * Severity from `security-severity` (a CVSS-like score, on the result or its rule), else a "Severity:"
 * line, else the result's level, else the rule's default level, else SARIF's default level, "warning".
 */
function severityOf(result: JsonObject, rule: JsonObject, stated: Severity): Severity {
  const score =
    num(obj(result.properties)["security-severity"]) ?? num(obj(rule.properties)["security-severity"]);
  if (score !== null && score > 0) return severityFromScore(Math.min(score, 10));
  if (stated !== "unknown") return stated;
  if (score === 0) return "info";
  if (str(result.kind) === "informational") return "info";
  const level = str(result.level) || str(obj(rule.defaultConfiguration).level) || "warning";
  return normalizeSeverity(level);
}

/** CVSS from the `cvssv3_vector`/`cvssv3_baseScore` and `cvssv40_*` properties Trivy writes. */
function cvssOf(props: readonly JsonObject[]): { cvss3: Cvss | null; cvss4: Cvss | null } {
  let cvss3: Cvss | null = null;
  let cvss4: Cvss | null = null;
  for (const p of props) {
    const v3 = str(p.cvssv3_vector);
    const s3 = cvssScore(p.cvssv3_baseScore) ?? cvss3BaseScore(v3);
    if (!cvss3 && v3 && s3 !== null) cvss3 = { vector: v3, score: s3 };
    const v4 = str(p.cvssv40_vector);
    const s4 = cvssScore(p.cvssv40_baseScore);
    if (!cvss4 && v4 && s4 !== null) cvss4 = { vector: v4, score: s4 };
  }
  return { cvss3, cvss4 };
}
