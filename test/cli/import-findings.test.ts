import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, parseJson, type CliSandbox } from "./helpers.js";

// One store for the whole file: the steps below build on each other, as a user's session would.

interface ImportJson {
  imports: {
    source: string;
    format: string;
    read: number;
    created: number;
    updated: number;
    reopened: number;
    closed: number;
  }[];
  unmatched: string;
}
interface FindingRow {
  id: number;
  fingerprint: string;
  vulnId: string;
  owner: string;
  status: string;
  outcome: string;
  escalated: boolean;
  kev: boolean;
  scanners: string[];
  topReason: string;
}
interface FindingsJson {
  rows: FindingRow[];
  open: number;
  escalatedCount: number;
  budgetCount: number;
  actOverflow: number;
}
interface ExplainJson {
  id: string;
  finding: { vulnId: string; status: string };
  decision: { outcome: string; reasons: { code: string; text: string }[] };
}

const TRIVY = fixture("trivy", "payments-api-image.json");
const GRYPE = fixture("grype", "payments-api-image.json");
const NESSUS = fixture("nessus", "scan.nessus");

let cli: CliSandbox;
/** `findings --json` after the imports below, shared by the steps that only read it. */
let listed: FindingsJson;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

const findings = async (...flags: string[]): Promise<FindingsJson> => {
  const r = await cli.run(["findings", "--json", "--limit", "1000", ...flags]);
  expect(r.code).toBe(0);
  return parseJson(r) as FindingsJson;
};

