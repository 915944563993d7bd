import { describe, expect, it } from "vitest";
import { decide, type DecideInput } from "./decide.js";
import { DEFAULT_TRIAGE_POLICY } from "./policy.js";
import { aFinding, aKev, anAsset, aSsvc } from "./testing.js";

const V3_NET = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    finding: aFinding({ cvss3: { vector: V3_NET, score: 9.8 } }),
    intel: undefined,
    asset: anAsset(),
    policy: DEFAULT_TRIAGE_POLICY,
    now: "2024-04-12",
    firstSeen: "2024-04-10",
    ...over,
  };
}

describe("decide", () => {
  it("escalates a KEV finding on a mission-critical internet-facing asset to Act, with reasons in order", () => {
    const d = decide(
      input({ intel: { kev: aKev({ ransomware: true }), epss: { score: 0.94, percentile: 0.975 } } }),
    );
    expect([d.outcome, d.deployer, d.dueDate, d.escalatable]).toEqual([
      "act",
      "immediate",
      "2024-04-17",
      true,
    ]);
    expect(d.reasons).toEqual([
      { code: "kev", text: "In CISA KEV since 2024-03-29 (ransomware use known); due 2024-04-19" },
      { code: "epss", text: "EPSS 0.94 (97th percentile) is above the policy threshold 0.1" },
      {
        code: "asset",
        text: "Asset payments-api is mission-critical and internet-facing, holds pci data (owner team payments)",
      },
      {
        code: "automatable",
        text: "CVSS 3.1 vector has AV:N/AC:L/PR:N/UI:N: a network attack needing no privileges or user action",
      },
      {
        code: "technical-impact",
        text: "CVSS 3.1 vector has C:H/I:H: high confidentiality and integrity impact",
      },
      { code: "sla", text: "Due 2024-04-17: Act SLA of 7 days from first seen 2024-04-10" },
    ]);
  });

  it("tracks the same vulnerability with no exploitation on a low, isolated asset", () => {
    const d = decide(
      input({ asset: anAsset({ criticality: "low", exposure: "isolated", dataClassification: "public" }) }),
    );
    expect([d.outcome, d.deployer, d.dueDate]).toEqual(["track", "defer", "2024-10-07"]);
    expect(d.reasons[0]).toEqual({
      code: "exploitation",
      text: "No exploitation known to CISA KEV, Vulnrichment or the scanner; policy default is none",
    });
    expect(d.reasons[1]?.text).toBe(
      "Asset payments-api is low-criticality and isolated (owner team payments)",
    );
  });

  it("names Vulnrichment with its assessment date when it decides exploitation", () => {
    const d = decide(
      input({
        intel: { ssvc: aSsvc({ exploitation: "active", automatable: "yes", technicalImpact: "total" }) },
      }),
    );
    expect(d.outcome).toBe("act");
    expect(d.reasons[0]?.text).toBe("CISA Vulnrichment assessed exploitation as active (2024-04-01)");
    expect(d.points.automatable.detail).toBe("CISA Vulnrichment assessed Automatable as yes");
  });

  it("puts the EPSS reason first when EPSS alone makes it a PoC", () => {
    const d = decide(input({ intel: { epss: { score: 0.1, percentile: 0.9 } } }));
    expect(d.points.exploitation.value).toBe("poc");
    expect(d.reasons[0]).toEqual({
      code: "epss",
      text: "EPSS 0.1 (90th percentile) equals the policy threshold 0.1",
    });
  });

  it("is the same decision for the same input (no hidden clock or state)", () => {
    const i = input({ intel: { kev: aKev() } });
    expect(decide(i)).toEqual(decide(i));
  });
});
