import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, type CliSandbox } from "./helpers.js";

const FORMAT_IDS = ["trivy", "grype", "osv-scanner", "sarif", "cyclonedx", "nessus", "csv"];

let cli: CliSandbox;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

/** Where a report cut after `text` ends: the line and column just past its last character. */
function endOf(text: string): { line: number; column: number } {
  const lines = text.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1] ?? "").length + 1 };
}

describe("detente triage with reports it cannot use", { timeout: 120_000 }, () => {
  it("a file in no known format: exit 2, and the message lists the supported formats", async () => {
    const name = await cli.write("notes.txt", "Meeting notes\n- patch the VPN\n- rotate keys\n");
    const r = await cli.run(["triage", name]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("notes.txt");
    for (const id of FORMAT_IDS) expect(r.stderr).toMatch(new RegExp(`^\\s+${id}\\s`, "m"));
  });

  it("a truncated JSON report: exit 2, naming the file and the line and column where it ends", async () => {
    const full = await readFile(fixture("trivy", "payments-api-image.json"), "utf8");
    const cut = full.slice(0, Math.floor(full.length / 2));
    const name = await cli.write("cut-trivy.json", cut);
    const r = await cli.run(["triage", name, "--format", "json"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const { line, column } = endOf(cut);
    expect(r.stderr).toContain("cut-trivy.json");
    expect(r.stderr).toContain(`line ${line}, column ${column}`);
  });

  it("a JSON report with a missing quote: exit 2 naming the line where the unended value starts", async () => {
    const name = await cli.write(
      "quote.json",
      '{"SchemaVersion": 2, "ArtifactName": "a", "Results": [{"Target": "t",\n "Vulnerabilities": [\n  {"VulnerabilityID": "CVE-1"},\n  {"VulnerabilityID": "CVE-2, "PkgName": "x"},\n  {"VulnerabilityID": "CVE-3"}]}]}\n',
    );
    const r = await cli.run(["triage", name]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("quote.json: unexpected end of input");
    expect(r.stderr).toContain("the value that starts at line 4, column 3 never ends");
    // The same with a UTF-8 byte order mark: the same lines and columns, as an editor shows them.
    const bom = await cli.write("bom-quote.json", "\ufeff" + (await readFile(join(cli.cwd, name), "utf8")));
    const withBom = await cli.run(["triage", bom]);
    expect(withBom.code).toBe(2);
    expect(withBom.stderr).toContain(
      "at line 6, column 1; the value that starts at line 4, column 3 never ends",
    );
  });

  it("a JSON report with a syntax error: exit 2 at the exact line and column", async () => {
    const name = await cli.write(
      "broken.json",
      '{"SchemaVersion": 2,\n  "Results": [\n    {"Target": x}\n  ]\n}\n',
    );
    const r = await cli.run(["triage", name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("broken.json");
    expect(r.stderr).toContain("line 3, column 16");
  });

  it("a report that does not exist: exit 2 naming it", async () => {
    const r = await cli.run(["triage", "no-such-report.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no-such-report.json");
    expect(r.stderr).not.toContain("internal error");
  });

  it("one bad report among good ones fails the whole triage", async () => {
    const name = await cli.write("empty.json", "");
    const r = await cli.run([
      "triage",
      fixture("trivy", "payments-api-image.json"),
      name,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("empty.json");
  });

  it.each([["billion-laughs.nessus"], ["xxe.nessus"]])(
    "hostile XML (%s) is refused with exit 2 instead of expanding entities or reading local files",
    async (file) => {
      const r = await cli.run(["triage", fixture("nessus", file), "--all", "--format", "json"], {
        timeoutMs: 30_000,
      });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(file);
      expect(r.stderr).toContain("DOCTYPE");
      expect(r.stderr).not.toContain("root:");
    },
  );

  it.each([
    ["truncated.nessus", /line \d+, column \d+/],
    ["undefined-entity.nessus", /undefined entity at line \d+/],
  ])("broken XML (%s): exit 2 naming the file and position", async (file, position) => {
    const r = await cli.run(["triage", fixture("nessus", file)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(position);
  });

  it.each([
    ["bad-severity.csv", /line 7: severity "urgent"/, []],
    ["bad-values.csv", /line 3\b/, []],
    ["unclosed-quote.csv", /line 3\b/, []],
    // Without its required column the file is not recognised as CSV; named explicitly, it says why.
    ["missing-column.csv", /missing required column "vulnerability"/, ["--input-format", "csv"]],
  ])("a broken findings CSV (%s): exit 2 naming the file and what is wrong", async (file, what, flags) => {
    const r = await cli.run(["triage", fixture("csv", file), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(what);
  });

  it("--input-format with an unknown format id: exit 2", async () => {
    const r = await cli.run([
      "triage",
      fixture("trivy", "payments-api-image.json"),
      "--input-format",
      "qualys",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("qualys");
  });
});

describe("detente command line usage", { timeout: 120_000 }, () => {
  const COMMANDS = [
    [],
    ["triage"],
    ["import"],
    ["findings"],
    ["explain"],
    ["intel"],
    ["intel", "load"],
    ["intel", "sync"],
    ["intel", "status"],
    ["assets"],
    ["assets", "load"],
    ["assets", "list"],
    ["demo"],
  ];

  it("--help of every command prints its usage and exits 0 without touching the store", async () => {
    const runs = await Promise.all(COMMANDS.map((c) => cli.run([...c, "--help"])));
    runs.forEach((r, i) => {
      const command = ["detente", ...(COMMANDS[i] ?? [])].join(" ");
      expect(r.code, command).toBe(0);
      expect(r.stderr, command).toBe("");
      expect(r.stdout.split("\n")[0], command).toMatch(new RegExp(`^Usage: ${command} \\[options\\]`));
    });
    expect(existsSync(cli.home)).toBe(false);
    // Commands are loaded only when asked for; the overall help still lists every one of them.
    const listed = [...(runs[0]?.stdout ?? "").matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual([
      "triage",
      "import",
      "findings",
      "explain",
      "intel",
      "assets",
      "demo",
      "gateway",
      "keys",
      "ai",
      "serve",
      "users",
      "help",
    ]);
  });

  it("--version prints the version", async () => {
    const r = await cli.run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("an unknown command exits 2 and says so", async () => {
    const r = await cli.run(["triag", "report.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'triag'");
  });

  it("a missing argument, an unknown option and a bad choice exit 2", async () => {
    const [noReport, unknownOption, badChoice] = await Promise.all([
      cli.run(["triage"]),
      cli.run(["triage", "x.json", "--colour"]),
      cli.run(["triage", "x.json", "--format", "xml"]),
    ]);
    expect(noReport.code).toBe(2);
    expect(noReport.stderr).toContain("missing required argument");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("--colour");
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toMatch(/'xml' is invalid.*table, json, csv, sarif, markdown/);
  });
});
