import { describe, expect, it } from "vitest";
import { chooseCvss, vectorFacts } from "./cvss.js";
import { aFinding } from "./testing.js";

describe("vectorFacts", () => {
  it("reads automatable and total impact from CVSS 3.x", () => {
    expect(vectorFacts("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toEqual({
      version: "3.1",
      automatable: true,
      totalImpact: true,
      exploitMetrics: "AV:N/AC:L/PR:N/UI:N",
      impactMetrics: "C:H/I:H",
    });
    expect(vectorFacts("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N")).toMatchObject({
      automatable: false,
      totalImpact: false,
    });
  });

  it("reads CVSS 4.0, which also needs AT:N to be automatable", () => {
    expect(vectorFacts("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).toMatchObject({
      version: "4.0",
      automatable: true,
      totalImpact: true,
      impactMetrics: "VC:H/VI:H",
    });
    expect(vectorFacts("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?.automatable).toBe(
      false,
    );
  });

  it("returns null for v2, unknown versions, missing metrics and junk", () => {
    for (const v of [
      "AV:N/AC:L/Au:N/C:P/I:P/A:P",
      "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
      "CVSS:3.1/AV:N/AC:L/PR:N/S:U/C:H/I:H/A:H",
      "CVSS:3.1/AV:N//AC:L",
      "CVSS:3.1/" + "AV:N/".repeat(100),
      "",
    ]) {
      expect(vectorFacts(v), v).toBeNull();
    }
  });
});

describe("chooseCvss", () => {
  const v31 = { vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7.8 };
  const v40 = { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 9.3 };

  it("prefers intel over the scanner and v4.0 over v3.x", () => {
    const f = aFinding({ cvss3: v31, cvss4: v40 });
    expect(chooseCvss(f, undefined)).toMatchObject({ cvss: v40, from: "scanner" });
    const intel = { cvss: { cve: "CVE-2024-3094", cvss3: v31, cvss4: null, source: "nvd" } };
    expect(chooseCvss(f, intel)).toMatchObject({ cvss: v31, from: "nvd" });
  });

  it("keeps an unparseable CVSS for its score only", () => {
    const f = aFinding({ cvss3: { vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", score: 7.5 } });
    expect(chooseCvss(f, undefined)).toEqual({ cvss: f.cvss3, from: "scanner", facts: null });
    expect(chooseCvss(aFinding(), undefined)).toBeNull();
  });
});
