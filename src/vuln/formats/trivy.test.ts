import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../finding.js";
import { readJsonFindings } from "./read-json.js";
import { openReport } from "./read.js";
import { trivy } from "./trivy.js";

type Json = Record<string, unknown>;

async function read(doc: Json): Promise<Finding[]> {
  const out: Finding[] = [];
  const chunks = Readable.from([Buffer.from(JSON.stringify(doc))]);
  for await (const batch of readJsonFindings(trivy, chunks, { name: "trivy.json" })) out.push(...batch);
  return out;
}

function vuln(id: string, extra: Json = {}): Json {
  return {
    VulnerabilityID: id,
    PkgName: "openssl",
    InstalledVersion: "3.0.7-r0",
    PkgIdentifier: { PURL: "pkg:apk/alpine/openssl@3.0.7-r0" },
    Severity: "HIGH",
    ...extra,
  };
}

/** A Kubernetes report: one resource per [namespace, kind, name], each with one OS result. */
function k8s(resources: readonly (readonly [string, string, string, readonly Json[]])[]): Json {
  return {
    ClusterName: "c",
    Resources: resources.map(([Namespace, Kind, Name, vulns]) => ({
      Namespace,
      Kind,
      Name,
      Results: [
        { Target: `reg/${Name}:1 (alpine 3.19)`, Class: "os-pkgs", Type: "alpine", Vulnerabilities: vulns },
      ],
    })),
  };
}

