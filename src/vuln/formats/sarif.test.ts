import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { identityKey } from "../fingerprint.js";
import { advisoryIdsIn, labelledLines } from "./fields.js";
import { readJsonFindings } from "./read-json.js";
import { sarif } from "./sarif.js";
import { trivy } from "./trivy.js";
import type { JsonFormat, ReadOptions } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
const CODEQL = FIXTURES + "sarif/codeql-storefront.sarif";
const TRIVY = FIXTURES + "sarif/trivy-payments-api.sarif";
const EDGE = FIXTURES + "sarif/edge-cases.sarif";

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

describe("SARIF", () => {
  it("reads CodeQL code findings with rules from the driver and from extensions", async () => {
    const findings = await read(sarif, CODEQL);
    expect(findings.map((f) => [f.vulnId, f.location, f.severity, f.title])).toEqual([
      [
        "js/sql-injection",
        "src/routes/orders.js:42",
        "high",
        "Database query built from user-controlled sources",
      ],
      ["js/reflected-xss", "src/views/search.js:17", "medium", "Reflected cross-site scripting"],
      ["js/path-injection", "src/files/download.js:23", "high", "Uncontrolled data used in path expression"],
      [
        "js/unused-local-variable",
        "src/util/format.js:5",
        "low",
        "Unused variable, import, function or class",
      ],
    ]);
    for (const f of findings) {
      expect(f).toMatchObject({
        scanner: "codeql",
        assetKey: "https://github.com/example-org/storefront",
        component: "",
        version: "",
        rule: "", // the rule id is the finding's id
        status: "open",
      });
    }
  });

  it("reads Trivy SARIF package facts from the message and the image from run properties", async () => {
    const findings = await read(sarif, TRIVY);
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      expect(f.scanner).toBe("trivy");
      expect(f.assetKey).toBe("registry.example.com/shop/payments-api:1.4.2");
    }
    expect(findings[0]).toMatchObject({
      vulnId: "CVE-2024-2511",
      component: "libssl3",
      version: "3.0.11-1~deb12u2",
      location: "", // an OS package: located by the image alone
      fixedVersions: ["3.0.13-1~deb12u1"],
      severity: "low",
      references: ["https://avd.aquasec.com/nvd/cve-2024-2511"],
    });
    expect(findings[1]).toMatchObject({
      vulnId: "CVE-2024-37890",
      component: "ws",
      location: "app/node_modules/ws/package.json",
      fixedVersions: ["5.2.4", "6.2.3", "7.5.10", "8.17.1"],
      severity: "high",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 },
    });
    expect(findings[2]).toMatchObject({
      vulnId: "CVE-2021-44228",
      severity: "critical",
      cvss3: { score: 10 },
    });

    // The same scan as Trivy JSON gives the same identities.
    const fromJson = await read(trivy, FIXTURES + "trivy/payments-api-image.json");
    expect(findings.map(identityKey)).toEqual(fromJson.map(identityKey));
  });

  it("reads edge cases: tool after results, suppressions, ruleIndex, extensions, help facts", async () => {
    const findings = await read(sarif, EDGE);
    expect(findings.map((f) => f.scanner)).toEqual([
      "semgrep oss",
      "semgrep oss",
      "semgrep oss", // the `kind: pass` result is not a finding
      "grype",
      "grype",
      "grype",
      "snyk open source",
    ]);

    const [sql, md5, secret, zlib, ws, wsGone, lodash] = findings as [
      Finding,
      Finding,
      Finding,
      Finding,
      Finding,
      Finding,
      Finding,
    ];
    // Rules and automationDetails come after the results; the results waited for them.
    expect(sql).toMatchObject({
      location: "services/billing api/views.py:88",
      severity: "high", // the rule's default level, "error"
      assetKey: "semgrep/billing-worker/2024-06-30",
      title: "Semgrep Finding: python.django.security.injection.sql.sql-injection-using-raw",
    });
    expect(md5).toMatchObject({
      severity: "medium",
      status: "accepted",
      statusDetail: "used for cache keys, not security",
    });
    expect(secret).toMatchObject({ location: "", severity: "high" });

    expect(zlib).toMatchObject({
      vulnId: "CVE-2023-45853",
      rule: "CVE-2023-45853-zlib1g",
      component: "zlib1g",
      version: "1:1.2.13.dfsg-1",
      ecosystem: "deb",
      location: "",
      fixedVersions: [],
      severity: "critical",
      assetKey: "",
    });
    // Named by ruleIndex only; the GHSA id is cut out of Grype's "<id>-<package>" rule id.
    expect(ws).toMatchObject({
      vulnId: "GHSA-3h5v-q93c-6h6q",
      rule: "GHSA-3h5v-q93c-6h6q-ws",
      component: "ws",
      version: "8.13.0",
      ecosystem: "npm",
      fixedVersions: ["8.17.1"],
      status: "open",
    });
    expect(wsGone.status).toBe("fixed");

    expect(lodash).toMatchObject({
      vulnId: "CVE-2021-23337",
      rule: "SNYK-JS-LODASH-1040724",
      component: "lodash",
      ecosystem: "npm",
      location: "package.json",
      severity: "high",
      assetKey: "https://github.com/example-org/storefront",
    });
  });

  it("skips results that name no rule instead of failing the import", async () => {
    const json =
      '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": 5, "rules": "x"}}, "automationDetails": 1,' +
      ' "results": [1, null, {"ruleIndex": 99}, {"ruleId": "r1", "locations": "x", "level": true}]}]}';
    const findings = await collect(sarif, Buffer.from(json), { name: "odd.sarif" });
    expect(findings.map((f) => [f.vulnId, f.scanner, f.location, f.severity])).toEqual([
      ["r1", "5", "", "medium"],
    ]);
  });

  it("lets --asset override every run's asset", async () => {
    const findings = await read(sarif, EDGE, { assetKey: "billing-worker" });
    expect(new Set(findings.map((f) => f.assetKey))).toEqual(new Set(["billing-worker"]));
  });

  it("recognises SARIF reports and no other format's", () => {
    for (const [dir, file] of reportFixtures()) {
      const head = readFileSync(FIXTURES + dir + "/" + file, "utf8").slice(0, 64 * 1024);
      expect(sarif.detect(head), `${dir}/${file}`).toBe(dir === "sarif");
    }
  });

  it("names the file when the JSON is truncated", async () => {
    const bytes = readFileSync(EDGE);
    const reading = collect(sarif, bytes.subarray(0, 3000), { name: "results.sarif" });
    await expect(reading).rejects.toBeInstanceOf(DetenteError);
    await expect(reading).rejects.toThrow(/^results\.sarif: unexpected end of input/);
  });
});

