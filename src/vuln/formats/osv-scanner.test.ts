import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { osvScanner } from "./osv-scanner.js";
import { readJsonFindings } from "./read-json.js";
import type { JsonFormat, ReadOptions } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
const V2 = FIXTURES + "osv-scanner/storefront-v2.json";
const V1 = FIXTURES + "osv-scanner/edge-cases-v1.json";

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

describe("OSV-Scanner JSON", () => {
  it("reads v2 output as one finding per group, with computed CVSS v3 scores", async () => {
    const findings = await read(osvScanner, V2, { assetKey: "github.com/example-org/storefront" });
    expect(findings.map((f) => f.vulnId)).toEqual([
      "CVE-2020-28500",
      "CVE-2021-23337",
      "CVE-2024-37890",
      "CVE-2023-32681",
      "CVE-2023-45288",
    ]);
    for (const f of findings) {
      expect(f.scanner).toBe("osv-scanner");
      expect(f.assetKey).toBe("github.com/example-org/storefront");
    }

    const lodash = byId(findings, "CVE-2021-23337");
    expect(lodash).toMatchObject({
      aliases: ["GHSA-35jh-r3h4-6jhm"],
      component: "lodash",
      version: "4.17.20",
      ecosystem: "npm",
      location: "work/storefront/package-lock.json",
      // lodash-es in the same record has its own fix; only lodash's counts.
      fixedVersions: ["4.17.21"],
      severity: "high",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", score: 7.2 },
      title: "Command Injection in lodash",
    });

    // GHSA and PYSEC records of one flaw are one finding; the PYSEC GIT range's commit is no fix version.
    const requests = byId(findings, "CVE-2023-32681");
    expect(requests.aliases.sort()).toEqual(["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"]);
    expect(requests).toMatchObject({
      ecosystem: "pypi",
      location: "work/storefront/services/api/requirements.txt",
      fixedVersions: ["2.31.0"],
      severity: "medium",
      cvss3: { score: 6.1 },
    });
    expect(requests.references).toContain(
      "https://github.com/psf/requests/commit/74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5",
    );

    const net = byId(findings, "CVE-2023-45288");
    expect(net.aliases.sort()).toEqual(["GHSA-4v7x-pqxf-cx7m", "GO-2024-2687"]);
    expect(net).toMatchObject({
      ecosystem: "golang",
      location: "work/storefront/go.mod",
      severity: "medium",
    });
  });

  it("reads v1 output: late sources, alias joining, OS packages, v4 vectors, call analysis, git", async () => {
    const findings = await read(osvScanner, V1);
    expect(findings).toHaveLength(7);

    // The docker source follows its packages; the image becomes the asset and the OS package has no location.
    const expat = byId(findings, "CVE-2024-45490");
    expect(expat).toMatchObject({
      aliases: ["DEBIAN-CVE-2024-45490"],
      component: "expat",
      ecosystem: "deb",
      location: "",
      assetKey: "registry.example.com/shop/billing-worker:2.3.0",
      fixedVersions: ["2.5.0-1+deb12u1"],
      severity: "unknown",
    });

    // No groups: PYSEC and GHSA records sharing CVE-2023-44271 are joined; GHSA-3f63 stays its own.
    const pillow = findings.filter((f) => f.component === "Pillow");
    expect(pillow.map((f) => f.vulnId).sort()).toEqual(["CVE-2023-44271", "CVE-2023-50447"]);
    const dos = byId(findings, "CVE-2023-44271");
    expect(dos.aliases.sort()).toEqual(["GHSA-8ghj-p4vj-mr35", "PYSEC-2023-175"]);
    expect(dos).toMatchObject({ severity: "high", cvss3: null, fixedVersions: ["10.0.0"], assetKey: "" });
    expect(dos.title).toBe("Pillow : décompression sans limite de mémoire — ImageFont 🐍");
    expect(byId(findings, "CVE-2023-50447").cvss3).toEqual({
      vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
      score: 8.1,
    });

    expect(byId(findings, "CVE-2023-43804").fixedVersions).toEqual(["1.26.17", "2.0.6"]);

    const tornado = byId(findings, "CVE-2024-52804");
    expect(tornado).toMatchObject({
      cvss3: null,
      cvss4: { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", score: 8.7 },
      severity: "high",
    });

    const text = byId(findings, "CVE-2022-32149");
    expect(text.status).toBe("open");
    expect(text.statusDetail).toMatch(/not called/);

    const zlib = byId(findings, "CVE-2022-37434");
    expect(zlib).toMatchObject({
      component: "https://github.com/madler/zlib.git",
      version: "04f42ceca40f73e2978b50e93806c2a18c1281fc",
      ecosystem: "",
      fixedVersions: [],
      location: "src/app/third_party/zlib",
      severity: "critical",
    });
  });

  it("reads odd shapes without failing the import", async () => {
    const json =
      '{"results": [{"source": "x", "packages": [1, {"package": null, "vulnerabilities": [{"id": "GHSA-aaaa-bbbb-cccc"}, 2],' +
      ' "groups": [{"ids": "bad"}, {"ids": [], "max_severity": "high"}]}]}]}';
    const findings = await collect(osvScanner, Buffer.from(json), { name: "odd.json" });
    expect(findings.map((f) => [f.vulnId, f.component, f.severity])).toEqual([
      ["GHSA-aaaa-bbbb-cccc", "", "unknown"],
    ]);
  });

  it("takes no max_severity off the 0-10 scale as a score or a severity", async () => {
    const v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    const json = JSON.stringify({
      results: [
        {
          source: { path: "package-lock.json", type: "lockfile" },
          packages: [
            {
              package: { name: "x", version: "1", ecosystem: "npm" },
              vulnerabilities: [{ id: "GHSA-aaaa-bbbb-cccc", severity: [{ type: "CVSS_V4", score: v4 }] }],
              groups: [{ ids: ["GHSA-aaaa-bbbb-cccc"], max_severity: "98" }],
            },
          ],
        },
      ],
    });
    const [f] = await collect(osvScanner, Buffer.from(json), { name: "odd.json" });
    expect(f!.cvss4).toBeNull();
    expect(f!.severity).not.toBe("critical");
  });

  it("recognises OSV-Scanner reports and no other format's", () => {
    for (const [dir, file] of reportFixtures()) {
      const head = readFileSync(FIXTURES + dir + "/" + file, "utf8").slice(0, 64 * 1024);
      expect(osvScanner.detect(head), `${dir}/${file}`).toBe(dir === "osv-scanner");
    }
    expect(osvScanner.detect('{"results": []}')).toBe(true);
  });

  it("names the file when the JSON is truncated", async () => {
    const bytes = readFileSync(V2);
    const reading = collect(osvScanner, bytes.subarray(0, bytes.length - 40), { name: "osv.json" });
    await expect(reading).rejects.toBeInstanceOf(DetenteError);
    await expect(reading).rejects.toThrow(/^osv\.json: unexpected end of input/);
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
