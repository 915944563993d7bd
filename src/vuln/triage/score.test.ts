import { describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { DEFAULT_TRIAGE_POLICY, parseTriagePolicy } from "./policy.js";
import { orderKey, riskScore, scoreParts, type ScoreInput } from "./score.js";
import { aFinding, aKev, anAsset } from "./testing.js";

const policy = DEFAULT_TRIAGE_POLICY;

// The worked examples of docs/triage.md, "Risk score".
const exampleA: ScoreInput = {
  exploitation: "active",
  epss: { score: 0.94, percentile: 0.97 },
  ransomware: true,
  cvssScore: 9.8,
  severity: "critical",
  criticality: "mission-critical",
  exposure: "internet",
  ageDays: 30,
};
const exampleB: ScoreInput = {
  exploitation: "poc",
  epss: { score: 0.12, percentile: 0.95 },
  ransomware: false,
  cvssScore: 7.5,
  severity: "high",
  criticality: "medium",
  exposure: "internal",
  ageDays: 10,
};

describe("risk score worked examples (docs/triage.md)", () => {
  it("example A: KEV with ransomware use on a mission-critical internet-facing asset scores 95.3", () => {
    expect(scoreParts(exampleA, policy)).toEqual({
      exploit: 40,
      ransomware: 5,
      severity: 24.5,
      criticality: 15,
      exposure: 10,
      age: 0.8,
    });
    expect(riskScore(exampleA, policy)).toBe(95.3);
  });

  it("example B: EPSS above the threshold on a medium internal asset scores 55.5", () => {
    expect(scoreParts(exampleB, policy)).toEqual({
      exploit: 24,
      ransomware: 0,
      severity: 18.8,
      criticality: 7.5,
      exposure: 5,
      age: 0.3,
    });
    expect(riskScore(exampleB, policy)).toBe(55.5);
  });

  it("decide computes example A from a finding, its intel and its asset", () => {
    const d = decide({
      finding: aFinding({ cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 } }),
      intel: { kev: aKev({ ransomware: true }), epss: { score: 0.94, percentile: 0.97 } },
      asset: anAsset(),
      policy,
      now: "2024-04-12",
      firstSeen: "2024-03-13",
    });
    expect(d.score).toBe(95.3);
    expect(d.scoreParts).toEqual(scoreParts(exampleA, policy));
  });
});

describe("risk score factors", () => {
  it("falls back to the severity word without a CVSS score", () => {
    const noCvss = { ...exampleB, cvssScore: null };
    expect(scoreParts({ ...noCvss, severity: "critical" }, policy).severity).toBe(23.8);
    expect(scoreParts({ ...noCvss, severity: "unknown" }, policy).severity).toBe(10);
    expect(scoreParts({ ...noCvss, severity: "info" }, policy).severity).toBe(0);
  });

  it("lets a high EPSS outweigh a PoC level", () => {
    const epssOnly = { ...exampleB, epss: { score: 0.9, percentile: 0.99 } };
    expect(scoreParts(epssOnly, policy).exploit).toBe(37.8);
  });

  it("caps age at ageFullDays", () => {
    expect(scoreParts({ ...exampleB, ageDays: 400 }, policy).age).toBe(5);
  });

  it("normalises weights to 100", () => {
    const half = parseTriagePolicy(
      { weights: { exploit: 20, ransomware: 2.5, severity: 12.5, criticality: 7.5, exposure: 5, age: 2.5 } },
      "detente.yaml",
    );
    expect(riskScore(exampleA, half)).toBe(95.3);
  });

  it("stays within 0..100", () => {
    const worst: ScoreInput = {
      ...exampleA,
      ageDays: 10_000,
      cvssScore: 10,
      epss: { score: 1, percentile: 1 },
    };
    const least: ScoreInput = {
      exploitation: "none",
      epss: null,
      ransomware: false,
      cvssScore: null,
      severity: "info",
      criticality: "low",
      exposure: "isolated",
      ageDays: 0,
    };
    expect(riskScore(worst, policy)).toBe(100);
    expect(riskScore(least, policy)).toBe(5.8);
  });
});

describe("ordering across outcomes", () => {
  it("puts any Act above any Attend, whatever the scores", () => {
    expect(orderKey("act", 0)).toBeGreaterThan(orderKey("attend", 100));
    expect(orderKey("attend", 0)).toBeGreaterThan(orderKey("track*", 100));
    expect(orderKey("track*", 0)).toBeGreaterThan(orderKey("track", 100));
    expect(orderKey("act", 50)).toBeGreaterThan(orderKey("act", 49.9));
  });
});
