import { canonicalId, normalizeSeverity, type Cvss, type Finding } from "../finding.js";
import { ecosystemOfPurl, normalizeEcosystem, normalizeLocation, num, obj, str, strs } from "./fields.js";
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
  elements: {
    "Results.*.Vulnerabilities": (v, parents, options) => [
      toFinding(obj(v), parents[0] ?? {}, parents[1] ?? {}, null, options),
    ],
    "Resources.*.Results.*.Vulnerabilities": (v, parents, options) => [
      toFinding(obj(v), parents[0] ?? {}, parents[2] ?? {}, parents[1] ?? {}, options),
    ],
  },
};

function toFinding(
  v: JsonObject,
  root: JsonObject,
  result: JsonObject,
  resource: JsonObject | null,
  options: ReadOptions,
): Finding {
  const { vulnId, aliases } = canonicalId(str(v.VulnerabilityID), strs(v.VendorIDs));
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
    assetKey = [str(resource.Namespace), str(resource.Kind), str(resource.Name)].filter(Boolean).join("/");
    // A workload runs several images; an OS package is located by the image it is in.
    if (cls === "os-pkgs") location = imageOfTarget(target);
  }

  return {
    vulnId,
    aliases,
    component: str(v.PkgName),
    version: str(v.InstalledVersion),
    ecosystem: ecosystemOfPurl(purl) || normalizeEcosystem(str(result.Type)),
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
  };
}

/** CVSS from the severity source's entry, else NVD's, else the first vendor that has one. */
function pickCvss(cvss: JsonObject, source: string): { cvss3: Cvss | null; cvss4: Cvss | null } {
  const order = [source, "nvd", ...Object.keys(cvss)].filter(Boolean);
  let cvss3: Cvss | null = null;
  let cvss4: Cvss | null = null;
  for (const vendor of order) {
    const c = obj(cvss[vendor]);
    if (!cvss3) {
      const vector = str(c.V3Vector);
      const score = num(c.V3Score);
      if (vector && score !== null) cvss3 = { vector, score };
    }
    if (!cvss4) {
      const vector = str(c.V40Vector);
      const score = num(c.V40Score);
      if (vector && score !== null) cvss4 = { vector, score };
    }
    if (cvss3 && cvss4) break;
  }
  return { cvss3, cvss4 };
}

/** Trivy joins several fixed versions with ", ". */
function splitVersions(s: string): string[] {
  if (!s) return [];
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
