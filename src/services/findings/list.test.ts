import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCsvReport, type CsvRow } from "../../../test/helpers/reports.js";
import {
  COMPANY_ASSETS,
  countRows,
  fixture,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { createAssetMatcher, loadAssets } from "../../vuln/assets/index.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import { bundledKevPath } from "../../vuln/intel/bundled.js";
import { loadIntelIndex } from "../../vuln/intel/load-index.js";
import { escalate } from "../../vuln/triage/escalate.js";
import type { CisaOutcome, EscalationBudget } from "../../vuln/triage/types.js";
import { listFindings, type FindingRow, type ListFindingsInput } from "./list.js";

/** Every scanner fixture whose asset keys land on the company inventory (and a few that do not). */
const REPORTS = [
  "trivy/payments-api-image.json",
  "grype/payments-api-image.json",
  "grype/billing-worker-dir.json",
  "osv-scanner/storefront-v2.json",
  "osv-scanner/edge-cases-v1.json",
  "sarif/codeql-storefront.sarif",
  "sarif/trivy-payments-api.sarif",
  "sarif/edge-cases.sarif",
  "cyclonedx/trivy-payments-api.cdx.json",
  "cyclonedx/billing-worker-vex.cdx.json",
  "nessus/scan.nessus",
  "csv/findings.csv",
  "csv/edge-cases.csv",
].map(fixture);

/**
 * Escalatable findings in the data set: fixtures plus generated rows. 8.8% of 375 is exactly 33, a share
 * whose floating-point product (375 * 8.8 = 3300.0000000000005) lands just above a whole number.
 */
const ESCALATABLE_TOTAL = 375;

/** The statuses a Decision calls escalatable (triage/types.ts): the rest are closed. */
const ESCALATABLE = new Set(["open", "under_investigation"]);

/** `count` made-up open findings: every severity, EPSS and asset mixed, with many equal decisions. */
function generatedRows(count: number): CsvRow[] {
  const assets = [
    "registry.example.com/shop/payments-api:1.4.2",
    "web01.example.com",
    "https://github.com/example-org/storefront",
    "vpn.example.com",
    "billing-db",
    "unknown-host.example.net",
  ];
  const severities = ["critical", "high", "medium", "low", "info"];
  return Array.from({ length: count }, (_, i) => ({
    vulnerability: `CVE-2098-${10000 + i}`,
    component: `generated-${i}`,
    version: "1.0.0",
    ecosystem: "npm",
    location: "package-lock.json",
    asset: assets[i % assets.length]!,
    severity: severities[i % severities.length]!,
    epss: i % 7 === 0 ? "0.5" : "",
    epss_percentile: i % 7 === 0 ? "0.97" : "",
    // Two Acts at most: the 8.8% budget below must stay larger than the Acts.
    known_exploited: i === 5 || i === 300 ? "true" : "",
    status: i % 50 === 49 ? "under_investigation" : "open",
  }));
}

describe.each(STORE_BACKENDS)("listFindings on $name", (backend) => {
  let t: TestStore;
  let parsed: Finding[];
  let all: FindingRow[]; // every stored finding, most urgent first
  const list = (
    input: ListFindingsInput,
    budget: EscalationBudget = { percent: 5 },
    from: CisaOutcome = "attend",
  ) =>
    listFindings({ ctx: { store: t.store, budget, escalateFrom: from }, input: { limit: 10_000, ...input } });
  const ids = (rows: readonly FindingRow[]): number[] => rows.map((r) => r.id);

  beforeAll(async () => {
    t = await backend.open();
    const dir = await tempDir();
    try {
      await prepareStore(t.store, { assets: true });
      for (const path of REPORTS) await importFile(t.store, path, { now: NOW });
      const fixtureOpen = (await list({})).open;
      const generated = await writeCsvReport(
        dir.path,
        "generated.csv",
        generatedRows(ESCALATABLE_TOTAL - fixtureOpen),
      );
      await importFile(t.store, generated, { now: NOW });
      parsed = (await Promise.all([...REPORTS, generated].map(readFindings))).flat();
    } finally {
      await dir.remove();
    }
    all = (await list({ status: "any" })).rows;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("lists every stored finding under status any, and only open ones by default", async () => {
    expect(all).toHaveLength(await countRows(t.store, "findings"));
    expect(new Set(all.map((r) => r.fingerprint))).toEqual(new Set(parsed.map(fingerprint)));
    expect(ids((await list({})).rows)).toEqual(ids(all.filter((r) => r.status === "open")));
    const investigating = await list({ status: "under_investigation" });
    expect(investigating.rows.length).toBeGreaterThan(0);
    expect(ids(investigating.rows)).toEqual(ids(all.filter((r) => r.status === "under_investigation")));
  });

  it("orders by outcome, then score, then id", () => {
    const rank = (o: string) => ["track", "track*", "attend", "act"].indexOf(o);
    const sorted = [...all].sort(
      (a, b) => rank(b.outcome) - rank(a.outcome) || b.score - a.score || a.id - b.id,
    );
    expect(ids(all)).toEqual(ids(sorted));
  });

  it("stores the owner of the matched asset, or the inventory's default owner", async () => {
    const inventory = await loadAssets(COMPANY_ASSETS);
    const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
    for (const r of all) expect(r.owner, r.assetKey).toBe(matcher.match(r.assetKey).asset.owner);
  });

  it("filters by owner, asset and outcome", async () => {
    const open = all.filter((r) => r.status === "open");
    const cases: [ListFindingsInput, (r: FindingRow) => boolean][] = [
      [{ owner: "web" }, (r) => r.owner === "web"],
      [{ asset: "web01.example.com" }, (r) => r.assetKey === "web01.example.com"],
      [{ outcome: ["act", "attend"] }, (r) => r.outcome === "act" || r.outcome === "attend"],
      [{ owner: "payments", outcome: ["track"] }, (r) => r.owner === "payments" && r.outcome === "track"],
    ];
    for (const [input, keep] of cases) {
      const expected = open.filter(keep);
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(input)).toBeLessThan(open.length);
      expect(ids((await list(input)).rows), JSON.stringify(input)).toEqual(ids(expected));
    }
  });

  it("finds a vulnerability by its id or by any alias", async () => {
    for (const id of ["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228", "GHSA-3h5v-q93c-6h6q"]) {
      // An alias names the vulnerability, so every finding of it matches, also where the scanner that
      // found it did not list that alias (Nessus names Log4Shell only by its CVE).
      const vulns = new Set(
        parsed.filter((f) => f.vulnId === id || f.aliases.includes(id)).map((f) => f.vulnId),
      );
      const expected = new Set(parsed.filter((f) => vulns.has(f.vulnId)).map(fingerprint));
      expect(expected.size, id).toBeGreaterThan(0);
      const rows = (await list({ status: "any", vuln: id })).rows;
      expect(new Set(rows.map((r) => r.fingerprint)), id).toEqual(expected);
    }
  });

  it("filters CISA KEV findings: in the stored KEV catalog or flagged by a scanner", async () => {
    const { index } = await loadIntelIndex([bundledKevPath()]);
    const expected = new Set(
      parsed.filter((f) => index.get(f.vulnId)?.kev || f.knownExploited === true).map(fingerprint),
    );
    const rows = (await list({ status: "any", kev: true })).rows;
    expect(expected.size).toBeGreaterThan(2);
    expect(new Set(rows.map((r) => r.fingerprint))).toEqual(expected);
    expect(
      all
        .filter((r) => r.kev)
        .map((r) => r.fingerprint)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it("stops at the limit, keeping the order", async () => {
    expect(ids((await list({ status: "any", limit: 7 })).rows)).toEqual(ids(all.slice(0, 7)));
  });

  it("rejects malformed input with INVALID_INPUT", async () => {
    for (const input of [{ limit: 0 }, { status: "gone" }, { outcome: ["urgent"] }, { owner: "" }]) {
      const error = await list(input as ListFindingsInput).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(DetenteError);
      expect((error as DetenteError).code).toBe("INVALID_INPUT");
    }
  });

  /**
   * The escalated set must be exactly what the triage core's `escalate` picks for the same decisions and
   * budget, so `detente findings --escalated` and `detente triage` agree.
   */
  async function expectSameAsEscalate(budget: EscalationBudget, from: CisaOutcome): Promise<void> {
    const byId = [...all].sort((a, b) => a.id - b.id);
    const pure = escalate(
      byId.map((r) => ({
        outcome: r.outcome as CisaOutcome,
        score: r.score,
        escalatable: ESCALATABLE.has(r.status),
      })),
      budget,
      { from },
    );
    const expected = [...pure.escalated].map((i) => byId[i]!.id);
    const escalated = await list({ status: "any", escalated: true }, budget, from);
    const rest = await list({ status: "any", escalated: false }, budget, from);
    const everything = await list({ status: "any" }, budget, from);

    expect(ids(escalated.rows)).toEqual(expected);
    expect(ids(everything.rows.filter((r) => r.escalated))).toEqual(expected);
    expect(new Set([...ids(escalated.rows), ...ids(rest.rows)]).size).toBe(all.length);
    expect(rest.rows.some((r) => r.escalated)).toBe(false);
    expect({
      open: escalated.open,
      escalatedCount: escalated.escalatedCount,
      budgetCount: escalated.budgetCount,
      actOverflow: escalated.actOverflow,
    }).toEqual({
      open: pure.escalatable,
      escalatedCount: pure.escalated.length,
      budgetCount: pure.limit,
      actOverflow: pure.actOverflow,
    });
  }

  it.each<[EscalationBudget, CisaOutcome]>([
    [{ percent: 5 }, "attend"],
    [{ percent: 50 }, "attend"],
    [{ percent: 100 }, "act"],
    [{ count: 0 }, "attend"],
    [{ count: 25 }, "track*"],
    [{ count: 5000 }, "track"],
  ])("escalates what escalate() picks: budget %j from %s", async (budget, from) => {
    await expectSameAsEscalate(budget, from);
  });

  it("counts a percentage budget exactly: 8.8% of 375 escalatable findings is 33", async () => {
    const result = await list({ escalated: true }, { percent: 8.8 }, "track");
    expect(result.open).toBe(ESCALATABLE_TOTAL);
    expect(all.filter((r) => r.outcome === "act" && ESCALATABLE.has(r.status)).length).toBeLessThan(33);
    expect([result.budgetCount, result.escalatedCount, result.rows.length]).toEqual([33, 33, 33]);
    await expectSameAsEscalate({ percent: 8.8 }, "track");
  });
});
