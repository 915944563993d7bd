import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadIntelIndex } from "./load-index.js";
import { buildIntelIndex } from "./lookup.js";
import type { CvssEntry, KevEntry, VulnrichmentSsvc } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/intel/", import.meta.url));

const kev: KevEntry = {
  cve: "CVE-2024-3400",
  vendorProject: "Palo Alto Networks",
  product: "PAN-OS",
  name: "Palo Alto Networks PAN-OS Command Injection Vulnerability",
  dateAdded: "2024-04-12",
  dueDate: "2024-04-19",
  requiredAction: "Apply mitigations per vendor instructions.",
  ransomware: false,
};
const v31 = { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 10 };
const v40 = { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", score: 10 };

function ssvc(timestamp: string, exploitation: VulnrichmentSsvc["exploitation"]): VulnrichmentSsvc {
  return { cve: "CVE-2024-3400", exploitation, automatable: "yes", technicalImpact: "total", timestamp };
}

describe("buildIntelIndex", () => {
  it("merges every source about a CVE into one record, matching ids case-insensitively", () => {
    const index = buildIntelIndex({
      kev: [kev],
      epss: new Map([["CVE-2024-3400", { cve: "CVE-2024-3400", score: 0.94, percentile: 0.999 }]]),
      ssvc: [ssvc("2024-04-13T00:00:00Z", "active")],
    });
    expect(index.size).toBe(1);
    expect(index.get("cve-2024-3400 ")).toEqual({
      kev,
      epss: { cve: "CVE-2024-3400", score: 0.94, percentile: 0.999 },
      ssvc: ssvc("2024-04-13T00:00:00Z", "active"),
      cvss: undefined,
    });
    expect(index.get("CVE-2024-0001")).toBeUndefined();
  });

  it("keeps the newer of two SSVC assessments, whatever their order", () => {
    const older = ssvc("2024-04-12T10:00:00Z", "poc");
    const newer = ssvc("2024-04-13T10:00:00Z", "active");
    expect(buildIntelIndex({ ssvc: [older, newer] }).get("CVE-2024-3400")?.ssvc).toEqual(newer);
    expect(buildIntelIndex({ ssvc: [newer, older] }).get("CVE-2024-3400")?.ssvc).toEqual(newer);
  });

  it("takes each CVSS version from the most trusted source that has it and names the sources", () => {
    const nvd: CvssEntry = { cve: "CVE-2024-3400", cvss3: v31, cvss4: null, source: "nvd" };
    const cisa: CvssEntry = {
      cve: "CVE-2024-3400",
      cvss3: { ...v31, score: 9.9 },
      cvss4: v40,
      source: "vulnrichment",
    };
    const merged = buildIntelIndex({ cvss: [cisa, nvd] }).get("CVE-2024-3400")?.cvss;
    expect(merged).toEqual({ cve: "CVE-2024-3400", cvss3: v31, cvss4: v40, source: "nvd+vulnrichment" });

    const preferCisa = buildIntelIndex({ cvss: [nvd, cisa] }, { cvssPreference: ["vulnrichment", "nvd"] });
    expect(preferCisa.get("CVE-2024-3400")?.cvss).toEqual({ ...cisa, source: "vulnrichment" });
  });

  it("lets a later load of the same source replace an earlier one", () => {
    const year: CvssEntry = {
      cve: "CVE-2024-3400",
      cvss3: { ...v31, score: 9.8 },
      cvss4: null,
      source: "nvd",
    };
    const modified: CvssEntry = { cve: "CVE-2024-3400", cvss3: v31, cvss4: null, source: "nvd" };
    expect(buildIntelIndex({ cvss: [year, modified] }).get("CVE-2024-3400")?.cvss?.cvss3).toEqual(v31);
  });
});

describe("loadIntelIndex", () => {
  it("builds a lookup from intel files of every kind", async () => {
    const { index, files } = await loadIntelIndex([
      join(FIXTURES, "kev/kev-small.json"),
      join(FIXTURES, "epss/epss-small.csv.gz"),
      join(FIXTURES, "nvd/nvd-page.json"),
      join(FIXTURES, "vulnrichment/tree"),
    ]);
    expect(files.map((f) => [f.meta.source, f.meta.count])).toEqual([
      ["kev", 4],
      ["epss", 10],
      ["nvd", 3],
      ["vulnrichment", 7],
    ]);
    expect(index.get("CVE-2023-22515")).toMatchObject({
      kev: { ransomware: true, dueDate: "2023-10-13" },
      epss: { score: 0.94288, date: "2025-08-25" },
      cvss: { cvss3: { score: 9.8 }, source: "nvd" },
    });
    expect(index.get("CVE-2015-2051")).toMatchObject({
      kev: { ransomware: false },
      ssvc: { exploitation: "active", automatable: "no", technicalImpact: "total" },
      cvss: { cvss3: { score: 8.8 }, source: "vulnrichment" },
    });
  });
});
