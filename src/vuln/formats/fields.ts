/**
 * Small, total readers for untrusted JSON values: each returns a typed value or an empty default and
 * never throws, so one odd field in a report cannot crash an import.
 */

export function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

export function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * A CVSS base score, on its 0-10 scale, or null: a score off the scale is a broken report, and would
 * otherwise order findings and read in explanations as if it meant something.
 *
 * @example cvssScore("9.8") // 9.8; cvssScore(98) // null
 */
export function cvssScore(v: unknown): number | null {
  const n = num(v);
  return n !== null && n >= 0 && n <= 10 ? n : null;
}

/**
 * A probability or percentile (EPSS), between 0 and 1, or null.
 *
 * @example probabilityOf(0.97) // 0.97; probabilityOf(97) // null
 */
export function probabilityOf(v: unknown): number | null {
  const n = num(v);
  return n !== null && n >= 0 && n <= 1 ? n : null;
}

export function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Strings of an array, skipping non-strings and empties. */
export function strs(v: unknown): string[] {
  const out: string[] = [];
  for (const x of arr(v)) {
    const s = str(x).trim();
    if (s) out.push(s);
  }
  return out;
}

export function bool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "yes" || s === "1") return true;
    if (s === "false" || s === "no" || s === "0") return false;
  }
  return null;
}

/**
 * The ecosystem of a package URL, in purl type spelling (`pkg:npm/left-pad@1` -> `npm`), or "".
 *
 * @example ecosystemOfPurl("pkg:deb/debian/openssl@3.0.11") // "deb"
 */
export function ecosystemOfPurl(purl: string): string {
  if (!purl.startsWith("pkg:")) return "";
  const slash = purl.indexOf("/", 4);
  return slash > 4 ? purl.slice(4, slash).toLowerCase() : "";
}

/**
 * A location as the fingerprint sees it: forward slashes, no leading `./` or `/`, no `file://`, so the
 * same lock file reported as `/app/package-lock.json` and `app/package-lock.json` is one location.
 */
export function normalizeLocation(location: string): string {
  let s = location.trim().replace(/\\/g, "/");
  if (s.startsWith("file://")) s = s.slice(7);
  while (s.startsWith("./")) s = s.slice(2);
  while (s.startsWith("/")) s = s.slice(1);
  return s;
}

/**
 * Ecosystem names as scanners write them (Trivy result types, OSV ecosystems, Grype package types)
 * mapped to purl types, so that findings from two scanners agree.
 */
const ECOSYSTEMS: Readonly<Record<string, string>> = {
  alpine: "apk",
  apk: "apk",
  wolfi: "apk",
  chainguard: "apk",
  debian: "deb",
  ubuntu: "deb",
  deb: "deb",
  redhat: "rpm",
  centos: "rpm",
  rocky: "rpm",
  alma: "rpm",
  almalinux: "rpm",
  amazon: "rpm",
  oracle: "rpm",
  fedora: "rpm",
  suse: "rpm",
  "opensuse.leap": "rpm",
  "suse linux enterprise server": "rpm",
  photon: "rpm",
  mariner: "rpm",
  "cbl-mariner": "rpm",
  azurelinux: "rpm",
  rpm: "rpm",
  npm: "npm",
  "node-pkg": "npm",
  yarn: "npm",
  pnpm: "npm",
  bun: "npm",
  pypi: "pypi",
  pip: "pypi",
  pipenv: "pypi",
  poetry: "pypi",
  uv: "pypi",
  "python-pkg": "pypi",
  python: "pypi",
  go: "golang",
  gomod: "golang",
  gobinary: "golang",
  "go-module": "golang",
  golang: "golang",
  maven: "maven",
  jar: "maven",
  pom: "maven",
  gradle: "maven",
  sbt: "maven",
  "java-archive": "maven",
  "jenkins-plugin": "maven",
  cargo: "cargo",
  "crates.io": "cargo",
  "rust-crate": "cargo",
  rustbinary: "cargo",
  composer: "composer",
  packagist: "composer",
  "php-composer": "composer",
  bundler: "gem",
  gemspec: "gem",
  rubygems: "gem",
  gem: "gem",
  nuget: "nuget",
  "dotnet-core": "nuget",
  "dotnet-deps": "nuget",
  dotnet: "nuget",
  pub: "pub",
  hex: "hex",
  "erlang-otp": "hex",
  swift: "swift",
  cocoapods: "cocoapods",
  conan: "conan",
  cran: "cran",
  hackage: "hackage",
  github: "github",
  "github-action": "github",
};

