import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, triageJson, type CliSandbox, type TriageJson } from "./helpers.js";

// Nessus with the company inventory: act, attend, track* and track findings on known and unknown hosts.
const NESSUS = fixture("nessus", "scan.nessus");
const ASSETS = fixture("assets", "company.yaml");
// The CSV export's columns, in order, as users' spreadsheets and scripts rely on them.
const CSV_COLUMNS = [
  "id",
  "escalated",
  "outcome",
  "deployer",
  "score",
  "due_date",
  "vulnerability",
  "aliases",
  "component",
  "version",
  "fixed_versions",
  "location",
  "asset",
  "asset_matched",
  "owner",
  "severity",
  "status",
  "kev",
  "epss",
  "scanners",
  "reason",
];

let cli: CliSandbox;
let all: TriageJson;
beforeAll(async () => {
  cli = await cliSandbox();
  all = triageJson(await cli.run(["triage", NESSUS, "--assets", ASSETS, "--all", "--format", "json"]));
}, 60_000);
afterAll(async () => {
  await cli.dispose();
});

/**
 * What GitHub code scanning needs of an uploaded SARIF file, as a list of problems (empty when valid):
 * version 2.1.0, a named driver, and per result a ruleId whose ruleIndex points at that rule, a message,
 * a level, and a physical location; per rule a numeric security-severity.
 */
function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const obj = (v: unknown): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
  const root = obj(log);
  if (root.version !== "2.1.0") problems.push(`version is ${JSON.stringify(root.version)}, not "2.1.0"`);
  const runs = arr(root.runs);
  if (runs.length === 0) problems.push("no runs");
  runs.forEach((runValue, r) => {
    const run = obj(runValue);
    const driver = obj(obj(run.tool).driver);
    if (typeof driver.name !== "string" || driver.name === "")
      problems.push(`runs[${r}].tool.driver.name missing`);
    const rules = arr(driver.rules).map(obj);
    const ids = rules.map((rule) => rule.id);
    if (new Set(ids).size !== ids.length) problems.push(`runs[${r}]: rule ids are not unique`);
    rules.forEach((rule, i) => {
      if (typeof rule.id !== "string" || rule.id === "") problems.push(`rules[${i}].id missing`);
      const sev = obj(rule.properties)["security-severity"];
      if (typeof sev !== "string" || !/^\d{1,2}(\.\d+)?$/.test(sev) || Number(sev) > 10)
        problems.push(
          `rules[${i}].properties["security-severity"] is ${JSON.stringify(sev)}, not "0.0"-"10.0"`,
        );
    });
    arr(run.results).forEach((resultValue, i) => {
      const res = obj(resultValue);
      const where = `runs[${r}].results[${i}]`;
      if (typeof res.ruleId !== "string" || res.ruleId === "") problems.push(`${where}.ruleId missing`);
      const index = res.ruleIndex;
      if (typeof index !== "number" || rules[index]?.id !== res.ruleId)
        problems.push(`${where}.ruleIndex ${String(index)} does not point at rule ${String(res.ruleId)}`);
      const text = obj(res.message).text;
      if (typeof text !== "string" || text === "") problems.push(`${where}.message.text missing`);
      if (!["error", "warning", "note"].includes(String(res.level)))
        problems.push(`${where}.level is ${JSON.stringify(res.level)}`);
      const uri = obj(obj(obj(arr(res.locations)[0]).physicalLocation).artifactLocation).uri;
      if (typeof uri !== "string" || uri === "" || /\s/.test(uri))
        problems.push(
          `${where}.locations[0].physicalLocation.artifactLocation.uri is ${JSON.stringify(uri)}`,
        );
    });
  });
  return problems;
}