describe("trivy JSON", () => {
  it("keeps vendor ids as aliases only when the report gives some", async () => {
    const [plain, vendor, padded] = await read(
      k8s([
        [
          "ns",
          "Deployment",
          "api",
          [
            vuln("CVE-2024-1"),
            vuln("GHSA-aaaa-bbbb-cccc", { VendorIDs: ["CVE-2024-20002", "ALPINE-9"] }),
            vuln("  CVE-2024-3 "),
          ],
        ],
      ]),
    );
    expect(plain).toMatchObject({ vulnId: "CVE-2024-1", aliases: [] });
    expect(vendor).toMatchObject({ vulnId: "CVE-2024-20002", aliases: ["GHSA-aaaa-bbbb-cccc", "ALPINE-9"] });
    expect(padded).toMatchObject({ vulnId: "CVE-2024-3", aliases: [] });
  });

  it("takes CVSS from the severity source, then NVD, then the first vendor that has it", async () => {
    const cvss = {
      ghsa: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", V3Score: 7.3 },
      redhat: {
        V3Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        V3Score: 7.8,
        V40Vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        V40Score: 8.5,
      },
      nvd: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: 9.8 },
    };
    const [fromSource, fromNvd, fromFirst, none] = await read(
      k8s([
        [
          "ns",
          "Deployment",
          "api",
          [
            vuln("CVE-1", { CVSS: cvss, SeveritySource: "redhat" }),
            vuln("CVE-2", { CVSS: cvss }),
            vuln("CVE-3", { CVSS: { ghsa: cvss.ghsa, "": cvss.nvd, redhat: { V3Score: "7.8" } } }),
            vuln("CVE-4", { CVSS: "not an object" }),
          ],
        ],
      ]),
    );
    expect([fromSource!.cvss3?.score, fromSource!.cvss4?.score]).toEqual([7.8, 8.5]);
    // NVD's v3 first; v4 only the Red Hat entry has.
    expect([fromNvd!.cvss3?.score, fromNvd!.cvss4?.score]).toEqual([9.8, 8.5]);
    expect([fromFirst!.cvss3?.score, fromFirst!.cvss4]).toEqual([7.3, null]);
    expect([none!.cvss3, none!.cvss4]).toEqual([null, null]);
  });

  it("splits fixed versions and names each workload's findings by namespace, kind and name", async () => {
    const findings = await read(
      k8s([
        ["ns", "Deployment", "api", [vuln("CVE-1", { FixedVersion: "3.0.8-r0, 3.1.1-r0" })]],
        ["ns", "Deployment", "api", [vuln("CVE-2", { FixedVersion: " 3.0.8-r0 " })]],
        ["", "Pod", "loose", [vuln("CVE-3", { FixedVersion: "" })]],
        ["ns", "Deployment", "web", [vuln("CVE-4", { FixedVersion: "," })]],
      ]),
    );
    expect(findings.map((f) => [f.assetKey, f.location, f.ecosystem, f.fixedVersions])).toEqual([
      ["ns/Deployment/api", "reg/api:1", "apk", ["3.0.8-r0", "3.1.1-r0"]],
      ["ns/Deployment/api", "reg/api:1", "apk", ["3.0.8-r0"]],
      ["Pod/loose", "reg/loose:1", "apk", []],
      ["ns/Deployment/web", "reg/web:1", "apk", []],
    ]);
  });

  it("takes the ecosystem from the result type when the package has no purl", async () => {
    const doc = {
      SchemaVersion: 2,
      ArtifactName: "repo",
      Results: [
        {
          Target: "go.sum",
          Class: "lang-pkgs",
          Type: "gomod",
          Vulnerabilities: [vuln("CVE-1", { PkgIdentifier: {} })],
        },
        {
          Target: "package-lock.json",
          Class: "lang-pkgs",
          Type: "npm",
          Vulnerabilities: [vuln("CVE-2", { PkgIdentifier: {} })],
        },
      ],
    };
    expect((await read(doc)).map((f) => [f.assetKey, f.location, f.ecosystem])).toEqual([
      ["repo", "go.sum", "golang"],
      ["repo", "package-lock.json", "npm"],
    ]);
  });

  it("skips entries that are not vulnerabilities (null, numbers, lists, no id) instead of making empty findings", async () => {
    const doc = {
      SchemaVersion: 2,
      ArtifactName: "repo",
      Results: [
        {
          Target: "alpine",
          Class: "os-pkgs",
          Type: "alpine",
          Vulnerabilities: [null, 1, [], "CVE-9", vuln("CVE-1"), { PkgName: "x" }, vuln("  ")],
        },
      ],
    };
    expect((await read(doc)).map((f) => f.vulnId)).toEqual(["CVE-1"]);
  });

  it("takes no CVSS score off the 0-10 scale: the vector's computed score instead", async () => {
    const v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const doc = {
      SchemaVersion: 2,
      ArtifactName: "repo",
      Results: [
        {
          Target: "alpine",
          Class: "os-pkgs",
          Type: "alpine",
          Vulnerabilities: [
            vuln("CVE-1", {
              CVSS: { nvd: { V3Vector: v3, V3Score: 98 }, redhat: { V3Vector: v3, V3Score: 9.1 } },
            }),
            vuln("CVE-2", {
              CVSS: { nvd: { V3Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", V3Score: -1 } },
            }),
          ],
        },
      ],
    };
    expect((await read(doc)).map((f) => f.cvss3?.score ?? null)).toEqual([9.8, 5.5]);
  });

  it("says which assets it scanned for vulnerabilities, including one with none, and not a secret scan or a failed one", async () => {
    const scanned: string[] = [];
    const readScans = async (doc: Json, assetKey?: string): Promise<void> => {
      const chunks = Readable.from([Buffer.from(JSON.stringify(doc))]);
      const options = {
        name: "t.json",
        assetKey,
        onScanned: (t: { assetKey: string; scanner: string }) => scanned.push(`${t.scanner} ${t.assetKey}`),
      };
      for await (const batch of readJsonFindings(trivy, chunks, options))
        expect(batch.length).toBeGreaterThan(0);
    };
    const clean = { Target: "reg/app:1 (alpine 3.19)", Class: "os-pkgs", Type: "alpine" };
    await readScans({ SchemaVersion: 2, ArtifactName: "reg/app:1", Results: [clean] });
    await readScans({ SchemaVersion: 2, ArtifactName: "reg/app:1", Results: [clean] }, "override");
    // Nothing says a vulnerability scan ran: no results, or only secrets and misconfigurations.
    await readScans({ SchemaVersion: 2, ArtifactName: "no-results" });
    await readScans({
      SchemaVersion: 2,
      ArtifactName: "secrets-only",
      Results: [{ Target: "/app/.env", Class: "secret", Secrets: [] }],
    });
    const doc = k8s([
      ["prod", "Deployment", "web", []],
      ["", "Pod", "job", [vuln("CVE-1")]],
    ]);
    // A workload whose image could not be pulled: an error, no results.
    (doc.Resources as Json[]).push({
      Namespace: "prod",
      Kind: "Deployment",
      Name: "broken",
      Error: "unable to pull image",
    });
    await readScans(doc);
    expect(scanned).toEqual([
      "trivy reg/app:1",
      "trivy override",
      "trivy prod/Deployment/web",
      "trivy Pod/job",
    ]);
  });

  describe("a report larger than the read buffer", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "detente-trivy-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads every finding, with text that spans chunk boundaries intact", async () => {
      // About 3 MiB: several reads into the two buffers that take turns, with multi-byte characters at every
      // offset.
      const vulns = Array.from({ length: 3000 }, (_, i) =>
        vuln(`CVE-2024-${10_000 + i}`, {
          Title: `ünïcode ${"日".repeat(i % 7)} #${i}`,
          Description: "d".repeat(1000),
        }),
      );
      const path = join(dir, "big.json");
      await writeFile(path, JSON.stringify(k8s([["ns", "Deployment", "api", vulns]])));
      const report = await openReport(path);
      const findings: Finding[] = [];
      for await (const batch of report.findings) findings.push(...batch);
      expect(report.bytesRead()).toBeGreaterThan(3 * 1024 * 1024);
      expect(findings.map((f) => f.title)).toEqual(vulns.map((v) => v.Title));
      expect(findings.map((f) => f.vulnId)).toEqual(vulns.map((v) => v.VulnerabilityID));
    });

    it("reads a report written with a UTF-8 byte order mark (as .NET and PowerShell tools write)", async () => {
      const path = join(dir, "bom.json");
      const doc = {
        SchemaVersion: 2,
        ArtifactName: "app",
        Results: [{ Target: "app", Vulnerabilities: [vuln("CVE-2024-1")] }],
      };
      await writeFile(
        path,
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(doc))]),
      );
      const report = await openReport(path);
      const findings: Finding[] = [];
      for await (const batch of report.findings) findings.push(...batch);
      expect(findings.map((f) => f.vulnId)).toEqual(["CVE-2024-1"]);
    });
  });
});
