import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, NOW, triageJson, type CliSandbox, type TriageJson } from "./helpers.js";

// One fixture per scanner format, with the format id `detente triage` must detect for it.
const FORMATS = [
  ["trivy", fixture("trivy", "payments-api-image.json")],
  ["grype", fixture("grype", "billing-worker-dir.json")],
  ["osv-scanner", fixture("osv-scanner", "storefront-v2.json")],
  ["sarif", fixture("sarif", "codeql-storefront.sarif")],
  ["cyclonedx", fixture("cyclonedx", "billing-worker-vex.cdx.json")],
  ["nessus", fixture("nessus", "scan.nessus")],
  ["csv", fixture("csv", "findings.csv")],
] as const;

const OUTCOMES = ["act", "attend", "track*", "track"] as const;

let cli: CliSandbox;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

/** The totals every triage summary must state consistently, whatever the report. */
function expectConsistentSummary(out: TriageJson): void {
  const s = out.summary;
  expect(s.generatedAt).toBe(new Date(NOW).toISOString());
  expect(s.read).toBe(s.reports.reduce((sum, r) => sum + r.findings, 0));
  expect(s.distinct).toBeLessThanOrEqual(s.read);
  // Every distinct finding is either closed or has exactly one open outcome.
  expect(OUTCOMES.reduce((sum, o) => sum + s.byOutcome[o], 0) + s.closed).toBe(s.distinct);
  // Acts are always escalated; the rest of the budget may stay unused.
  expect(s.escalated).toBeGreaterThanOrEqual(s.byOutcome.act);
  expect(s.escalated).toBeLessThanOrEqual(s.budgetLimit + s.actOverflow);
}

describe("detente triage reads every supported scanner format", { timeout: 120_000 }, () => {
  it.each(FORMATS)("%s: JSON summary and the escalated findings with their reasons", async (format, path) => {
    const r = await cli.run(["triage", path, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = triageJson(r);
    expect(out.summary.reports).toEqual([{ name: path, format, findings: out.summary.read }]);
    expect(out.summary.read).toBeGreaterThan(0);
    expectConsistentSummary(out);

    // Without --all only the escalated findings are listed, each explained.
    expect(out.findings).toHaveLength(out.summary.escalated);
    for (const f of out.findings) {
      expect(f.escalated).toBe(true);
      expect(f.decision.reasons.length).toBeGreaterThan(0);
      for (const reason of f.decision.reasons) {
        expect(reason.code).not.toBe("");
        expect(reason.text).not.toBe("");
      }
      expect(f.decision.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(out.findings.filter((f) => f.decision.outcome === "act")).toHaveLength(out.summary.byOutcome.act);
  });

  it.each(FORMATS)(
    "%s: --all lists every finding, escalated or not, each with a decision",
    async (_format, path) => {
      const [escalatedRun, allRun] = await Promise.all([
        cli.run(["triage", path, "--format", "json"]),
        cli.run(["triage", path, "--format", "json", "--all"]),
      ]);
      expect(allRun.code).toBe(0);
      const escalated = triageJson(escalatedRun);
      const all = triageJson(allRun);
      expect(all.summary).toEqual(escalated.summary);
      expect(all.findings).toHaveLength(all.summary.distinct);
      expect(new Set(all.findings.map((f) => f.id)).size).toBe(all.findings.length);

      // The escalated ones are the same findings as without --all, with the same decisions.
      const flagged = all.findings.filter((f) => f.escalated);
      expect(flagged.map((f) => f.id).sort()).toEqual(escalated.findings.map((f) => f.id).sort());
      // The summary's outcome counts are the open findings of the full list.
      for (const o of OUTCOMES) {
        const open = all.findings.filter((f) => f.decision.escalatable && f.decision.outcome === o);
        expect(open, `outcome ${o}`).toHaveLength(all.summary.byOutcome[o]);
      }
      expect(all.findings.filter((f) => !f.decision.escalatable)).toHaveLength(all.summary.closed);
      for (const f of all.findings) expect(f.decision.reasons.length).toBeGreaterThan(0);
    },
  );
});

describe("detente triage of several reports at once", { timeout: 120_000 }, () => {
  const trivy = fixture("trivy", "payments-api-image.json");
  const grype = fixture("grype", "payments-api-image.json");

  it("merges what Trivy and Grype both report on payments-api into one finding with both scanners", async () => {
    const [alone, both] = await Promise.all([
      cli.run(["triage", trivy, "--format", "json", "--all"]),
      cli.run(["triage", trivy, grype, "--format", "json", "--all"]),
    ]);
    expect(both.code).toBe(0);
    const single = triageJson(alone);
    const merged = triageJson(both);
    expect(merged.summary.reports.map((r) => r.format)).toEqual(["trivy", "grype"]);
    expectConsistentSummary(merged);
    expect(merged.summary.distinct).toBeLessThan(merged.summary.read);
    expect(new Set(merged.findings.map((f) => f.id)).size).toBe(merged.summary.distinct);
    // Every Trivy finding is also in Grype's report of the same image (test/fixtures/README.md).
    for (const t of single.findings) {
      const m = merged.findings.find((f) => f.id === t.id);
      expect(m, `${t.vulnId} in the merged triage`).toBeDefined();
      expect(m?.scanners.slice().sort()).toEqual(["grype", "trivy"]);
    }
  });

  it("merges the same image scanned as Trivy JSON, Trivy SARIF, Trivy CycloneDX and Grype", async () => {
    const r = await cli.run([
      "triage",
      trivy,
      grype,
      fixture("sarif", "trivy-payments-api.sarif"),
      fixture("cyclonedx", "trivy-payments-api.cdx.json"),
      "--format",
      "json",
      "--all",
    ]);
    expect(r.code).toBe(0);
    const out = triageJson(r);
    expect(out.summary.reports.map((x) => x.format)).toEqual(["trivy", "grype", "sarif", "cyclonedx"]);
    // Grype adds zlib1g to the three vulnerabilities every Trivy output reports.
    const grypeAlone = triageJson(await cli.run(["triage", grype, "--format", "json"]));
    expect(out.summary.distinct).toBe(grypeAlone.summary.distinct);
    expectConsistentSummary(out);
  });

  it("counts findings that matched no asset once, not once per scanner that reported them", async () => {
    const out = triageJson(await cli.run(["triage", trivy, grype, "--format", "json", "--all"]));
    const unmatched = out.findings.filter((f) => !f.asset.matched);
    const keys = new Set(unmatched.map((f) => f.assetKey));
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
    expect(out.summary.unmatched).toContain(
      `${plural(unmatched.length, "finding")} on ${plural(keys.size, "unknown asset")} matched no asset`,
    );
  });

  it("reads a report from stdin given as -", async () => {
    const r = await cli.run(["triage", "-", "--format", "json"], { stdin: await readFile(trivy, "utf8") });
    expect(r.code).toBe(0);
    const out = triageJson(r);
    expect(out.summary.reports).toEqual([{ name: "stdin", format: "trivy", findings: out.summary.read }]);
    const fromFile = triageJson(await cli.run(["triage", trivy, "--format", "json"]));
    expect(out.findings.map((f) => f.id)).toEqual(fromFile.findings.map((f) => f.id));
  });
});