describe("advisoryIdsIn", () => {
  it("finds CVE and GHSA ids in rule ids and prose, once each, in order", () => {
    expect(advisoryIdsIn("CVE-2023-45853-zlib1g")).toEqual(["CVE-2023-45853"]);
    expect(advisoryIdsIn("GHSA-3h5v-q93c-6h6q-ws")).toEqual(["GHSA-3h5v-q93c-6h6q"]);
    expect(advisoryIdsIn("(CVE-2021-23337) and CVE-2021-23337, see GHSA-35jh-r3h4-6jhm")).toEqual([
      "CVE-2021-23337",
      "GHSA-35jh-r3h4-6jhm",
    ]);
  });

  it("skips look-alikes", () => {
    expect(
      advisoryIdsIn("XCVE-2021-1234 CVE-21-1234 CVE-2021-123 GHSA-abc-defg-hijk js/sql-injection"),
    ).toEqual([]);
  });
});

describe("labelledLines", () => {
  it("reads Label: value lines, bullets too, keeping the first and empty values", () => {
    const lines = labelledLines(
      "Package: ws\nInstalled Version: 8.13.0\nFixed Version: \n* Vulnerable module: lodash\nPackage: other\nsee https://x",
    );
    expect(lines.get("package")).toBe("ws");
    expect(lines.get("installed version")).toBe("8.13.0");
    expect(lines.get("fixed version")).toBe("");
    expect(lines.get("vulnerable module")).toBe("lodash");
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