/** Map a scanner's ecosystem or package-type word to a purl type; unknown words pass through lowercased. */
export function normalizeEcosystem(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === "") return "";
  const colon = v.indexOf(":"); // OSV writes "Debian:12", "Alpine:v3.18"
  const base = colon > 0 ? v.slice(0, colon) : v;
  return ECOSYSTEMS[base] ?? base;
}

/** Purl types of operating-system packages, which are located by the asset alone (location ""). */
const OS_ECOSYSTEMS: ReadonlySet<string> = new Set(["deb", "apk", "rpm"]);

/**
 * True for operating-system package ecosystems (deb, apk, rpm). Such findings have location "" so that
 * every scanner reporting the same package of the same image gives one identity.
 *
 * @example isOsEcosystem("deb") // true
 */
export function isOsEcosystem(ecosystem: string): boolean {
  return OS_ECOSYSTEMS.has(ecosystem);
}

/** The parts of a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`), decoded. */
export interface PurlParts {
  readonly type: string;
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
}

/**
 * Split a package URL into its parts, percent-decoded; null when the text is not a purl. Tolerates the
 * unencoded `@` of npm scopes (`pkg:npm/@babel/core@7.0.0`) that some producers write.
 *
 * @example parsePurl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
 * // { type: "maven", namespace: "org.apache.logging.log4j", name: "log4j-core", version: "2.14.1" }
 */
