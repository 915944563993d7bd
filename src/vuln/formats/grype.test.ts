import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { identityKey } from "../fingerprint.js";
import { grype } from "./grype.js";
import { readJsonFindings } from "./read-json.js";
import { trivy } from "./trivy.js";
import type { JsonFormat, ReadOptions } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
const IMAGE = FIXTURES + "grype/payments-api-image.json";
const DIR = FIXTURES + "grype/billing-worker-dir.json";

/** The bytes in chunks of `size`, so every token and UTF-8 character can be split across chunks. */
function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(format: JsonFormat, bytes: Uint8Array, options: ReadOptions): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const batch of readJsonFindings(format, chunked(bytes, 7), options)) out.push(...batch);
  return out;
}

/** Read a fixture through a format in 7-byte chunks. */
function read(format: JsonFormat, file: string, options: Partial<ReadOptions> = {}): Promise<Finding[]> {
  return collect(format, readFileSync(file), { name: file, ...options });
}

function byId(findings: readonly Finding[], vulnId: string): Finding {
  const f = findings.find((x) => x.vulnId === vulnId);
  if (!f) throw new Error(`no finding ${vulnId} in ${findings.map((x) => x.vulnId).join(", ")}`);
  return f;
}

describe("grype JSON", () => {
  it("reads an image scan whose source comes after the matches", async () => {
    const findings = await read(grype, IMAGE);
    expect(findings.map((f) => f.vulnId)).toEqual([
      "CVE-2024-2511",
      "CVE-2024-37890",
      "CVE-2021-44228",
      "CVE-2023-45853",
    ]);
    for (const f of findings) {
      expect(f.assetKey).toBe("registry.example.com/shop/payments-api:1.4.2");
      expect(f.scanner).toBe("grype");
    }

    const ssl = byId(findings, "CVE-2024-2511");
    expect(ssl).toMatchObject({
      aliases: [],
      component: "libssl3",
      version: "3.0.11-1~deb12u2",
      ecosystem: "deb",
      location: "",
      fixedVersions: ["3.0.13-1~deb12u1"],
      severity: "low",
      cvss3: null,
      epss: { score: 0.00145, percentile: 0.50812, date: "2024-07-01" },
      knownExploited: null,
      scannerRisk: 0.0725,
      status: "open",
    });
    expect(ssl.references[0]).toBe("https://security-tracker.debian.org/tracker/CVE-2024-2511");

    const ws = byId(findings, "CVE-2024-37890");
    expect(ws).toMatchObject({
      aliases: ["GHSA-3h5v-q93c-6h6q"],
      component: "ws",
      ecosystem: "npm",
      purl: "pkg:npm/ws@8.13.0",
      location: "app/node_modules/ws/package.json",
      severity: "high",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 },
      title: "ws affected by a DoS when handling a request with many HTTP headers",
    });

    const log4j = byId(findings, "CVE-2021-44228");
    expect(log4j).toMatchObject({
      aliases: ["GHSA-jfh8-c2jp-5v3q"],
      component: "org.apache.logging.log4j:log4j-core",
      version: "2.14.1",
      ecosystem: "maven",
      location: "opt/payments/lib/log4j-core-2.14.1.jar",
      severity: "critical",
      knownExploited: true,
      scannerRisk: 96.2451,
      epss: { score: 0.94358, percentile: 0.99961, date: "2024-07-01" },
    });

    const zlib = byId(findings, "CVE-2023-45853");
    expect(zlib.fixedVersions).toEqual([]);
    expect(zlib.version).toBe("1:1.2.13.dfsg-1");
    // Only the related NVD record has a CVSS score.
    expect(zlib.cvss3).toEqual({ vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 });
  });

  it("gives the same identity as Trivy for the same CVEs on the same image", async () => {
    const fromGrype = await read(grype, IMAGE);
    const fromTrivy = await read(trivy, FIXTURES + "trivy/payments-api-image.json");
    expect(fromTrivy).toHaveLength(3);
    const grypeKeys = new Set(fromGrype.map(identityKey));
    for (const f of fromTrivy) expect(grypeKeys.has(identityKey(f)), identityKey(f)).toBe(true);
  });

  it("reads edge cases: old shape, related-only CVSS/KEV/EPSS, v4, missing fields, VEX ignores", async () => {
    const findings = await read(grype, DIR);
    expect(findings.map((f) => f.vulnId)).toEqual([
      "CVE-2024-22195",
      "CVE-2024-35195",
      "CVE-2023-43804",
      "CVE-2022-22965",
      "CVE-2024-27983",
      "CVE-2024-34064",
    ]);
    for (const f of findings) expect(f.assetKey).toBe("/home/ci/checkout/billing-worker");

    // The main record has no CVSS; the related one has a vector without a score, which is computed.
    const jinja = byId(findings, "CVE-2024-22195");
    expect(jinja).toMatchObject({
      aliases: ["GHSA-h5c8-rqwp-cp95"],
      component: "Jinja2",
      ecosystem: "pypi",
      location: "requirements.txt",
      severity: "medium",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", score: 5.4 },
      epss: null,
      knownExploited: null,
      scannerRisk: null,
    });

    const urllib3 = byId(findings, "CVE-2023-43804");
    expect(urllib3.fixedVersions).toEqual(["1.26.17", "2.0.6"]);
    expect(urllib3.cvss3).toBeNull();
    expect(urllib3.cvss4).toEqual({
      vector: "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
      score: 8.2,
    });
    expect(urllib3.location).toBe("services/sync/poetry.lock");

    const spring = byId(findings, "CVE-2022-22965");
    expect(spring).toMatchObject({
      component: "org.springframework:spring-beans",
      knownExploited: true,
      epss: { score: 0.97471, percentile: 0.99978 },
      scannerRisk: 0,
      cvss3: { score: 9.8 },
      fixedVersions: ["5.2.20", "5.3.18"],
    });
    expect(spring.references).toContain("https://spring.io/security/cve-2022-22965");

    // A CPE match on a binary: no purl, no locations, no fix block, unknown severity from its vector.
    const node = byId(findings, "CVE-2024-27983");
    expect(node).toMatchObject({
      component: "node",
      ecosystem: "binary",
      purl: "",
      location: "",
      fixedVersions: [],
      severity: "high",
      cvss3: { score: 7.5 },
    });
    expect(node.title).toContain("服务器 stürzt ab 💥");

    // Only the VEX-ignored match is imported, with its VEX status; the config-ignored one is not.
    const vex = byId(findings, "CVE-2024-34064");
    expect(vex.status).toBe("not_affected");
    expect(vex.statusDetail).toBe("vulnerable_code_not_in_execute_path");
    expect(findings.filter((f) => f.aliases.includes("GHSA-9wx4-h78v-vm56"))).toEqual([]);
  });

  it("skips elements that are not matches instead of failing the import", async () => {
    const json =
      '{"matches": [1, "x", null, [], {}, {"vulnerability": {"id": "CVE-2024-1234"}, "artifact": "odd"}],' +
      ' "source": {"type": "directory", "target": "."}}';
    const findings = await collect(grype, Buffer.from(json), { name: "odd.json" });
    expect(findings.map((f) => [f.vulnId, f.component, f.assetKey, f.severity])).toEqual([
      ["CVE-2024-1234", "", ".", "unknown"],
    ]);
  });

  it("drops CVSS scores off the 0-10 scale and EPSS off 0-1, computing the score from the vector instead", async () => {
    const vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const json = JSON.stringify({
      matches: [
        {
          vulnerability: {
            id: "CVE-2024-1234",
            cvss: [{ version: "3.1", vector, metrics: { baseScore: 98 } }],
            epss: [{ cve: "CVE-2024-1234", epss: 5, percentile: 0.5 }],
          },
          artifact: { name: "a", version: "1" },
        },
      ],
      source: { type: "directory", target: "." },
    });
    const [f] = await collect(grype, Buffer.from(json), { name: "odd.json" });
    expect(f).toMatchObject({ cvss3: { vector, score: 9.8 }, epss: null, severity: "critical" });
  });

  it("lets --asset override the scanned source", async () => {
    const findings = await read(grype, IMAGE, { assetKey: "payments-api" });
    expect(new Set(findings.map((f) => f.assetKey))).toEqual(new Set(["payments-api"]));
  });

  it("recognises Grype reports and no other format's", () => {
    for (const [dir, file] of reportFixtures()) {
      const head = readFileSync(FIXTURES + dir + "/" + file, "utf8").slice(0, 64 * 1024);
      expect(grype.detect(head), `${dir}/${file}`).toBe(dir === "grype");
    }
  });

  it("names the file when the JSON is truncated", async () => {
    const bytes = readFileSync(IMAGE);
    const reading = collect(grype, bytes.subarray(0, Math.floor(bytes.length / 2)), {
      name: "scans/grype.json",
    });
    await expect(reading).rejects.toBeInstanceOf(DetenteError);
    await expect(reading).rejects.toThrow(/^scans\/grype\.json: unexpected end of input/);
  });
});

/** Every report fixture of every format, as [directory, file]. */
function reportFixtures(): [string, string][] {
  const dirs = ["trivy", "grype", "osv-scanner", "sarif", "cyclonedx", "nessus", "csv"];
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(FIXTURES + dir).map((file): [string, string] => [dir, file]);
    } catch {
      return [];
    }
  });
}
