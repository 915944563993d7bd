import { describe, expect, it } from "vitest";
import type { IntelRecord } from "../intel/types.js";
import { assess, type DecideInput } from "./assess.js";
import { decide } from "./decide.js";
import { DEFAULT_TRIAGE_POLICY, defaultAssetContext, parseTriagePolicy } from "./policy.js";
import { aFinding, aKev, anAsset, aSsvc } from "./testing.js";

const policy = DEFAULT_TRIAGE_POLICY;
const now = "2024-04-12";
const V3_NET = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

function input(over: Partial<DecideInput> = {}): DecideInput {
  return { finding: aFinding(), intel: undefined, asset: anAsset(), policy, now, ...over };
}

function point(over: Partial<DecideInput>, name: keyof ReturnType<typeof decide>["points"]) {
  return decide(input(over)).points[name];
}

describe("Exploitation precedence", () => {
  const kev = aKev({ ransomware: true });
  const cases: [string, Partial<DecideInput>, string, string][] = [
    ["KEV beats everything", { intel: { kev, ssvc: aSsvc({ exploitation: "none" }) } }, "active", "kev"],
    ["Vulnrichment active", { intel: { ssvc: aSsvc({ exploitation: "active" }) } }, "active", "vulnrichment"],
    [
      "scanner known-exploited beats Vulnrichment poc",
      { finding: aFinding({ knownExploited: true }), intel: { ssvc: aSsvc({ exploitation: "poc" }) } },
      "active",
      "scanner",
    ],
    [
      "Vulnrichment poc beats scanner exploit flag and EPSS",
      {
        finding: aFinding({ exploitAvailable: true }),
        intel: { ssvc: aSsvc({ exploitation: "poc" }), epss: { score: 0.5, percentile: 0.99 } },
      },
      "poc",
      "vulnrichment",
    ],
    [
      "scanner exploit-available beats EPSS",
      { finding: aFinding({ exploitAvailable: true }), intel: { epss: { score: 0.5, percentile: 0.99 } } },
      "poc",
      "scanner",
    ],
    [
      "EPSS at the threshold beats Vulnrichment none",
      { intel: { ssvc: aSsvc({ exploitation: "none" }), epss: { score: 0.1, percentile: 0.9 } } },
      "poc",
      "epss",
    ],
    [
      "EPSS below the threshold leaves Vulnrichment none",
      { intel: { ssvc: aSsvc({ exploitation: "none" }), epss: { score: 0.09, percentile: 0.9 } } },
      "none",
      "vulnrichment",
    ],
    ["nothing known: policy default", { intel: undefined }, "none", "default"],
    [
      "scanner's known-exploited false is not evidence",
      { finding: aFinding({ knownExploited: false }) },
      "none",
      "default",
    ],
  ];
  it.each(cases)("%s", (_name, over, value, source) => {
    const p = point(over, "exploitation");
    expect([p.value, p.source]).toEqual([value, source]);
  });

  it("prefers loaded EPSS over the scanner's copy", () => {
    const p = point(
      {
        finding: aFinding({ epss: { score: 0.9, percentile: 0.99 } }),
        intel: { epss: { score: 0.01, percentile: 0.5 } },
      },
      "exploitation",
    );
    expect(p.source).toBe("default");
  });

  it("uses the scanner's EPSS when no intel is loaded, and names EPSS and threshold", () => {
    const p = point({ finding: aFinding({ epss: { score: 0.94, percentile: 0.975 } }) }, "exploitation");
    expect(p).toEqual({
      value: "poc",
      source: "epss",
      detail: "EPSS 0.94 (97th percentile) is above the policy threshold 0.1",
    });
  });

  it("says when the KEV entry is and whether ransomware use is known", () => {
    expect(point({ intel: { kev } }, "exploitation").detail).toBe(
      "listed in CISA KEV since 2024-03-29 (ransomware use known)",
    );
  });

  it("follows the policy's default and threshold", () => {
    const strict = parseTriagePolicy(
      { epssThreshold: 0.5, defaults: { exploitation: "poc" } },
      "detente.yaml",
    );
    const p = decide(input({ policy: strict, intel: { epss: { score: 0.3, percentile: 0.98 } } })).points
      .exploitation;
    expect([p.value, p.source]).toEqual(["poc", "default"]);
  });
});