export function parsePurl(purl: string): PurlParts | null {
  if (!purl.startsWith("pkg:")) return null;
  let rest = purl.slice(4);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const query = rest.indexOf("?");
  if (query >= 0) rest = rest.slice(0, query);
  while (rest.startsWith("/")) rest = rest.slice(1);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const type = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  const lastSlash = path.lastIndexOf("/");
  const at = path.lastIndexOf("@");
  let version = "";
  // The version's `@` is the last one, and only when it is in the last segment (not a scope's `@`).
  if (at > lastSlash && at > 0 && at !== lastSlash + 1) {
    version = path.slice(at + 1);
    path = path.slice(0, at);
  }
  const cut = path.lastIndexOf("/");
  const name = cut >= 0 ? path.slice(cut + 1) : path;
  const namespace = cut >= 0 ? path.slice(0, cut) : "";
  if (!name) return null;
  return { type, namespace: decode(namespace), name: decode(name), version: decode(version) };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The package name as scanners agree to spell it for identity: Maven packages as `group:artifact`
 * (Trivy, OSV and CycloneDX group+name) even when a scanner reports only the artifact id (Grype), so
 * the same jar from two scanners is one finding. Other names pass through.
 *
 * @example packageName("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
 * // "org.apache.logging.log4j:log4j-core"
 */
export function packageName(name: string, purl: string): string {
  const parts = parsePurl(purl);
  if (parts?.type === "maven" && parts.namespace && !name.includes(":")) {
    return `${parts.namespace}:${name || parts.name}`;
  }
  return name || (parts ? (parts.namespace ? `${parts.namespace}/${parts.name}` : parts.name) : "");
}

/**
 * A short title from prose: the first sentence, at most `max` characters.
 *
 * @example summaryOf("A flaw was found in ws. It crashes.") // "A flaw was found in ws."
 */
export function summaryOf(text: string, max = 200): string {
  const t = text.trim();
  const dot = t.indexOf(". ");
  if (dot > 0 && dot < max) return t.slice(0, dot + 1);
  const newline = t.indexOf("\n");
  if (newline > 0 && newline < max) return t.slice(0, newline).trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

const MAX_IDS_SCAN = 64 * 1024;

/**
 * Every CVE (`CVE-2024-3094`) and GitHub advisory id (`GHSA-xxxx-xxxx-xxxx`) in a text, in order of
 * appearance, without duplicates. A hand-written linear scan (no backtracking regex) over at most the
 * first 64 KiB, because the text comes from untrusted reports.
 *
 * @example advisoryIdsIn("CVE-2023-1-libssl3, see GHSA-jfh8-c2jp-5v3q") // ["GHSA-jfh8-c2jp-5v3q"]
 * @example advisoryIdsIn("fixes CVE-2021-44228") // ["CVE-2021-44228"]
 */
export function advisoryIdsIn(text: string): string[] {
  const out: string[] = [];
  const s = text.length > MAX_IDS_SCAN ? text.slice(0, MAX_IDS_SCAN) : text;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x43 && c !== 0x47) continue; // 'C' or 'G'
    if (i > 0 && isWordChar(s.charCodeAt(i - 1))) continue;
    const id = s.startsWith("CVE-", i) ? cveAt(s, i) : s.startsWith("GHSA-", i) ? ghsaAt(s, i) : "";
    if (id && !out.includes(id)) out.push(id);
    if (id) i += id.length - 1;
  }
  return out;
}

function cveAt(s: string, i: number): string {
  let p = i + 4;
  const yearStart = p;
  while (p < s.length && isDigit(s.charCodeAt(p))) p++;
  if (p - yearStart !== 4 || s.charCodeAt(p) !== 0x2d) return "";
  p++;
  const seqStart = p;
  while (p < s.length && p - seqStart < 12 && isDigit(s.charCodeAt(p))) p++;
  if (p - seqStart < 4 || (p < s.length && isDigit(s.charCodeAt(p)))) return "";
  return s.slice(i, p);
}

function ghsaAt(s: string, i: number): string {
  let p = i + 5;
  for (let group = 0; group < 3; group++) {
    if (group > 0) {
      if (s.charCodeAt(p) !== 0x2d) return "";
      p++;
    }
    for (let k = 0; k < 4; k++, p++) if (p >= s.length || !isAlnum(s.charCodeAt(p))) return "";
  }
  if (p < s.length && isAlnum(s.charCodeAt(p))) return "";
  return s.slice(i, p);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 0x5f;
}

const MAX_LABEL = 40;

/**
 * The "Label: value" lines of a text, as a map from lowercased label to trimmed value; the first line
 * with a label wins, and an empty value counts (a "Fixed Version: " line says there is no fix). List
 * bullets (`* `, `- `) before a label are ignored. Scanners such as Trivy and Grype put package facts in
 * SARIF messages this way. Linear in the text, of which at most `max` characters are read.
 *
 * @example labelledLines("Package: libssl3\nInstalled Version: 3.0.11").get("installed version") // "3.0.11"
 */
export function labelledLines(text: string, max = 16 * 1024): Map<string, string> {
  const out = new Map<string, string>();
  const s = text.length > max ? text.slice(0, max) : text;
  for (const raw of s.split("\n")) {
    let line = raw.trim();
    while (line.startsWith("* ") || line.startsWith("- ")) line = line.slice(2).trimStart();
    const colon = line.indexOf(":");
    if (colon <= 0 || colon > MAX_LABEL) continue;
    const label = line.slice(0, colon).trim().toLowerCase();
    if (!isLabel(label)) continue;
    if (!out.has(label)) out.set(label, line.slice(colon + 1).trim());
  }
  return out;
}

/** A label is letters, spaces and hyphens (already lowercased): never a number, a path or markup. */
function isLabel(label: string): boolean {
  if (label === "") return false;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || c === 0x20 || c === 0x2d)) return false;
  }
  return true;
}
