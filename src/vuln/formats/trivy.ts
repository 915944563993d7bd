import { canonicalId, normalizeSeverity, type Cvss, type Finding } from "../finding.js";
import { cvss3BaseScore } from "./cvss.js";
import {
  cvssScore,
  ecosystemOfPurl,
  normalizeEcosystem,
  normalizeLocation,
  obj,
  str,
  strs,
} from "./fields.js";
import type { JsonObject } from "./json-stream.js";
import type { JsonFormat, ReadOptions } from "./types.js";

/**
 * Trivy JSON, SchemaVersion 2 (`trivy image|fs|repo|rootfs --format json`), and the Kubernetes report
 * (`trivy k8s --format json --report all`) whose `Resources[]` each carry their own `Results[]`.
 *
 * The asset is the scanned artifact (`ArtifactName`: an image reference, a path or a repository URL) or,
 * for Kubernetes, `namespace/Kind/name`. OS packages have no location; language packages are located
 * at their lock file (`Target`), so the same CVE in two lock files of one repository is two findings.
 */
export const trivy: JsonFormat = {
  kind: "json",
  id: "trivy",
  label: "Trivy JSON (SchemaVersion 2, image/fs/repo and k8s reports)",
  detect: (head) =>
    (head.includes('"SchemaVersion"') && (head.includes('"ArtifactName"') || head.includes('"Results"'))) ||
    (head.includes('"ClusterName"') && head.includes('"Resources"')),
  // An entry that is not an object or names no vulnerability says nothing that can be tracked: skipped,
  // as Grype and CycloneDX entries without an id are.
  elements: {
    "Results.*.Vulnerabilities": (v, parents, options) =>
      toFindings(v, parents[0] ?? {}, parents[1] ?? {}, null, options),
    "Resources.*.Results.*.Vulnerabilities": (v, parents, options) =>
      toFindings(v, parents[0] ?? {}, parents[2] ?? {}, parents[1] ?? {}, options),
  },
  // An artifact (or a Kubernetes workload) was scanned for vulnerabilities when its report has an OS or
  // language package result, with or without vulnerabilities. Secret- or misconfiguration-only reports,
  // and workloads whose scan failed (an `Error` and no results), say nothing about vulnerabilities.
  scans: {
    "Results.*": (result, parents) => {
      if (isPackageResult(result)) packagesScanned.add(parents[0]!);
      return null;
    },
    "": (root, _parents, options) =>
      packagesScanned.has(root) && !("Resources" in root)
        ? { assetKey: options.assetKey ?? str(root.ArtifactName), scanner: "trivy" }
        : null,
    "Resources.*.Results.*": (result, parents) => {
      if (isPackageResult(result)) packagesScanned.add(parents[1]!);
      return null;
    },
    "Resources.*": (resource, _parents, options) =>
      packagesScanned.has(resource)
        ? {
            assetKey:
              options.assetKey ??
              workloadKey(str(resource.Namespace), str(resource.Kind), str(resource.Name)),
            scanner: "trivy",
          }
        : null,
  },
};

/** Reports and workloads with a package result (see `scans`): weak, so a report read frees them. */
const packagesScanned = new WeakSet<JsonObject>();

function isPackageResult(result: JsonObject): boolean {
  const cls = str(result.Class);
  return cls === "os-pkgs" || cls === "lang-pkgs";
}

