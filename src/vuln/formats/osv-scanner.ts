import {
  canonicalId,
  normalizeSeverity,
  severityFromScore,
  type Cvss,
  type Finding,
  type Severity,
} from "../finding.js";
import { cvss3BaseScore, cvssVersion } from "./cvss.js";
import {
  arr,
  cvssScore,
  isOsEcosystem,
  normalizeEcosystem,
  normalizeLocation,
  obj,
  str,
  strs,
  summaryOf,
} from "./fields.js";
import type { JsonObject } from "./json-stream.js";
import { NeedsContext, type JsonFormat, type ReadOptions } from "./types.js";

const MAX_REFERENCES = 30;
const SEVERITY_RANK = { critical: 5, high: 4, medium: 3, low: 2, info: 1, unknown: 0 } as const;

/**
 * OSV-Scanner JSON (`osv-scanner --format json`, v1 and v2): one finding per vulnerability *group* of
 * each package, because OSV-Scanner lists the same flaw once per database (GHSA, PYSEC, GO, CVE...) and
 * groups the aliases; the group's ids become the finding's id and aliases.
 *
 * Each `packages[]` element is read whole, since its `groups` follow its `vulnerabilities`. OSV records
 * carry only CVSS vectors, so v3 base scores are computed (see cvss.ts); a v4 vector keeps the group's
 * `max_severity` as its score. OSV-Scanner does not name the scanned project, so the asset key is
 * `--asset` (or the image of a v1 `docker` source).
 *
 * @example
 * for await (const batch of readJsonFindings(osvScanner, chunks, { name: "osv.json", assetKey: "repo" }))
 *   store(batch);
 */
export const osvScanner: JsonFormat = {
  kind: "json",
  id: "osv-scanner",
  label: "OSV-Scanner JSON (osv-scanner --format json)",
  detect: (head) =>
    /^\s*\{\s*"results"\s*:/.test(head) &&
    !head.includes('"runs"') &&
    (head.includes('"packages"') ||
      head.includes('"experimental_config"') ||
      /"results"\s*:\s*\[\s*\]/.test(head)),
  elements: {
    "results.*.packages": (v, parents, options) => packageFindings(obj(v), parents[1] ?? {}, options),
  },
  contextPaths: ["results.*"],
  scans: {
    "results.*": (result, _parents, options) => ({
      assetKey: options.assetKey ?? assetOfSource(obj(result.source ?? result.packageSource)),
      scanner: "osv-scanner",
    }),
  },
};

/** The scanned image of a v1 `docker` source; OSV-Scanner names no other asset. */
function assetOfSource(source: JsonObject): string {
  return str(source.type) === "docker" || str(source.type) === "image" ? str(source.path) : "";
}

interface Group {
  readonly ids: string[];
  readonly aliases: string[];
  readonly maxSeverity: number | null;
  readonly notCalled: boolean;
}

function packageFindings(entry: JsonObject, result: JsonObject, options: ReadOptions): Finding[] {
  if (!("source" in result) && !("packageSource" in result) && !options.contextComplete) {
    throw new NeedsContext("osv-scanner result source");
  }
  const source = obj(result.source ?? result.packageSource);
  const pkg = obj(entry.package);
  const name = str(pkg.name);
  const ecosystemRaw = str(pkg.ecosystem);
  const ecosystem = normalizeEcosystem(ecosystemRaw);
  const vulns = new Map<string, JsonObject>();
  for (const v of arr(entry.vulnerabilities).map(obj)) {
    const id = str(v.id);
    if (id && !vulns.has(id)) vulns.set(id, v);
  }
  const assetKey = options.assetKey ?? assetOfSource(source);

  return groupsOf(entry, vulns).map((group) => {
    const records: JsonObject[] = [];
    for (const id of group.ids) {
      const record = vulns.get(id);
      if (record) records.push(record);
    }
    const { vulnId, aliases } = canonicalId(group.ids[0] ?? "", [
      ...group.ids,
      ...group.aliases,
      ...records.flatMap((r) => strs(r.aliases)),
      // A distro record for one CVE (DEBIAN-CVE-2024-45490) names it as its only upstream; a record that
      // lists several (a DSA) is an advisory about many vulnerabilities, not an alias of one.
      ...records.flatMap((r) => (strs(r.upstream).length === 1 ? strs(r.upstream) : [])),
    ]);
    const { cvss3, cvss4 } = pickCvss(records, group.maxSeverity);
    return {
      vulnId,
      aliases,
      component: name,
      version: str(pkg.version) || str(pkg.commit),
      ecosystem,
      purl: "",
      fixedVersions: fixedVersions(records, name, ecosystemRaw),
      location: isOsEcosystem(ecosystem) ? "" : normalizeLocation(str(source.path)),
      assetKey,
      scanner: "osv-scanner",
      rule: "",
      severity: severityOf(records, group.maxSeverity, cvss3),
      cvss3,
      cvss4,
      title: titleOf(records),
      references: referencesOf(records),
      epss: null,
      knownExploited: null,
      exploitAvailable: null,
      scannerRisk: null,
      status: "open",
      statusDetail: group.notCalled ? "vulnerable code is not called (osv-scanner call analysis)" : "",
    };
  });
}

/**
 * The package's groups as OSV-Scanner wrote them; without `groups` (old v1 output) vulnerabilities that
 * share an id or alias are joined here, and any vulnerability no group names becomes its own group.
 */
function groupsOf(entry: JsonObject, vulns: ReadonlyMap<string, JsonObject>): Group[] {
  const groups: Group[] = [];
  const covered = new Set<string>();
  for (const g of arr(entry.groups).map(obj)) {
    const ids = strs(g.ids);
    if (ids.length === 0) continue;
    for (const id of ids) covered.add(id);
    const analysis = Object.values(obj(g.experimentalAnalysis ?? g.experimental_analysis)).map(obj);
    groups.push({
      ids,
      aliases: strs(g.aliases),
      maxSeverity: cvssScore(g.max_severity),
      notCalled: analysis.length > 0 && analysis.every((a) => a.called === false),
    });
  }
  // Join the remaining vulnerabilities that share an id or alias (union-find over ids).
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    for (let next = parent.get(root); next !== undefined && next !== root; next = parent.get(root))
      root = next;
    for (let y = x; y !== root;) {
      const next = parent.get(y) ?? root;
      parent.set(y, root);
      y = next;
    }
    return root;
  };
  const loose: string[] = [];
  for (const [id, v] of vulns) {
    if (covered.has(id)) continue;
    loose.push(id);
    if (!parent.has(id)) parent.set(id, id);
    for (const alias of strs(v.aliases)) {
      if (!parent.has(alias)) parent.set(alias, alias);
      parent.set(find(alias), find(id));
    }
  }
  const byRoot = new Map<string, string[]>();
  for (const id of loose) {
    const root = find(id);
    const members = byRoot.get(root);
    if (members) members.push(id);
    else byRoot.set(root, [id]);
  }
  for (const members of byRoot.values()) {
    groups.push({ ids: members.sort(), aliases: [], maxSeverity: null, notCalled: false });
  }
  return groups;
}