describe("importing reports and working the findings", { timeout: 180_000 }, () => {
  it("starts with an empty store", async () => {
    const all = await findings("--status", "any");
    expect(all.rows).toEqual([]);
    expect(all.open).toBe(0);
    const table = await cli.run(["findings"]);
    expect(table.stdout).toContain("No findings match.");
  });

  it("imports Trivy and Grype reports of one image, merging what both report", async () => {
    const load = await cli.run(["assets", "load", fixture("assets", "company.yaml")]);
    expect(load.code).toBe(0);
    const r = await cli.run(["import", TRIVY, GRYPE]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(`${TRIVY} (trivy): 3 findings: 3 new, 0 updated, 0 reopened, 0 closed`);
    // Grype reports the same three vulnerabilities (they are updated) and one more.
    expect(lines[1]).toBe(`${GRYPE} (grype): 4 findings: 1 new, 3 updated, 0 reopened, 0 closed`);
    const stored = await findings();
    expect(stored.open).toBe(4);
    const log4j = stored.rows.find((f) => f.vulnId === "CVE-2021-44228");
    expect(log4j?.scanners.slice().sort()).toEqual(["grype", "trivy"]);
  });

  it("imports a Nessus scan with --json and reports the hosts not in the inventory", async () => {
    const r = await cli.run(["import", NESSUS, "--json"]);
    expect(r.code).toBe(0);
    const out = parseJson(r) as ImportJson;
    expect(out.imports).toHaveLength(1);
    expect(out.imports[0]).toMatchObject({ source: NESSUS, format: "nessus", closed: 0 });
    const nessus = out.imports[0]!;
    expect(nessus.created).toBe(nessus.read);
    expect(out.unmatched).toMatch(/^\d+ findings? on 1 unknown asset matched no asset/);
    expect((await findings()).open).toBe(4 + nessus.created);
  });

  it("lists the findings as a table, the escalated ones first", async () => {
    const r = await cli.run(["findings"]);
    expect(r.code).toBe(0);
    const json = (listed = await findings());
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      `${json.open} open findings; ${json.escalatedCount} escalated (budget ${json.budgetCount}` +
        (json.actOverflow > 0 ? `, ${json.actOverflow} acts over budget)` : ")"),
    );
    const header = lines.findIndex((l) => l.startsWith("ID "));
    expect(lines[header]).toMatch(
      /^ID\s+ESC\s+OUTCOME\s+SCORE\s+DUE\s+VULNERABILITY\s+COMPONENT\s+FIX\s+ASSET\s+OWNER\s+WHY$/,
    );
    const rows = lines.slice(header + 1).filter((l) => l.trim() !== "");
    expect(rows).toHaveLength(json.rows.length);
    rows.forEach((row, i) => {
      expect(row.startsWith(json.rows[i]?.fingerprint.slice(0, 12) ?? "?")).toBe(true);
    });
    const firstPlain = json.rows.findIndex((f) => !f.escalated);
    expect(json.rows.slice(0, firstPlain).every((f) => f.escalated)).toBe(true);
    expect(json.rows.slice(firstPlain).some((f) => f.escalated)).toBe(false);
  });

  it("filters by --owner, --escalated and --kev", async () => {
    const all = listed;
    // One command at a time: the embedded store is not shared between processes.
    const payments = await findings("--owner", "payments");
    const escalated = await findings("--escalated");
    const kev = await findings("--kev");
    expect(payments.rows.map((f) => f.id)).toEqual(
      all.rows.filter((f) => f.owner === "payments").map((f) => f.id),
    );
    expect(payments.rows.length).toBeGreaterThan(0);
    expect(payments.rows.length).toBeLessThan(all.rows.length);
    expect(escalated.rows.map((f) => f.id)).toEqual(all.rows.filter((f) => f.escalated).map((f) => f.id));
    expect(escalated.rows).toHaveLength(all.escalatedCount);
    expect(kev.rows.map((f) => f.id)).toEqual(all.rows.filter((f) => f.kev).map((f) => f.id));
    expect(kev.rows.map((f) => f.vulnId)).toContain("CVE-2021-44228");
  });

  it("explains a finding in plain language: the vulnerability, the outcome and every reason", async () => {
    const log4j = listed.rows.find((f) => f.vulnId === "CVE-2021-44228" && f.owner === "payments");
    expect(log4j).toBeDefined();
    const id = log4j!.fingerprint.slice(0, 12);
    const text = await cli.run(["explain", id]);
    const json = await cli.run(["explain", id, "--json"]);
    expect(text.code).toBe(0);
    const explained = parseJson(json) as ExplainJson;
    expect(explained.id).toBe(id);
    expect(explained.finding.vulnId).toBe("CVE-2021-44228");
    expect(explained.decision.outcome).toBe(log4j!.outcome);
    expect(text.stdout).toContain("CVE-2021-44228");
    expect(text.stdout).toMatch(new RegExp(`^Outcome: ${explained.decision.outcome}\\b`, "im"));
    for (const reason of explained.decision.reasons) expect(text.stdout).toContain(reason.text);
    expect(text.stdout).toMatch(/^Sources\n {2}grype: first seen 2026-11-23/m);

    // The number from `findings --json` works too; an unknown id is exit 2.
    const byNumber = await cli.run(["explain", String(log4j!.id), "--json"]);
    expect((parseJson(byNumber) as ExplainJson).id).toBe(id);
    const unknown = await cli.run(["explain", "ffffffffffff"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("ffffffffffff");
  });

  it("a truncated report is rejected and stores nothing", async () => {
    const before = await findings("--status", "any");
    // The first half of an OSV-Scanner report: complete packages, then the cut.
    const full = await readFile(fixture("osv-scanner", "storefront-v2.json"), "utf8");
    const name = await cli.write("cut-osv.json", full.slice(0, Math.floor(full.length * 0.7)));
    const r = await cli.run(["import", name, "--asset", "storefront"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cut-osv.json");
    expect(r.stderr).toMatch(/line \d+, column \d+/);
    const after = await findings("--status", "any");
    expect(after.open).toBe(before.open);
    expect(after.rows).toEqual(before.rows);
  });

  it("importing a later scan that no longer reports a finding closes nothing without --full-scan", async () => {
    // The next Grype scan of the image no longer finds zlib1g (only Grype reported it).
    const report = JSON.parse(await readFile(GRYPE, "utf8")) as { matches: { artifact: { name: string } }[] };
    report.matches = report.matches.filter((m) => m.artifact.name !== "zlib1g");
    await cli.write("grype-rescan.json", JSON.stringify(report));
    const before = await findings();
    expect(before.rows.find((f) => f.vulnId === "CVE-2023-45853")?.status).toBe("open");
    const r = await cli.run(["import", "grype-rescan.json", "--json"]);
    expect(r.code).toBe(0);
    expect((parseJson(r) as ImportJson).imports[0]).toMatchObject({
      read: report.matches.length,
      created: 0,
      closed: 0,
    });
    expect((await findings()).rows).toEqual(before.rows);
  });

  it("--full-scan closes what the scanner no longer reports, and explain tells when", async () => {
    const before = await findings();
    const zlib = before.rows.find((f) => f.vulnId === "CVE-2023-45853");
    const later = { env: { DETENTE_NOW: "2026-11-30T09:00:00Z" } };
    const r = await cli.run(["import", "--full-scan", "grype-rescan.json", "--json"], later);
    expect(r.code).toBe(0);
    expect((parseJson(r) as ImportJson).imports[0]).toMatchObject({ created: 0, closed: 1 });

    const after = await findings();
    expect(after.open).toBe(before.open - 1);
    const fixed = await findings("--status", "fixed");
    expect(fixed.rows.map((f) => f.vulnId)).toEqual(["CVE-2023-45853"]);
    const explained = await cli.run(["explain", zlib!.fingerprint.slice(0, 12)], later);
    expect(explained.stdout).toMatch(/^ {2}2026-11-30 closed/m);
    expect(explained.stdout).toContain("no longer reports it");
  });

  it("stops quietly when the reader closes the pipe early, as `detente findings | head` does", async () => {
    const r = await cli.run(["findings", "--limit", "1000"], { closeStdout: true });
    expect(r.stderr).not.toMatch(/internal error|Unhandled 'error' event|EPIPE/);
    expect([1, 70]).not.toContain(r.code);
  });
});
