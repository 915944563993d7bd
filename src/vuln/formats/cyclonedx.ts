import {
  canonicalId,
  normalizeSeverity,
  severityFromScore,
  type Cvss,
  type Finding,
  type FindingStatus,
  type Severity,
} from "../finding.js";
import { cvss3BaseScore } from "./cvss.js";
import {
  arr,
  cvssScore,
  ecosystemOfPurl,
  isOsEcosystem,
  normalizeEcosystem,
  normalizeLocation,
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
 * CycloneDX 1.4–1.6 JSON with `vulnerabilities[]`: an SBOM with its vulnerabilities (Trivy, Grype,
 * Dependency-Track exports) or a standalone VEX. One finding per vulnerability and affected component;
 * `analysis.state` becomes the status, with the justification and detail as its explanation.
 *
 * `components` and `vulnerabilities` are both streamed, since SBOMs can be huge: components are indexed
 * by bom-ref (and purl) as they pass, keeping only the fields a finding needs, and a vulnerability that
 * names a component not seen yet waits until the document closes. A ref that no component defines (a
 * purl or BOM-Link in a standalone VEX) is read as a purl where it is one.
 *
 * @example
 * for await (const batch of readJsonFindings(cyclonedx, chunks, { name: "bom.cdx.json" })) store(batch);
 */
export const cyclonedx: JsonFormat = {
  kind: "json",
  id: "cyclonedx",
  label: "CycloneDX 1.4–1.6 JSON with vulnerabilities (SBOM + VEX, or VEX)",
  detect: (head) => /"bomFormat"\s*:\s*"CycloneDX"/.test(head),
  elements: {
    components: (v, parents) => {
      indexComponents(stateOf(parents[0] ?? {}), obj(v));
      return [];
    },
    vulnerabilities: (v, parents, options) => vulnerabilityFindings(obj(v), parents[0] ?? {}, options),
  },
  contextPaths: [""],
  scans: {
    // A BOM without `vulnerabilities` is an SBOM (Trivy's default CycloneDX output): no vulnerability
    // scan, so it closes nothing.
    "": (root, _parents, options) => {
      if (!("vulnerabilities" in root)) return null;
      const metadata = obj(root.metadata);
      return {
        assetKey: options.assetKey ?? assetOf(obj(metadata.component)),
        scanner: scannerOf({}, metadata),
      };
    },
  },
};

interface Component {
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly ecosystem: string;
  readonly location: string;
}

interface DocumentState {
  readonly components: Map<string, Component>;
  metadataIndexed: boolean;
}

/**
 * Components seen so far, per document. Keyed by the document's root object, which the reader creates
 * afresh for every read, so the handlers stay free of shared state and a finished read is collected.
 */
const documents = new WeakMap<JsonObject, DocumentState>();
const MAX_NESTING = 32;

function stateOf(root: JsonObject): DocumentState {
  let state = documents.get(root);
  if (!state) {
    state = { components: new Map(), metadataIndexed: false };
    documents.set(root, state);
  }
  return state;
}

/** Index a component and its nested `components`, iteratively so hostile nesting cannot overflow. */
function indexComponents(state: DocumentState, top: JsonObject): void {
  const stack: { c: JsonObject; depth: number }[] = [{ c: top, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { c, depth } = item;
    const summary = summarize(c);
    const ref = str(c["bom-ref"]);
    if (ref) state.components.set(ref, summary);
    if (summary.purl && !state.components.has(summary.purl)) state.components.set(summary.purl, summary);
    if (depth < MAX_NESTING)
      for (const child of arr(c.components)) stack.push({ c: obj(child), depth: depth + 1 });
  }
}

function summarize(c: JsonObject): Component {
  const purl = str(c.purl);
  const props = propertiesOf(c);
  const ecosystem =
    ecosystemOfPurl(purl) ||
    normalizeEcosystem(props.get("aquasecurity:trivy:PkgType") ?? props.get("syft:package:type") ?? "");
  const name = str(c.name);
  const group = str(c.group);
  let full = name;
  if (group && ecosystem === "maven") full = `${group}:${name}`;
  else if (group.startsWith("@")) full = `${group}/${name}`;
  const occurrence = str(obj(arr(obj(c.evidence).occurrences)[0]).location);
  const location =
    occurrence || props.get("aquasecurity:trivy:FilePath") || props.get("syft:location:0:path") || "";
  return {
    name: packageName(full, purl),
    version: str(c.version),
    purl,
    ecosystem,
    location: normalizeLocation(location),
  };
}

function propertiesOf(c: JsonObject): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of arr(c.properties).map(obj)) {
    const name = str(p.name);
    if (name && !out.has(name)) out.set(name, str(p.value));
  }
  return out;
}