describe("Automatable and Technical Impact", () => {
  it("take Vulnrichment over the CVSS vector", () => {
    const intel: IntelRecord = { ssvc: aSsvc({ automatable: "no", technicalImpact: "partial" }) };
    const d = decide(input({ finding: aFinding({ cvss3: { vector: V3_NET, score: 9.8 } }), intel }));
    expect([d.points.automatable.value, d.points.automatable.source]).toEqual(["no", "vulnrichment"]);
    expect([d.points.technicalImpact.value, d.points.technicalImpact.source]).toEqual([
      "partial",
      "vulnrichment",
    ]);
  });

  it("derive from a CVSS v3.1 vector, naming the metrics", () => {
    const d = decide(input({ finding: aFinding({ cvss3: { vector: V3_NET, score: 9.8 } }) }));
    expect(d.points.automatable).toEqual({
      value: "yes",
      source: "cvss",
      detail:
        "CVSS 3.1 vector has AV:N/AC:L/PR:N/UI:N: a network attack needing no privileges or user action",
    });
    expect(d.points.technicalImpact).toEqual({
      value: "total",
      source: "cvss",
      detail: "CVSS 3.1 vector has C:H/I:H: high confidentiality and integrity impact",
    });
  });

  it("derive from a CVSS v4.0 vector, where attack requirements must be none", () => {
    const vector = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N";
    const d = decide(input({ finding: aFinding({ cvss4: { vector, score: 8 } }) }));
    expect(d.points.automatable.value).toBe("no");
    expect(d.points.automatable.detail).toBe(
      "CVSS 4.0 vector has AV:N/AC:L/AT:P/PR:N/UI:N, not all of AV:N/AC:L/AT:N/PR:N/UI:N",
    );
    expect(d.points.technicalImpact.value).toBe("partial");
  });

  it("prefer the loaded intel vector over the scanner's", () => {
    const intel: IntelRecord = {
      cvss: { cve: "CVE-2024-3094", cvss3: { vector: V3_NET, score: 9.8 }, cvss4: null, source: "nvd" },
    };
    const local = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
    expect(
      point({ finding: aFinding({ cvss3: { vector: local, score: 7.8 } }), intel }, "automatable").value,
    ).toBe("yes");
  });

  it("fall back to the policy defaults without Vulnrichment or a usable vector", () => {
    const finding = aFinding({ cvss3: { vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", score: 7.5 } });
    const d = decide(input({ finding }));
    expect([d.points.automatable.value, d.points.automatable.source]).toEqual(["no", "default"]);
    expect([d.points.technicalImpact.value, d.points.technicalImpact.source]).toEqual(["partial", "default"]);
  });
});

describe("asset context points", () => {
  it("map criticality, data classification and exposure through the policy", () => {
    const d = decide(
      input({ asset: anAsset({ criticality: "low", dataClassification: "phi", exposure: "isolated" }) }),
    );
    expect(d.points.missionWellbeing.value).toBe("medium"); // minimal prevalence x material well-being
    expect(d.points.missionWellbeing.source).toBe("asset");
    expect(d.points.systemExposure.value).toBe("small");
    expect(d.points.humanImpact.value).toBe("low");
  });

  it("raise mission & well-being for regulated data only through the well-being table", () => {
    const internal = decide(
      input({ asset: anAsset({ criticality: "high", dataClassification: "internal" }) }),
    );
    const irreversible = parseTriagePolicy({ publicWellbeing: { safety: "irreversible" } }, "detente.yaml");
    const safety = decide(
      input({ policy: irreversible, asset: anAsset({ criticality: "high", dataClassification: "Safety" }) }),
    );
    expect(internal.points.missionWellbeing.value).toBe("medium");
    expect(safety.points.missionWellbeing.value).toBe("high");
  });

  it("do not treat a data class named like an Object property as mapped", () => {
    const d = decide(input({ asset: anAsset({ criticality: "low", dataClassification: "constructor" }) }));
    expect(d.points.missionWellbeing.value).toBe("low");
  });

  it("use the default context for an unmatched finding and say so", () => {
    const d = decide(input({ asset: defaultAssetContext(policy, "host-17") }));
    expect(d.points.systemExposure).toEqual({
      value: "controlled",
      source: "default",
      detail: "no asset matched; using the default context: internal",
    });
    expect(d.points.missionWellbeing.detail).toMatch(/^no asset matched; using the default context: /);
    expect(d.reasons.find((r) => r.code === "no-asset")?.text).toBe(
      "No asset matched registry.example.com/payments-api:1.4.2; using the default context (medium-criticality, internal)",
    );
  });
});

describe("closed findings", () => {
  it.each(["fixed", "not_affected", "false_positive", "accepted"] as const)(
    "%s is decided but never escalatable",
    (status) => {
      const finding = aFinding({ status, cvss3: { vector: V3_NET, score: 9.8 } });
      const d = decide(input({ finding, intel: { kev: aKev() } }));
      expect(d.outcome).toBe("act");
      expect(d.escalatable).toBe(false);
      expect(d.reasons[0]?.code).toBe("closed");
    },
  );

  it.each(["open", "under_investigation"] as const)("%s stays escalatable", (status) => {
    expect(assess(input({ finding: aFinding({ status }) })).escalatable).toBe(true);
  });
});

describe("assess", () => {
  it("gives the same outcome, priority, score and due date as decide", () => {
    const over: Partial<DecideInput> = {
      finding: aFinding({ cvss3: { vector: V3_NET, score: 9.8 } }),
      intel: { epss: { score: 0.3, percentile: 0.96 } },
      firstSeen: "2024-03-01",
    };
    const a = assess(input(over));
    const d = decide(input(over));
    expect([a.outcome, a.deployer, a.score]).toEqual([d.outcome, d.deployer, d.score]);
  });

  it("rejects a now that is not a date", () => {
    expect(() => assess(input({ now: "yesterday" }))).toThrow(/now is not a date/);
  });
});
