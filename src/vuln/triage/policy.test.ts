import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { DEFAULT_TRIAGE_POLICY, defaultAssetContext, parseTriagePolicy } from "./policy.js";

function problem(raw: unknown): string {
  try {
    parseTriagePolicy(raw, "detente.yaml");
  } catch (e) {
    expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected the policy to be rejected");
}

describe("parseTriagePolicy", () => {
  it("accepts an empty or absent section with every default", () => {
    for (const raw of [undefined, null, {}]) {
      const p = parseTriagePolicy(raw, "detente.yaml");
      expect(p).toEqual(DEFAULT_TRIAGE_POLICY);
    }
    expect(DEFAULT_TRIAGE_POLICY).toMatchObject({
      epssThreshold: 0.1,
      budget: { percent: 5 },
      escalateFrom: "attend",
      sla: { act: 7, attend: 30, "track*": 90, track: 180 },
      systemExposure: { internet: "open", internal: "controlled", isolated: "small" },
      defaultAsset: { criticality: "medium", exposure: "internal" },
    });
  });

  it("keeps defaults beside the fields that are set", () => {
    const p = parseTriagePolicy({ sla: { act: 3 }, weights: { age: 0 }, budget: "25" }, "detente.yaml");
    expect(p.sla).toEqual({ act: 3, attend: 30, "track*": 90, track: 180 });
    expect(p.weights.age).toBe(0);
    expect(p.weights.exploit).toBe(40);
    expect(p.budget).toEqual({ count: 25 });
  });

  it("reads a boolean Automatable default as yes/no", () => {
    expect(parseTriagePolicy({ defaults: { automatable: true } }, "x.yaml").defaults.automatable).toBe("yes");
    expect(parseTriagePolicy({ defaults: { automatable: false } }, "x.yaml").defaults.automatable).toBe("no");
  });

  it("lower-cases data classification keys", () => {
    expect(
      parseTriagePolicy({ publicWellbeing: { Safety: "irreversible" } }, "x.yaml").publicWellbeing,
    ).toEqual({
      safety: "irreversible",
    });
  });

  it.each([
    [{ sla: { act: 0 } }, "detente.yaml: triage.sla.act: expected a positive number of days"],
    [{ sla: { act: "seven" } }, "detente.yaml: triage.sla.act: expected a positive number of days"],
    [{ sla: { attend: 2.5 } }, "detente.yaml: triage.sla.attend: expected a whole number of days"],
    [{ epssThreshold: 1.5 }, "detente.yaml: triage.epssThreshold: expected a number from 0 to 1"],
    [
      { defaults: { exploitation: "maybe" } },
      'detente.yaml: triage.defaults.exploitation: expected one of "none", "poc", "active"',
    ],
    [
      { escalateFrom: "now" },
      'detente.yaml: triage.escalateFrom: expected one of "track", "track*", "attend", "act"',
    ],
    [
      { humanImpact: { high: "huge" } },
      'detente.yaml: triage.humanImpact.high: expected one of "low", "medium", "high", "very high"',
    ],
    [
      { budget: "lots" },
      'detente.yaml: triage.budget: expected a percentage like "5%" (0% to 100%) or a count like "25", got "lots"',
    ],
    [{ weights: { exploit: -1 } }, "detente.yaml: triage.weights.exploit: expected a weight from 0 to 100"],
    [
      { weights: { exploit: 0, ransomware: 0, severity: 0, criticality: 0, exposure: 0, age: 0 } },
      "detente.yaml: triage.weights: at least one weight must be above 0",
    ],
    [
      { slas: { act: 1 } },
      'detente.yaml: triage: unknown field "slas" (allowed: epssThreshold, budget, escalateFrom, sla, weights, ageFullDays, defaults, missionPrevalence, publicWellbeing, humanImpact, systemExposure, defaultAsset)',
    ],
    [
      { sla: { urgent: 1 } },
      'detente.yaml: triage.sla: unknown field "urgent" (allowed: act, attend, track*, track)',
    ],
    ["fast", "detente.yaml: triage: expected a mapping of settings"],
    [
      { defaultAsset: { exposure: "public" } },
      'detente.yaml: triage.defaultAsset.exposure: expected one of "internet", "internal", "isolated"',
    ],
  ])("rejects %j", (raw, message) => {
    expect(problem(raw)).toBe(message);
  });

  it("reports every problem, one per line", () => {
    expect(problem({ sla: { act: 0, track: -1 }, epssThreshold: "x" }).split("\n")).toEqual([
      "detente.yaml: triage.epssThreshold: expected a number from 0 to 1",
      "detente.yaml: triage.sla.act: expected a positive number of days",
      "detente.yaml: triage.sla.track: expected a positive number of days",
    ]);
  });
});

describe("defaultAssetContext", () => {
  it("is the policy's default asset, unmatched, keyed by the finding's asset", () => {
    const p = parseTriagePolicy(
      { defaultAsset: { criticality: "high", exposure: "internet" } },
      "detente.yaml",
    );
    const ctx = defaultAssetContext(p, "10.0.0.7");
    expect(ctx.matched).toBe(false);
    expect(ctx.asset).toMatchObject({
      key: "10.0.0.7",
      name: "10.0.0.7",
      criticality: "high",
      exposure: "internet",
    });
  });
});
