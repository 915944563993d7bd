import { describe, expect, it } from "vitest";
import { decide, type DecideInput } from "./decide.js";
import { explain } from "./explain.js";
import { DEFAULT_TRIAGE_POLICY, defaultAssetContext } from "./policy.js";
import { aFinding, aKev, anAsset } from "./testing.js";

const base: DecideInput = {
  finding: aFinding({
    cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
    location: "usr/lib/liblzma.so.5",
  }),
  intel: { kev: aKev({ ransomware: true }), epss: { score: 0.94, percentile: 0.97 } },
  asset: anAsset(),
  policy: DEFAULT_TRIAGE_POLICY,
  now: "2024-04-12",
  firstSeen: "2024-04-10",
};

function explained(i: DecideInput): string {
  return explain(decide(i), i.finding, i.asset);
}

describe("explain", () => {
  it("says what, where, the outcome, why, each decision point with its source, the score and what to do", () => {
    const lines = explained(base).split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "CVE-2024-3094 in xz-utils 5.6.0 (deb): XZ Utils backdoor",
      "Where: asset payments-api (owner team payments, production) at usr/lib/liblzma.so.5; reported by trivy",
      "Outcome: Act (CISA SSVC); deployer priority Immediate; risk score 94.6/100; due 2024-04-17",
    ]);
    expect(lines).toContain("  - In CISA KEV since 2024-03-29 (ransomware use known); due 2024-04-19");
    expect(lines).toContain(
      "  Exploitation          active     from CISA KEV: listed in CISA KEV since 2024-03-29 (ransomware use known)",
    );
    expect(lines).toContain(
      "  System exposure       open       from asset inventory: asset payments-api is internet-facing",
    );
    expect(lines).toContain(
      "Score: 94.6 = exploit 40 + ransomware 5 + severity 24.5 + criticality 15 + exposure 10 + age 0.1",
    );
    expect(lines.at(-1)).toBe(
      "What to do: upgrade xz-utils from 5.6.0 to 5.6.1 by 2024-04-17. CISA KEV lists it as exploited in the wild: treat the due date as a deadline.",
    );
  });

  it("says when no fix is known and when no asset matched", () => {
    const i: DecideInput = {
      ...base,
      finding: aFinding({ fixedVersions: [] }),
      intel: undefined,
      asset: defaultAssetContext(DEFAULT_TRIAGE_POLICY, "host-9"),
    };
    const text = explained(i);
    expect(text).toContain(
      "Where: registry.example.com/payments-api:1.4.2 (no asset matched; default context)",
    );
    expect(text).toContain("from policy default: no asset matched; using the default context: internal");
    expect(text).toMatch(/What to do: no fixed version is known yet: mitigate .* Due 2024-\d\d-\d\d\.$/);
  });

  it("says a closed finding is never escalated and needs nothing", () => {
    const i = { ...base, finding: aFinding({ status: "false_positive" as const }) };
    const text = explained(i);
    expect(text).toContain("Never escalated: the finding is false positive.");
    expect(text).toContain("What to do: nothing: the finding is false positive.");
  });

  it("strips control characters that came from a report", () => {
    const finding = aFinding({
      title: "evil\u001b[2J\rtitle",
      component: "pkg\nname",
      status: "not_affected",
      statusDetail: "vendor\u001b]0;pwned\u0007 says so",
    });
    const lines = explained({ ...base, finding }).split("\n");
    expect(lines[0]).toBe("CVE-2024-3094 in pkg name 5.6.0 (deb): evil [2J title");
    expect(lines).toContain(
      "  - Finding is not affected (vendor ]0;pwned  says so); it is decided for the record but never escalated",
    );
  });
});
