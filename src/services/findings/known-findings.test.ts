import { describe, expect, it } from "vitest";
import { emptyFinding, type Finding } from "../../vuln/finding.js";
import { mergeEvidence, type KnownFinding } from "./known-findings.js";

const V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

/** Every combination of what a report says and what the store knows, for each piece of evidence. */
function* cases(): Generator<{ f: Finding; old: KnownFinding }> {
  const flags = [null, false, true] as const;
  for (const epss of [null, 0.1, 0.5])
    for (const oldEpss of [null, 0.1, 0.5])
      for (const kev of flags)
        for (const oldKev of flags)
          for (const exploit of flags)
            for (const oldExploit of flags)
              for (const cvss of [false, true])
                for (const oldCvss of [false, true])
                  for (const severity of ["unknown", "high"] as const)
                    yield {
                      f: {
                        ...emptyFinding(),
                        vulnId: "CVE-2024-0001",
                        epss: epss === null ? null : { score: epss, percentile: 0.9 },
                        knownExploited: kev,
                        exploitAvailable: exploit,
                        cvss3: cvss ? { vector: V3, score: 9.8 } : null,
                        cvss4: cvss ? { vector: V4, score: 9.3 } : null,
                        severity,
                      },
                      old: {
                        id: 1,
                        first_seen: new Date(0),
                        status: "open",
                        scanner_epss: oldEpss,
                        scanner_epss_percentile: oldEpss === null ? null : 0.8,
                        scanner_kev: oldKev,
                        exploit_available: oldExploit,
                        severity: "critical",
                        cvss3_vector: oldCvss ? V3 : null,
                        cvss3_score: oldCvss ? 7.5 : null,
                        cvss4_vector: oldCvss ? V4 : null,
                        cvss4_score: oldCvss ? 8.7 : null,
                        content_hash: null,
                      },
                    };
}

/** What a flag becomes when two sources say it: any true wins, else whichever is known. */
const either = (a: boolean | null, b: boolean | null): boolean | null =>
  a === true || b === true ? true : (a ?? b);

describe("mergeEvidence", () => {
  it("keeps the strongest evidence of the report and the store, in every combination", () => {
    let n = 0;
    for (const { f, old } of cases()) {
      const merged = mergeEvidence(f, old);
      const higherStored = old.scanner_epss !== null && (f.epss === null || old.scanner_epss > f.epss.score);
      expect(merged).toEqual({
        ...f,
        epss: higherStored ? { score: old.scanner_epss, percentile: old.scanner_epss_percentile } : f.epss,
        knownExploited: either(f.knownExploited, old.scanner_kev),
        exploitAvailable: either(f.exploitAvailable, old.exploit_available),
        cvss3: f.cvss3 ?? (old.cvss3_vector ? { vector: old.cvss3_vector, score: old.cvss3_score } : null),
        cvss4: f.cvss4 ?? (old.cvss4_vector ? { vector: old.cvss4_vector, score: old.cvss4_score } : null),
        severity: f.severity === "unknown" ? old.severity : f.severity,
      });
      n++;
    }
    expect(n).toBe(3 * 3 * 3 * 3 * 3 * 3 * 2 * 2 * 2);
  });
});
