// Generates a Trivy Kubernetes JSON report (`trivy k8s --format json --report all` shape) with a given
// number of findings spread over a given number of workloads (assets), deterministically.
//
//   node bench/generate-trivy.mjs OUT.json [findings=1000000] [assets=2000]
//
// Each resource is written on its own line so that the baseline can JSON.parse the same bytes in pieces
// below V8's string limit. About 1 KB per finding (compact JSON), like real Trivy output.
import { createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";

const [out, findingsArg = "1000000", assetsArg = "2000"] = process.argv.slice(2);
if (!out) {
  console.error("usage: node bench/generate-trivy.mjs OUT.json [findings] [assets]");
  process.exit(2);
}
const total = Number(findingsArg);
const assets = Number(assetsArg);

// A small deterministic PRNG (mulberry32) so every run produces the same report.
let seed = 0x5eed;
const rand = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];

// Real CVE ids from the bundled KEV snapshot (a few findings hit KEV, as in life), plus synthetic ones.
const kev = JSON.parse(
  readFileSync(new URL("../data/intel/kev/known_exploited_vulnerabilities.json", import.meta.url), "utf8"),
).vulnerabilities.map((v) => v.cveID);
const cves = [];
for (let i = 0; i < 30000; i++)
  cves.push(i % 100 === 0 ? kev[(i / 100) % kev.length] : `CVE-20${18 + (i % 8)}-${10000 + i}`);

const osPkgs = [
  "openssl",
  "libssl3",
  "zlib",
  "curl",
  "libcurl",
  "busybox",
  "musl",
  "libxml2",
  "expat",
  "ncurses",
  "sqlite-libs",
  "libc6",
  "gnutls",
  "krb5",
  "glib2",
];
const npmPkgs = [
  "lodash",
  "express",
  "axios",
  "minimist",
  "jsonwebtoken",
  "ws",
  "semver",
  "tar",
  "undici",
  "follow-redirects",
  "qs",
  "body-parser",
];
const severities = ["CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "UNKNOWN"];
const vectors = [
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8],
  ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9],
  ["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5],
  ["CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N", 2.5],
];
const teams = [
  "payments",
  "identity",
  "data-platform",
  "web",
  "internal-tools",
  "infra",
  "search",
  "mobile-api",
];

const stream = createWriteStream(out, { highWaterMark: 4 << 20 });
const write = async (s) => {
  if (!stream.write(s)) await once(stream, "drain");
};

await write('{"ClusterName":"bench-cluster","Resources":[\n');
const perAsset = Math.ceil(total / assets);
let n = 0;
for (let a = 0; a < assets && n < total; a++) {
  const team = teams[a % teams.length];
  const image = `registry.example.com/${team}/svc-${a}:1.${a % 17}.${a % 5}`;
  const os = [];
  const lang = [];
  for (let j = 0; j < perAsset && n < total; j++, n++) {
    const cve = pick(cves);
    const isOs = rand() < 0.7;
    const name = isOs ? pick(osPkgs) : pick(npmPkgs);
    const version = isOs ? `${1 + (j % 4)}.${j % 10}.${j % 7}-r${j % 3}` : `${j % 5}.${j % 13}.${j % 9}`;
    const [vector, score] = pick(vectors);
    const v = {
      VulnerabilityID: cve,
      PkgID: `${name}@${version}`,
      PkgName: name,
      PkgIdentifier: {
        PURL: isOs
          ? `pkg:apk/alpine/${name}@${version}?arch=x86_64&distro=3.19.1`
          : `pkg:npm/${name}@${version}`,
      },
      InstalledVersion: version,
      FixedVersion: rand() < 0.8 ? `${version}-fix1` : "",
      Status: "fixed",
      Layer: {
        Digest: "sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8",
        DiffID: "sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820",
      },
      SeveritySource: "nvd",
      PrimaryURL: `https://avd.aquasec.com/nvd/${cve.toLowerCase()}`,
      DataSource: {
        ID: isOs ? "alpine" : "ghsa",
        Name: isOs ? "Alpine Secdb" : "GitHub Security Advisory npm",
        URL: isOs ? "https://secdb.alpinelinux.org/" : "https://github.com/advisories",
      },
      Title: `${name}: ${pick(["heap buffer overflow in parser", "denial of service via crafted input", "improper certificate validation", "prototype pollution", "use after free in handler", "path traversal in archive extraction"])}`,
      Description: `A flaw was found in ${name}. A remote attacker could send crafted input that triggers ${pick(["memory corruption", "excessive resource consumption", "a bypass of validation"])}, which may lead to ${pick(["arbitrary code execution", "a denial of service", "information disclosure"])}.`,
      Severity: pick(severities),
      CweIDs: [pick(["CWE-787", "CWE-400", "CWE-295", "CWE-1321", "CWE-416", "CWE-22"])],
      VendorSeverity: { nvd: 3 },
      CVSS: { nvd: { V3Vector: vector, V3Score: score } },
      References: [
        `https://nvd.nist.gov/vuln/detail/${cve}`,
        `https://github.com/advisories?query=${cve}`,
        `https://security.example.org/${cve}`,
      ],
      PublishedDate: "2024-03-12T15:15:00Z",
      LastModifiedDate: "2024-06-01T10:00:00Z",
    };
    (isOs ? os : lang).push(v);
  }
  const resource = {
    Namespace: team,
    Kind: a % 7 === 0 ? "StatefulSet" : "Deployment",
    Name: `svc-${a}`,
    Results: [
      { Target: `${image} (alpine 3.19.1)`, Class: "os-pkgs", Type: "alpine", Vulnerabilities: os },
      { Target: "app/package-lock.json", Class: "lang-pkgs", Type: "npm", Vulnerabilities: lang },
    ],
  };
  await write((a === 0 ? "" : ",\n") + JSON.stringify(resource));
}
await write("\n]}\n");
stream.end();
await once(stream, "finish");
console.error(`wrote ${n} findings over ${assets} assets to ${out}`);
