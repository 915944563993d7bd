import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { identityKey } from "../fingerprint.js";
import { cyclonedx } from "./cyclonedx.js";
import { packageName, parsePurl } from "./fields.js";
import { readJsonFindings } from "./read-json.js";
import { trivy } from "./trivy.js";
import type { JsonFormat, ReadOptions } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
const TRIVY_CDX = FIXTURES + "cyclonedx/trivy-payments-api.cdx.json";
const VEX = FIXTURES + "cyclonedx/billing-worker-vex.cdx.json";

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

function find(findings: readonly Finding[], vulnId: string, component: string): Finding {
  const f = findings.find((x) => x.vulnId === vulnId && x.component === component);
  if (!f) throw new Error(`no finding ${vulnId} on ${component}`);
  return f;
}

describe("CycloneDX", () => {
  it("reads a Trivy SBOM with vulnerabilities, resolving components by bom-ref", async () => {
    const findings = await read(cyclonedx, TRIVY_CDX);
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      expect(f.scanner).toBe("trivy");
      expect(f.assetKey).toBe("registry.example.com/shop/payments-api:1.4.2");
      expect(f.status).toBe("open");
    }
    expect(find(findings, "CVE-2024-2511", "libssl3")).toMatchObject({
      version: "3.0.11-1~deb12u2",
      ecosystem: "deb",
      location: "",
      fixedVersions: ["3.0.13-1~deb12u1"],
      severity: "low", // the rating of the vulnerability's own source (debian), not Red Hat's CVSS
      cvss3: { vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 5.9 },
    });
    expect(find(findings, "CVE-2024-37890", "ws")).toMatchObject({
      location: "app/node_modules/ws/package.json",
      fixedVersions: ["5.2.4", "6.2.3", "7.5.10", "8.17.1"],
      severity: "high",
    });
    expect(find(findings, "CVE-2021-44228", "org.apache.logging.log4j:log4j-core")).toMatchObject({
      aliases: ["GHSA-jfh8-c2jp-5v3q"],
      ecosystem: "maven",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      severity: "critical",
      cvss3: { score: 10 },
    });

    // The same scan as Trivy JSON gives the same identities.
    const fromJson = await read(trivy, FIXTURES + "trivy/payments-api-image.json");
    expect(findings.map(identityKey)).toEqual(fromJson.map(identityKey));
  });

  it("reads a VEX whose vulnerabilities come before their components and metadata", async () => {
    const findings = await read(cyclonedx, VEX);
    expect(findings).toHaveLength(7);
    for (const f of findings) {
      expect(f.assetKey).toBe("billing-worker@2.3.0");
      expect(f.scanner).toBe("vex-hub");
    }

    expect(find(findings, "CVE-2023-45133", "@babel/traverse")).toMatchObject({
      aliases: ["GHSA-67hx-6x53-jw92"],
      version: "7.22.5",
      ecosystem: "npm",
      location: "srv/billing-worker/package-lock.json",
      fixedVersions: ["7.23.2"], // from the unaffected vers: range
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", score: 9.6 },
      severity: "critical",
      status: "open",
      statusDetail: "Build tooling compiles third-party plugins from the internal registry.",
    });

    // One vulnerability, two affected components: one matched by purl, one in another BOM.
    const braces = findings.filter((f) => f.vulnId === "CVE-2024-4068");
    expect(braces.map((f) => `${f.component}@${f.version}`)).toEqual(["braces@3.0.2", "braces@2.3.2"]);
    for (const f of braces) {
      expect(f.aliases).toEqual(["GHSA-grv7-fg5c-xmjg"]);
      expect(f.status).toBe("not_affected");
      expect(f.statusDetail).toBe(
        "code_not_reachable: braces is only used by the dev-server file watcher — nicht in Produktion ausgeliefert.",
      );
    }

    expect(find(findings, "CVE-2024-39338", "axios")).toMatchObject({
      cvss3: null,
      cvss4: { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", score: 8.7 },
      severity: "high",
      status: "under_investigation",
      fixedVersions: ["1.7.4"],
      location: "srv/billing-worker/package-lock.json",
    });
    expect(find(findings, "BW-2024-0007", "billing-worker")).toMatchObject({
      version: "2.3.0",
      severity: "unknown",
      status: "fixed",
      statusDetail: "Fixed in 2.3.0 by using mkstemp.",
    });
    expect(find(findings, "CVE-2022-25883", "billing-worker-api")).toMatchObject({
      status: "false_positive",
      severity: "high",
    });
    // No analysis, but the component's version is listed as unaffected.
    expect(find(findings, "CVE-2021-44906", "minimist")).toMatchObject({
      status: "not_affected",
      fixedVersions: [],
      severity: "critical",
    });
  });

  it("reads odd shapes without failing the import", async () => {
    const json =
      '{"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": 7, "components": [5, {"bom-ref": {}}],' +
      ' "vulnerabilities": [null, {"affects": [{"ref": "x"}]}, {"id": "CVE-2024-1", "ratings": "x", "affects": [{"ref": 7}]}]}';
    const findings = await collect(cyclonedx, Buffer.from(json), { name: "odd.cdx.json" });
    expect(findings.map((f) => [f.vulnId, f.component, f.assetKey, f.severity])).toEqual([
      ["CVE-2024-1", "7", "", "unknown"],
    ]);
  });

  it("lets --asset override the BOM's component", async () => {
    const findings = await read(cyclonedx, VEX, { assetKey: "billing" });
    expect(findings).toHaveLength(7);
    expect(new Set(findings.map((f) => f.assetKey))).toEqual(new Set(["billing"]));
  });

  it("recognises CycloneDX documents and no other format's", () => {
    for (const [dir, file] of reportFixtures()) {
      const head = readFileSync(FIXTURES + dir + "/" + file, "utf8").slice(0, 64 * 1024);
      expect(cyclonedx.detect(head), `${dir}/${file}`).toBe(dir === "cyclonedx");
    }
  });

  it("names the file when the JSON is truncated", async () => {
    const bytes = readFileSync(VEX);
    const reading = collect(cyclonedx, bytes.subarray(0, 1500), { name: "vex.cdx.json" });
    await expect(reading).rejects.toBeInstanceOf(DetenteError);
    await expect(reading).rejects.toThrow(/^vex\.cdx\.json: unexpected end of input/);
  });
});

describe("parsePurl and packageName", () => {
  it("splits and decodes package URLs, scoped npm names included", () => {
    expect(parsePurl("pkg:npm/%40babel/traverse@7.22.5?foo=bar#sub")).toEqual({
      type: "npm",
      namespace: "@babel",
      name: "traverse",
      version: "7.22.5",
    });
    expect(parsePurl("pkg:npm/@babel/core")).toEqual({
      type: "npm",
      namespace: "@babel",
      name: "core",
      version: "",
    });
    expect(parsePurl("pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64")?.version).toBe("1:1.2.13.dfsg-1");
    expect(parsePurl("billing-worker@2.3.0")).toBeNull();
  });

  it("spells Maven packages group:artifact whatever the scanner reported", () => {
    expect(packageName("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")).toBe(
      "org.apache.logging.log4j:log4j-core",
    );
    expect(
      packageName(
        "org.apache.logging.log4j:log4j-core",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      ),
    ).toBe("org.apache.logging.log4j:log4j-core");
    expect(packageName("ws", "pkg:npm/ws@8.13.0")).toBe("ws");
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