/** The highest computable v3 score among the group's records; a v4 vector scored by `max_severity`. */
function pickCvss(
  records: readonly JsonObject[],
  maxSeverity: number | null,
): { cvss3: Cvss | null; cvss4: Cvss | null } {
  let cvss3: Cvss | null = null;
  let v4Vector = "";
  for (const r of records) {
    for (const s of arr(r.severity).map(obj)) {
      const vector = str(s.score);
      const version = cvssVersion(vector);
      if (version === 3) {
        const score = cvss3BaseScore(vector);
        if (score !== null && (!cvss3 || score > cvss3.score)) cvss3 = { vector, score };
      } else if (version === 4 && !v4Vector) {
        v4Vector = vector;
      }
    }
  }
  // max_severity is the maximum over every vector, so it is the v4 score only when no v3 score reaches it.
  const cvss4 =
    v4Vector && maxSeverity !== null && (!cvss3 || maxSeverity > cvss3.score)
      ? { vector: v4Vector, score: maxSeverity }
      : null;
  return { cvss3, cvss4 };
}

/** The group's max_severity score, else its best v3 score, else the databases' own severity words. */
function severityOf(
  records: readonly JsonObject[],
  maxSeverity: number | null,
  cvss3: Cvss | null,
): Severity {
  if (maxSeverity !== null && maxSeverity > 0) return severityFromScore(maxSeverity);
  if (cvss3) return severityFromScore(cvss3.score);
  let best: Severity = "unknown";
  for (const r of records) {
    const s = normalizeSeverity(obj(r.database_specific).severity);
    if (SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  }
  return best;
}

/**
 * `fixed` events of the affected entries for this package: same name, and same ecosystem (with the same
 * release when both name one, so Debian:13's fix is not offered for Debian:12). GIT ranges are skipped
 * because their events are commit hashes.
 */
function fixedVersions(records: readonly JsonObject[], name: string, ecosystem: string): string[] {
  const out: string[] = [];
  for (const r of records) {
    for (const affected of arr(r.affected).map(obj)) {
      const p = obj(affected.package);
      if (str(p.name) && str(p.name).toLowerCase() !== name.toLowerCase()) continue;
      if (!sameEcosystem(str(p.ecosystem), ecosystem)) continue;
      for (const range of arr(affected.ranges).map(obj)) {
        if (str(range.type) === "GIT") continue;
        for (const event of arr(range.events).map(obj)) {
          const fixed = str(event.fixed);
          if (fixed && !out.includes(fixed)) out.push(fixed);
        }
      }
    }
  }
  return out;
}

function sameEcosystem(a: string, b: string): boolean {
  if (!a || !b) return true;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x.includes(":") && y.includes(":")) return x === y;
  const base = (e: string): string => (e.includes(":") ? e.slice(0, e.indexOf(":")) : e);
  return base(x) === base(y);
}

function titleOf(records: readonly JsonObject[]): string {
  for (const r of records) if (str(r.summary)) return str(r.summary).trim();
  for (const r of records) if (str(r.details)) return summaryOf(str(r.details));
  return "";
}

function referencesOf(records: readonly JsonObject[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    for (const ref of arr(r.references).map(obj)) {
      const url = str(ref.url);
      if (url && !out.includes(url)) out.push(url);
      if (out.length >= MAX_REFERENCES) return out;
    }
  }
  return out;
}
