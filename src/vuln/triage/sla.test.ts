import { describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { DEFAULT_TRIAGE_POLICY, parseTriagePolicy } from "./policy.js";
import { slaDue } from "./sla.js";
import { aFinding, aKev, anAsset } from "./testing.js";

const sla = DEFAULT_TRIAGE_POLICY.sla;

describe("SLA due dates", () => {
  it.each([
    ["act", "2024-04-19"],
    ["attend", "2024-05-12"],
    ["track*", "2024-07-11"],
    ["track", "2024-10-09"],
  ] as const)("%s is due %s when first seen 2024-04-12", (outcome, due) => {
    const r = slaDue({ outcome, sla, firstSeen: "2024-04-12", now: "2024-06-01" });
    expect(r.dueDate).toBe(due);
    expect(r.cappedByKev).toBe(false);
  });

  it("counts from now when first seen is unknown", () => {
    const r = slaDue({ outcome: "act", sla, now: "2024-12-28" });
    expect([r.dueDate, r.start, r.startIsFirstSeen]).toEqual(["2025-01-04", "2024-12-28", false]);
  });

  it("counts from the UTC date of a first-seen timestamp", () => {
    expect(
      slaDue({ outcome: "act", sla, firstSeen: "2024-02-26T23:59:59Z", now: "2024-04-01" }).dueDate,
    ).toBe("2024-03-04");
  });

  it("is capped at an earlier KEV due date, and says so", () => {
    const r = slaDue({
      outcome: "attend",
      sla,
      firstSeen: "2024-04-12",
      now: "2024-04-12",
      kevDueDate: "2024-04-19",
    });
    expect(r).toMatchObject({ dueDate: "2024-04-19", slaDueDate: "2024-05-12", cappedByKev: true, days: 30 });
  });

  it("keeps the SLA date when the KEV due date is later", () => {
    const r = slaDue({
      outcome: "act",
      sla,
      firstSeen: "2024-04-12",
      now: "2024-04-12",
      kevDueDate: "2024-05-01",
    });
    expect([r.dueDate, r.cappedByKev]).toEqual(["2024-04-19", false]);
  });

  it("follows the policy's SLA days", () => {
    const policy = parseTriagePolicy({ sla: { act: 2 } }, "detente.yaml");
    expect(slaDue({ outcome: "act", sla: policy.sla, now: "2024-02-28" }).dueDate).toBe("2024-03-01");
  });
});

describe("SLA in decisions", () => {
  const base = {
    finding: aFinding({ cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 } }),
    asset: anAsset(),
    policy: DEFAULT_TRIAGE_POLICY,
    now: "2024-04-20",
  };

  it("gives the capped date and a reason that names the KEV due date and the SLA date", () => {
    const d = decide({ ...base, intel: { kev: aKev({ dueDate: "2024-04-15" }) }, firstSeen: "2024-04-12" });
    expect(d.outcome).toBe("act");
    expect(d.dueDate).toBe("2024-04-15");
    expect(d.reasons.find((r) => r.code === "sla-kev")?.text).toBe(
      "Due 2024-04-15, the CISA KEV due date, which comes before the Act SLA of 7 days from first seen 2024-04-12 (2024-04-19) (overdue by 5 days)",
    );
  });

  it("says how overdue a finding is", () => {
    const d = decide({ ...base, intel: undefined, firstSeen: "2024-03-20" });
    expect(d.reasons.at(-1)?.text).toBe(
      "Due 2024-04-19: Attend SLA of 30 days from first seen 2024-03-20 (overdue by 1 day)",
    );
  });

  it("says the SLA counts from today when first seen is unknown", () => {
    const d = decide({ ...base, intel: undefined });
    expect(d.outcome).toBe("attend");
    expect(d.reasons.at(-1)).toEqual({
      code: "sla",
      text: "Due 2024-05-20: Attend SLA of 30 days from today (2024-04-20)",
    });
  });
});