function vulnerabilityFindings(v: JsonObject, root: JsonObject, options: ReadOptions): Finding[] {
  const state = stateOf(root);
  const metadata = obj(root.metadata);
  if (!state.metadataIndexed && "metadata" in root) {
    const main = obj(metadata.component);
    if (Object.keys(main).length > 0) indexComponents(state, main);
    state.metadataIndexed = true;
  }
  const waiting = !options.contextComplete;
  if (waiting && options.assetKey === undefined && !("metadata" in root)) throw new NeedsContext("metadata");

  const affects = arr(v.affects).map(obj);
  const resolved = affects.map((a) => {
    const ref = str(a.ref);
    const fragment = ref.startsWith("urn:cdx:") ? ref.slice(ref.indexOf("#") + 1) : ref;
    return {
      affect: a,
      component: state.components.get(ref) ?? state.components.get(fragment) ?? null,
      fragment,
    };
  });
  if (waiting && resolved.some((r) => r.component === null)) throw new NeedsContext("component");

  const { vulnId, aliases } = canonicalId(
    str(v.id),
    arr(v.references).map((r) => str(obj(r).id)),
  );
  if (!vulnId) return [];
  const { cvss3, cvss4 } = cvssOf(v);
  const base = {
    vulnId,
    aliases,
    assetKey: options.assetKey ?? assetOf(obj(metadata.component)),
    scanner: scannerOf(v, metadata),
    rule: "",
    severity: severityOf(v, cvss3, cvss4),
    cvss3,
    cvss4,
    title: summaryOf(str(v.description) || str(v.detail)),
    references: referencesOf(v),
    epss: null,
    knownExploited: null,
    exploitAvailable: null,
    scannerRisk: null,
  };
  const analysis = obj(v.analysis);
  const recommended = recommendedVersions(str(v.recommendation));

  return resolved.map(({ affect, component, fragment }): Finding => {
    const c = component ?? componentOfRef(fragment);
    const versions = arr(affect.versions).map(obj);
    const affected = versions.filter((x) => (str(x.status) || "affected") === "affected" && str(x.version));
    const version = c.version || (affected.length === 1 ? str(affected[0]?.version) : "");
    const unaffected = versions.filter((x) => str(x.status) === "unaffected");
    const fixedVersions = [...recommended];
    for (const x of unaffected) {
      const fixed = str(x.version) || lowerBound(str(x.range));
      if (fixed && fixed !== version && !fixedVersions.includes(fixed)) fixedVersions.push(fixed);
    }
    const versionUnaffected = version !== "" && unaffected.some((x) => str(x.version) === version);
    return {
      ...base,
      component: c.name,
      version,
      ecosystem: c.ecosystem,
      purl: c.purl,
      fixedVersions,
      location: isOsEcosystem(c.ecosystem) ? "" : c.location,
      ...statusOf(analysis, versionUnaffected),
    };
  });
}

/** A component from a ref no component defines: a purl says what it is; anything else is a name. */
function componentOfRef(ref: string): Component {
  const parts = parsePurl(ref);
  if (!parts) return { name: ref, version: "", purl: "", ecosystem: "", location: "" };
  const purl = ref;
  return {
    name: packageName(parts.name, purl),
    version: parts.version,
    purl,
    ecosystem: parts.type,
    location: "",
  };
}

/** The asset the BOM describes: a container by its image reference, else name@version, else purl. */
function assetOf(main: JsonObject): string {
  const name = str(main.name);
  const version = str(main.version);
  if (!name) return str(main.purl) || str(main["bom-ref"]);
  if (str(main.type) === "container" || !version || name.endsWith(`:${version}`)) return name;
  return `${name}@${version}`;
}

