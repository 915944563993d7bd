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