describe("detente triage output formats", { timeout: 120_000 }, () => {
  it("--format csv with --all writes the documented header and one row per finding", async () => {
    const r = await cli.run(["triage", NESSUS, "--assets", ASSETS, "--all", "--format", "csv"]);
    expect(r.code).toBe(0);
    const records: string[][] = parse(r.stdout);
    const [header, ...rows] = records;
    expect(header).toEqual(CSV_COLUMNS);
    expect(rows).toHaveLength(all.summary.distinct);
    const col = (name: string): number => CSV_COLUMNS.indexOf(name);
    expect(rows.map((row) => row[col("id")]).sort()).toEqual(all.findings.map((f) => f.id).sort());
    for (const row of rows) {
      const f = all.findings.find((x) => x.id === row[col("id")]);
      expect(row[col("vulnerability")]).toBe(f?.vulnId);
      expect(row[col("outcome")]).toBe(f?.decision.outcome);
      expect(row[col("escalated")]).toBe(f?.escalated ? "yes" : "no");
      expect(row[col("due_date")]).toBe(f?.decision.dueDate);
      expect(row[col("reason")]).toBe(f?.decision.reasons[0]?.text);
    }
  });

  it("--format markdown writes the totals and a table of the escalated findings", async () => {
    const r = await cli.run(["triage", NESSUS, "--assets", ASSETS, "--format", "markdown"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("## detente triage");
    expect(r.stdout).toContain(`**${all.summary.byOutcome.act} act**`);
    const head = lines.findIndex((l) => l.startsWith("| Outcome | Score | Due | Vulnerability |"));
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 1]).toMatch(/^\| --- \| ---: \|/);
    const rows = lines.slice(head + 2).filter((l) => l.startsWith("| "));
    expect(rows).toHaveLength(all.summary.escalated);
    for (const f of all.findings.filter((x) => x.escalated)) {
      expect(rows.some((row) => row.includes(f.vulnId) && row.includes(f.decision.dueDate))).toBe(true);
    }
  });

  it("--format sarif is a SARIF 2.1.0 log GitHub code scanning accepts, one result per finding", async () => {
    const r = await cli.run(["triage", NESSUS, "--assets", ASSETS, "--all", "--format", "sarif"]);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as {
      runs: { tool: { driver: { name: string } }; results: { ruleId: string; level: string }[] }[];
    };
    expect(sarifProblems(log)).toEqual([]);
    const run = log.runs[0];
    expect(run?.tool.driver.name).toBe("detente");
    expect(run?.results).toHaveLength(all.summary.distinct);
    // act -> error, attend -> warning, track -> note.
    const errors = run?.results.filter((x) => x.level === "error") ?? [];
    expect(errors).toHaveLength(all.findings.filter((f) => f.decision.outcome === "act").length);
  });

  it("--format sarif stays valid for every scanner format, closed findings and unknown assets included", async () => {
    const reports = [
      fixture("trivy", "payments-api-image.json"),
      fixture("grype", "billing-worker-dir.json"),
      fixture("osv-scanner", "edge-cases-v1.json"),
      fixture("sarif", "edge-cases.sarif"),
      fixture("cyclonedx", "billing-worker-vex.cdx.json"),
      fixture("nessus", "properties-last.nessus"),
      fixture("csv", "edge-cases.csv"),
    ];
    const r = await cli.run(["triage", ...reports, "--assets", ASSETS, "--all", "--format", "sarif"]);
    expect(r.code).toBe(0);
    expect(sarifProblems(JSON.parse(r.stdout))).toEqual([]);
  });

  it("--output writes the report to the file and nothing to stdout", async () => {
    const r = await cli.run([
      "triage",
      NESSUS,
      "--assets",
      ASSETS,
      "--format",
      "json",
      "--output",
      "triage.json",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const written = JSON.parse(await readFile(cli.path("triage.json"), "utf8")) as TriageJson;
    expect(written.summary).toEqual(all.summary);
    expect(written.findings.map((f) => f.id)).toEqual(
      all.findings.filter((f) => f.escalated).map((f) => f.id),
    );
  });

  it("-o into a folder that does not exist fails as bad input naming the file, not as a crash", async () => {
    const r = await cli.run(["triage", NESSUS, "-o", "no-such-dir/out.json"]);
    expect(r.stderr).toContain("no-such-dir/out.json");
    expect(r.stderr).not.toContain("internal error");
    expect(r.code).toBe(2);
  });

  it("a failed triage leaves no output file behind", async () => {
    const bad = await cli.write("not-a-report.txt", "just some notes\n");
    const r = await cli.run(["triage", bad, "--output", "never.json"]);
    expect(r.code).toBe(2);
    expect(existsSync(cli.path("never.json"))).toBe(false);
  });

  it("stops quietly when the reader closes the pipe early, as `detente triage ... | head` does", async () => {
    const r = await cli.run(["triage", NESSUS, "--all", "--format", "json"], { closeStdout: true });
    expect(r.stderr).not.toMatch(/internal error|Unhandled 'error' event|EPIPE/);
    // 1 would claim a --fail-on threshold was reached; 70 is a bug.
    expect([1, 70]).not.toContain(r.code);
  });
});
