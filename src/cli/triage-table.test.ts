import { afterEach, describe, expect, it, vi } from "vitest";
import { aSummary, anExported } from "../vuln/export/testing.js";
import { renderTriageTable } from "./triage-table.js";
import { inColourTerminal } from "./testing.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

// Anything a terminal would act on but colour: C0 but line breaks, DEL, C1, bidi embeddings and overrides.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("renderTriageTable", () => {
  it("shows report text with escape sequences as visible symbols, in the table and the unmatched line", () => {
    const out = renderTriageTable(
      aSummary({
        unmatched:
          "1 finding on 1 unknown asset matched no asset; used the default context. " +
          "Unknown: web\u001b]0;pwned\u0007\u001b[2K\r.",
      }),
      [
        anExported(
          {
            vulnId: "\u001b[8mCVE-2024-0001",
            component: "evil\u202egnp.exe",
            assetKey: "db\u001b[1A\u001b[2K",
          },
          { reason: "Looks fine\u001b[30;40m" },
        ),
      ],
    );
    expect(out).not.toMatch(CONTROL);
    expect(out).not.toContain("\u001b");
    expect(out).toContain("Unknown: web␛]0;pwned␇␛[2K .");
    const row = out.split("\n").find((l) => l.startsWith("3f9a0c1d2e4b"));
    expect(row).toContain("␛[8mCVE-2024-0001");
    expect(row).toContain("evil\ufffdgnp.exe 5.6.0");
    expect(row).toContain("db␛[1A␛[2K");
    expect(row).toMatch(/Looks fine␛\[30;40m$/);
  });

  it("does not let a report colour its text in a colour terminal, where detente's own colours pass", () => {
    const out = inColourTerminal(() =>
      renderTriageTable(aSummary(), [anExported({ vulnId: "\u001b[32mCVE-2024-0001\u001b[39m" })]),
    );
    expect(out).toContain("␛[32mCVE-2024-0001␛[39m");
    // Every escape left is one of detente's: bold, dim, the outcome colours, and their ends.
    // eslint-disable-next-line no-control-regex
    expect(out.match(/\u001b\[[0-9;]*m/g)?.every((s) => /^\u001b\[(1|2|22|3[1-69])m$/.test(s))).toBe(true);
    expect(out).not.toContain("\u001b[32m");
  });
});