function toFindings(
  entry: unknown,
  root: JsonObject,
  result: JsonObject,
  resource: JsonObject | null,
  options: ReadOptions,
): Finding[] {
  const v = obj(entry);
  const vendorIds = strs(v.VendorIDs);
  // Most findings carry no vendor ids: then the canonical id is the trimmed id itself, with no aliases.
  const { vulnId, aliases } =
    vendorIds.length > 0
      ? canonicalId(str(v.VulnerabilityID), vendorIds)
      : { vulnId: str(v.VulnerabilityID).trim(), aliases: [] };
  if (!vulnId) return [];
  const purl = str(obj(v.PkgIdentifier).PURL);
  const cls = str(result.Class);
  const target = str(result.Target);
  const { cvss3, cvss4 } = pickCvss(obj(v.CVSS), str(v.SeveritySource));
  const references = strs(v.References);
  const primary = str(v.PrimaryURL);
  if (primary && !references.includes(primary)) references.unshift(primary);

  let assetKey = options.assetKey ?? str(root.ArtifactName);
  let location = cls === "os-pkgs" ? "" : normalizeLocation(str(v.PkgPath) || target);
  if (resource && !options.assetKey) {
    assetKey = workloadKey(str(resource.Namespace), str(resource.Kind), str(resource.Name));
    // A workload runs several images; an OS package is located by the image it is in.
    if (cls === "os-pkgs") location = imageOfTarget(target);
  }

  return [
    {
      vulnId,
      aliases,
      component: str(v.PkgName),
      version: str(v.InstalledVersion),
      ecosystem: ecosystemOfPurl(purl) || ecosystemOfType(str(result.Type)),
      purl,
      fixedVersions: splitVersions(str(v.FixedVersion)),
      location,
      assetKey,
      scanner: "trivy",
      rule: "",
      severity: normalizeSeverity(v.Severity),
      cvss3,
      cvss4,
      title: str(v.Title) || firstSentence(str(v.Description)),
      references,
      epss: null,
      knownExploited: null,
      exploitAvailable: null,
      scannerRisk: null,
      status: str(v.Status) === "not_affected" ? "not_affected" : "open",
      statusDetail: "",
    },
  ];
}

// The fields above that every finding of one result or workload shares are worked out once for the run
// of findings that share them (a report lists a workload's findings together), not once per finding.
let lastWorkload: readonly [string, string, string, string] = ["", "", "", ""];
let lastType: readonly [string, string] = ["", ""];

/** `namespace/Kind/name`, empty parts left out. */
function workloadKey(namespace: string, kind: string, name: string): string {
  const m = lastWorkload;
  if (m[0] === namespace && m[1] === kind && m[2] === name) return m[3];
  const key = [namespace, kind, name].filter(Boolean).join("/");
  lastWorkload = [namespace, kind, name, key];
  return key;
}

function ecosystemOfType(type: string): string {
  if (lastType[0] !== type) lastType = [type, normalizeEcosystem(type)];
  return lastType[1];
}

/** CVSS from the severity source's entry, else NVD's, else the first vendor that has one. */
function pickCvss(cvss: JsonObject, source: string): { cvss3: Cvss | null; cvss4: Cvss | null } {
  const found: { cvss3: Cvss | null; cvss4: Cvss | null } = { cvss3: null, cvss4: null };
  if (source && takeCvss(found, cvss[source])) return found;
  if (takeCvss(found, cvss.nvd)) return found;
  for (const vendor of Object.keys(cvss)) if (vendor && takeCvss(found, cvss[vendor])) return found;
  return found;
}

/** Fill what `found` lacks from one vendor's entry; true once both versions are known. */
function takeCvss(found: { cvss3: Cvss | null; cvss4: Cvss | null }, entry: unknown): boolean {
  const c = obj(entry);
  if (!found.cvss3) {
    const vector = str(c.V3Vector);
    // A score off the scale (or none) is computed from the vector, as for the other formats.
    const score = vector ? (cvssScore(c.V3Score) ?? cvss3BaseScore(vector)) : null;
    if (vector && score !== null) found.cvss3 = { vector, score };
  }
  if (!found.cvss4) {
    const vector = str(c.V40Vector);
    const score = cvssScore(c.V40Score);
    if (vector && score !== null) found.cvss4 = { vector, score };
  }
  return found.cvss3 !== null && found.cvss4 !== null;
}

/** Trivy joins several fixed versions with ", ". */
function splitVersions(s: string): string[] {
  if (!s) return [];
  if (!s.includes(",")) {
    const one = s.trim();
    return one ? [one] : [];
  }
  return s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

/** "registry/app:1.2 (alpine 3.18.0)" -> "registry/app:1.2" */
function imageOfTarget(target: string): string {
  const i = target.indexOf(" (");
  return i > 0 ? target.slice(0, i) : target;
}

function firstSentence(text: string): string {
  const t = text.trim();
  const dot = t.indexOf(". ");
  const s = dot > 0 && dot < 200 ? t.slice(0, dot + 1) : t.slice(0, 200);
  return s;
}