/** The tool that found it: the vulnerability's own `tools`, else the BOM's, in 1.4 or 1.5+ shape. */
function scannerOf(v: JsonObject, metadata: JsonObject): string {
  for (const tools of [v.tools, metadata.tools]) {
    const list = Array.isArray(tools) ? tools : [...arr(obj(tools).components), ...arr(obj(tools).services)];
    const name = str(obj(list[0]).name).trim().toLowerCase();
    if (name) return name;
  }
  return "cyclonedx";
}

const CVSS3_METHODS: ReadonlySet<string> = new Set(["CVSSv31", "CVSSv3"]);

/** CVSS ratings; a vector written without its `CVSS:3.x/` prefix gets the one its method names. */
function cvssOf(v: JsonObject): { cvss3: Cvss | null; cvss4: Cvss | null } {
  let cvss3: Cvss | null = null;
  let cvss4: Cvss | null = null;
  for (const r of arr(v.ratings).map(obj)) {
    const method = str(r.method);
    let vector = str(r.vector);
    if (!vector) continue;
    if (CVSS3_METHODS.has(method) && !cvss3) {
      if (!vector.startsWith("CVSS:")) vector = (method === "CVSSv31" ? "CVSS:3.1/" : "CVSS:3.0/") + vector;
      const score = cvssScore(r.score) ?? cvss3BaseScore(vector);
      if (score !== null) cvss3 = { vector, score };
    } else if (method === "CVSSv4" && !cvss4) {
      if (!vector.startsWith("CVSS:")) vector = "CVSS:4.0/" + vector;
      const score = cvssScore(r.score);
      if (score !== null) cvss4 = { vector, score };
    }
  }
  return { cvss3, cvss4 };
}

/**
 * The rating of the vulnerability's own source if it states a severity, else the first rating that does,
 * else from the CVSS score.
 */
function severityOf(v: JsonObject, cvss3: Cvss | null, cvss4: Cvss | null): Severity {
  const source = str(obj(v.source).name).toLowerCase();
  const ratings = arr(v.ratings).map(obj);
  const own = ratings.find((r) => str(obj(r.source).name).toLowerCase() === source && source !== "");
  for (const r of own ? [own, ...ratings] : ratings) {
    const s = normalizeSeverity(r.severity);
    if (s !== "unknown") return s;
  }
  const score =
    cvss3?.score ?? cvss4?.score ?? ratings.map((r) => cvssScore(r.score)).find((s) => s !== null);
  return score !== undefined && score !== null ? severityFromScore(score) : "unknown";
}

function referencesOf(v: JsonObject): string[] {
  const out: string[] = [];
  const add = (u: string): void => {
    if (u && !out.includes(u)) out.push(u);
  };
  add(str(obj(v.source).url));
  for (const a of arr(v.advisories)) add(str(obj(a).url));
  for (const r of arr(v.references)) add(str(obj(obj(r).source).url));
  return out;
}

const STATES: Readonly<Record<string, FindingStatus>> = {
  resolved: "fixed",
  resolved_with_pedigree: "fixed",
  exploitable: "open",
  in_triage: "under_investigation",
  false_positive: "false_positive",
  not_affected: "not_affected",
};

/** VEX analysis to status; without one, a component version listed as unaffected is not affected. */
function statusOf(
  analysis: JsonObject,
  versionUnaffected: boolean,
): { status: FindingStatus; statusDetail: string } {
  const detail = [str(analysis.justification), str(analysis.detail).trim()].filter(Boolean).join(": ");
  const state = STATES[str(analysis.state)];
  if (state) return { status: state, statusDetail: detail };
  return { status: versionUnaffected ? "not_affected" : "open", statusDetail: detail };
}

/** "Upgrade libssl3 to version 3.0.13-1~deb12u1" (Trivy) -> ["3.0.13-1~deb12u1"]. */
function recommendedVersions(text: string): string[] {
  const marker = " to version ";
  const at = text.indexOf(marker);
  if (!text.startsWith("Upgrade ") || at < 0) return [];
  return strs(text.slice(at + marker.length).split(","));
}

/** The version a `vers:` range such as `vers:npm/>=4.17.21` starts at, when it is one lower bound. */
function lowerBound(range: string): string {
  if (!range.startsWith("vers:")) return "";
  const slash = range.indexOf("/");
  const constraints = slash > 0 ? range.slice(slash + 1) : "";
  if (constraints.includes("|") || !constraints.startsWith(">=")) return "";
  return constraints.slice(2).trim();
}
