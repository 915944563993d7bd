import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, parseJson, type CliSandbox } from "./helpers.js";

const DEMO_REPORTS = fileURLToPath(new URL("../../data/demo/reports", import.meta.url));

let cli: CliSandbox;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

/** The "Escalation queue: N of M open findings need attention now" line. */
const QUEUE = /^Escalation queue: (\d+) of (\d+) open findings need attention now$/m;

describe("detente demo", { timeout: 180_000 }, () => {
  let first = "";

  it("loads the demo company and one report of every format, then shows the escalation queue", async () => {
    const r = await cli.run(["demo"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    first = r.stdout;
    expect(r.stdout).toContain(`Loading demo data into ${join(cli.home, "db")}`);
    expect(r.stdout).toMatch(/^ {2}\d+ assets$/m);
    const reports = (await readdir(DEMO_REPORTS)).sort();
    expect(reports.length).toBeGreaterThan(0);
    for (const file of reports)
      expect(r.stdout).toMatch(
        new RegExp(`^  ${file.replace(/\./g, "\\.")} \\([a-z-]+\\): \\d+ findings, \\d+ new$`, "m"),
      );
    const formats = new Set([...r.stdout.matchAll(/^ {2}\S+ \(([a-z-]+)\): /gm)].map((m) => m[1]));
    expect([...formats].sort()).toEqual([
      "csv",
      "cyclonedx",
      "grype",
      "nessus",
      "osv-scanner",
      "sarif",
      "trivy",
    ]);

    // The queue agrees with what `findings` says about the same store.
    const queue = QUEUE.exec(r.stdout);
    expect(queue).not.toBeNull();
    const listed = parseJson(await cli.run(["findings", "--json"])) as {
      open: number;
      escalatedCount: number;
    };
    expect(Number(queue?.[1])).toBe(listed.escalatedCount);
    expect(Number(queue?.[2])).toBe(listed.open);
    expect(listed.escalatedCount).toBeGreaterThan(0);
  });

  it("the finding it suggests explaining can be explained", async () => {
    const id = /npx detente explain ([0-9a-f]{12})\s/.exec(first)?.[1];
    expect(id).toBeDefined();
    const r = await cli.run(["explain", id ?? ""]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Outcome: /m);
    expect(r.stdout).toMatch(/^Why:$/m);
  });

  it("a second run reuses the data already loaded and says so", async () => {
    const r = await cli.run(["demo"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Using the data already in ${join(cli.home, "db")}.`);
    expect(r.stdout).not.toContain("Loading demo data");
    // Nothing was imported twice: the same queue as the first run.
    expect(QUEUE.exec(r.stdout)?.[0]).toBe(QUEUE.exec(first)?.[0]);
    const table = (s: string): string => s.slice(s.indexOf("Escalation queue"));
    expect(table(r.stdout)).toBe(table(first));
  });
});
