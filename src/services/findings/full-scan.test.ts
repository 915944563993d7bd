import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { grypeWithout, writeEditedJson, writeTrivyReport } from "../../../test/helpers/reports.js";
import {
  countRows,
  daysAfterNow,
  fixture,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  resetStore,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { IMPORT_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import { getFinding } from "./get.js";
import type { ImportResult } from "./import-report.js";
import { listFindings } from "./list.js";

const TRIVY = fixture("trivy/payments-api-image.json");
const GRYPE = fixture("grype/payments-api-image.json");
const BILLING = fixture("grype/billing-worker-dir.json");
const T1 = daysAfterNow(1);
const T2 = daysAfterNow(2);
const T3 = daysAfterNow(3);

type Stored = Awaited<ReturnType<typeof getFinding>>;

/**
 * `--full-scan`: a scanner's complete scan of an asset is the truth about that scanner and asset. What it
 * reported there before and not now is no longer reported by it; a finding closes when no scanner still
 * reports it, and reopens when one does again.
 */
describe.each(IMPORT_BACKENDS)("importReport --full-scan on $title", (backend) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let grype: Finding[];
  let trivy: Finding[];
  const byComponent = (list: Finding[], component: string): Finding =>
    list.find((f) => f.component === component)!;
  const get = (f: Finding): Promise<Stored> =>
    getFinding({ ctx: { store: t.store }, input: { id: fingerprint(f) } });
  const list = (status: "open" | "fixed") =>
    listFindings({
      ctx: { store: t.store, budget: { percent: 5 }, escalateFrom: "attend" },
      input: { status, limit: 1000 },
    });

  beforeAll(async () => {
    t = await backend.open();
    dir = await tempDir();
    grype = await readFindings(GRYPE);
    trivy = await readFindings(TRIVY);
  });
  afterAll(async () => {
    await t?.dispose();
    await dir?.remove();
  });

  describe("a scanner's full scan of one asset", () => {
    let extra: Finding; // reported by Trivy only
    let billing: Finding[]; // Grype, another asset
    let partial: ImportResult;
    let full: ImportResult;
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      const trivyPlus = await writeTrivyReport(dir.path, "trivy-plus.json", { extra: 1 });
      extra = (await readFindings(trivyPlus)).find((f) => f.component === "extra-pkg-0")!;
      billing = await readFindings(BILLING);
      await importFile(t.store, trivyPlus, { now: NOW });
      await importFile(t.store, GRYPE, { now: NOW });
      await importFile(t.store, BILLING, { now: NOW });
      // zlib1g and ws upgraded; first an ordinary import of that scan, then the same as a full scan.
      const reduced = await grypeWithout(dir.path, ["zlib1g", "ws"]);
      partial = await importFile(t.store, reduced, { now: T1 });
      full = await importFile(t.store, reduced, { now: T2, fullScan: true });
    });

    it("closes nothing without --full-scan", () => {
      expect(partial.closed).toBe(0);
    });

    it("closes what no scanner reports any more: status fixed, closed_at and a 'closed' event", async () => {
      expect(full.closed).toBe(1);
      const zlib = await get(byComponent(grype, "zlib1g"));
      expect(zlib.finding.status).toBe("fixed");
      expect(zlib.sources.map((s) => [s.scanner, s.present])).toEqual([["grype", false]]);
      expect(zlib.events.map((e) => [e.kind, e.at.getTime()])).toEqual([["closed", T2.getTime()]]);
      const [row] = await t.store.query(`SELECT closed_at FROM findings WHERE fingerprint = $1`, [
        zlib.fingerprint,
      ]);
      expect(new Date(row!.closed_at as string).getTime()).toBe(T2.getTime());
      const [imp] = await t.store.query(`SELECT full_scan, closed FROM imports WHERE id = $1`, [
        full.importId,
      ]);
      expect(imp).toEqual({ full_scan: true, closed: 1 });
    });

    it("keeps open a finding another scanner still reports, marking only this scanner's source gone", async () => {
      const ws = await get(byComponent(trivy, "ws"));
      expect(ws.finding.status).toBe("open");
      expect(ws.events).toEqual([]);
      expect(ws.sources.map((s) => [s.scanner, s.present])).toEqual([
        ["grype", false],
        ["trivy", true],
      ]);
      const onlyTrivy = await get(extra);
      expect(onlyTrivy.finding.status).toBe("open");
      expect(onlyTrivy.sources.map((s) => [s.scanner, s.present])).toEqual([["trivy", true]]);
    });

    it("leaves the scanner's findings on other assets alone", async () => {
      for (const f of billing) {
        const stored = await get(f);
        expect(stored.finding.status).toBe(f.status);
        expect(stored.sources.every((s) => s.present)).toBe(true);
        expect(stored.events).toEqual([]);
      }
    });

    it("keeps what is still reported open, and lists the closed finding only under status fixed", async () => {
      for (const f of grype.filter((g) => !["zlib1g", "ws"].includes(g.component))) {
        expect((await get(f)).finding.status).toBe("open");
      }
      const zlibPrint = fingerprint(byComponent(grype, "zlib1g"));
      expect((await list("open")).rows.map((r) => r.fingerprint)).not.toContain(zlibPrint);
      expect((await list("fixed")).rows.map((r) => r.fingerprint)).toEqual([zlibPrint]);
    });
  });

  describe("the last scanner to stop reporting a finding, then a report of it again", () => {
    const results: Record<string, ImportResult> = {};
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      await importFile(t.store, GRYPE, { now: NOW });
      results.grypeFull = await importFile(t.store, await grypeWithout(dir.path, ["ws"]), {
        now: T1,
        fullScan: true,
      });
      results.trivyFull = await importFile(
        t.store,
        await writeTrivyReport(dir.path, "no-ws.json", { drop: ["ws"] }),
        {
          now: T2,
          fullScan: true,
        },
      );
      results.again = await importFile(t.store, GRYPE, { now: T3 });
    });

    it("closes the finding when the last scanner's full scan no longer reports it", () => {
      expect(results.grypeFull!.closed).toBe(0);
      expect(results.trivyFull!.closed).toBe(1);
    });

    it("reopens it when it is reported again: status open, a 'reopened' event, counted as reopened", async () => {
      expect(results.again).toMatchObject({
        created: 0,
        reopened: 1,
        updated: new Set(grype.map(fingerprint)).size - 1,
        closed: 0,
      });
      const ws = await get(byComponent(grype, "ws"));
      expect(ws.finding.status).toBe("open");
      expect(ws.events.map((e) => [e.kind, e.at.getTime()])).toEqual([
        ["closed", T2.getTime()],
        ["reopened", T3.getTime()],
      ]);
      expect(ws.sources.map((s) => [s.scanner, s.present])).toEqual([
        ["grype", true],
        ["trivy", false],
      ]);
      const [row] = await t.store.query(`SELECT closed_at FROM findings WHERE fingerprint = $1`, [
        ws.fingerprint,
      ]);
      expect(row!.closed_at).toBeNull();
      expect((await list("open")).rows.map((r) => r.fingerprint)).toContain(ws.fingerprint);
      const [imp] = await t.store.query(`SELECT reopened FROM imports WHERE id = $1`, [
        results.again!.importId,
      ]);
      expect(imp).toEqual({ reopened: 1 });
    });
  });

  describe("a full scan that finds nothing left on an asset", () => {
    const NESSUS = fixture("nessus/scan.nessus");
    const SARIF = fixture("sarif/codeql-storefront.sarif");
    const OSV = fixture("osv-scanner/storefront-v2.json");
    const openOn = async (asset: string): Promise<string[]> =>
      (
        await t.store.query<{ scanner: string }>(
          `SELECT DISTINCT s.scanner FROM findings f JOIN finding_sources s ON s.finding_id = f.id
            WHERE f.asset_key = $1 AND f.status = 'open' AND s.present ORDER BY 1`,
          [asset],
        )
      ).map((r) => r.scanner);
    const findingsOn = async (asset: string): Promise<number> =>
      Number(
        (
          await t.store.query<{ n: string }>(
            `SELECT count(*) AS n FROM findings WHERE asset_key = $1 AND status = 'open'`,
            [asset],
          )
        )[0]!.n,
      );
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
    });

    it("closes every finding of a Trivy scan whose report has no vulnerabilities left, and none for a report without package results", async () => {
      const asset = trivy[0]!.assetKey;
      await importFile(t.store, TRIVY, { now: NOW });
      const open = await findingsOn(asset);
      expect(open).toBeGreaterThan(0);
      const clean = await writeEditedJson("trivy/payments-api-image.json", dir.path, "clean.json", (doc) => {
        for (const r of doc.Results as Record<string, unknown>[]) r.Vulnerabilities = [];
      });
      const result = await importFile(t.store, clean, { now: T1, fullScan: true });
      expect(result).toMatchObject({ read: 0, closed: open });
      expect(await findingsOn(asset)).toBe(0);

      await importFile(t.store, TRIVY, { now: T2 });
      expect(await findingsOn(asset)).toBe(open);
      // A secret scan (`--scanners secret`), or one that found no packages, says nothing of vulnerabilities.
      const secretsOnly = await writeEditedJson(
        "trivy/payments-api-image.json",
        dir.path,
        "secrets.json",
        (doc) => {
          doc.Results = [{ Target: "/app/.env", Class: "secret" }];
        },
      );
      expect((await importFile(t.store, secretsOnly, { now: T3, fullScan: true })).closed).toBe(0);
      const noResults = await writeEditedJson(
        "trivy/payments-api-image.json",
        dir.path,
        "none.json",
        (doc) => {
          delete doc.Results;
        },
      );
      expect((await importFile(t.store, noResults, { now: T3, fullScan: true })).closed).toBe(0);
      expect(await findingsOn(asset)).toBe(open);
    });

    it("closes a Grype scan's findings when it matches nothing, and leaves other scanners' alone", async () => {
      const asset = grype[0]!.assetKey;
      await importFile(t.store, GRYPE, { now: NOW });
      await importFile(t.store, TRIVY, { now: NOW });
      const none = await writeEditedJson(
        "grype/payments-api-image.json",
        dir.path,
        "no-matches.json",
        (doc) => {
          doc.matches = [];
        },
      );
      const result = await importFile(t.store, none, { now: T1, fullScan: true });
      expect(result.read).toBe(0);
      expect(result.closed).toBeGreaterThan(0);
      expect(await openOn(asset)).toEqual(["trivy"]);
    });

    it("closes a Nessus host's findings when its host is scanned with nothing reported", async () => {
      await importFile(t.store, NESSUS, { now: NOW });
      expect(await findingsOn("web01.example.com")).toBeGreaterThan(0);
      // The host's items all fixed: only the informational "scan information" item is left.
      const text = await readFile(NESSUS, "utf8");
      const start = text.indexOf('<ReportItem port="22"');
      const end = text.indexOf("</ReportHost>", start);
      const path = join(dir.path, "clean.nessus");
      await writeFile(path, text.slice(0, start) + text.slice(end));
      const result = await importFile(t.store, path, { now: T1, fullScan: true });
      expect(result.closed).toBeGreaterThan(0);
      expect(await findingsOn("web01.example.com")).toBe(0);
      expect(await findingsOn("192.0.2.20")).toBeGreaterThan(0);
    });

    it("closes a SARIF run's findings when the run has no results", async () => {
      const [first] = await readFindings(SARIF);
      await importFile(t.store, SARIF, { now: NOW });
      expect(await findingsOn(first!.assetKey)).toBeGreaterThan(0);
      const clean = await writeEditedJson("sarif/codeql-storefront.sarif", dir.path, "clean.sarif", (doc) => {
        for (const run of doc.runs as Record<string, unknown>[]) run.results = [];
      });
      await importFile(t.store, clean, { now: T1, fullScan: true });
      expect(await findingsOn(first!.assetKey)).toBe(0);
    });

    it("closes nothing for a CycloneDX SBOM without vulnerabilities, or a SARIF run whose tool failed", async () => {
      const CDX = fixture("cyclonedx/trivy-payments-api.cdx.json");
      const [first] = await readFindings(CDX);
      await importFile(t.store, CDX, { now: NOW });
      const open = await findingsOn(first!.assetKey);
      expect(open).toBeGreaterThan(0);
      const sbom = await writeEditedJson(
        "cyclonedx/trivy-payments-api.cdx.json",
        dir.path,
        "sbom.json",
        (doc) => {
          delete doc.vulnerabilities;
        },
      );
      expect((await importFile(t.store, sbom, { now: T1, fullScan: true })).closed).toBe(0);
      expect(await findingsOn(first!.assetKey)).toBe(open);

      const [code] = await readFindings(SARIF);
      await importFile(t.store, SARIF, { now: NOW });
      const failed = await writeEditedJson(
        "sarif/codeql-storefront.sarif",
        dir.path,
        "failed.sarif",
        (doc) => {
          for (const run of doc.runs as Record<string, unknown>[]) {
            run.results = [];
            run.invocations = [{ executionSuccessful: false }];
          }
        },
      );
      expect((await importFile(t.store, failed, { now: T1, fullScan: true })).closed).toBe(0);
      expect(await findingsOn(code!.assetKey)).toBeGreaterThan(0);
    });

    it("closes a SARIF run's findings only under the asset its findings were given", async () => {
      // automationDetails before the results and versionControlProvenance (which names the asset first)
      // after them: the run's findings are keyed by the first, and so is its full scan.
      await importFile(t.store, SARIF, { now: NOW });
      const reordered = await writeEditedJson(
        "sarif/codeql-storefront.sarif",
        dir.path,
        "order.sarif",
        (doc) => {
          doc.runs = (doc.runs as Record<string, unknown>[]).map(({ versionControlProvenance, ...run }) => ({
            ...run,
            versionControlProvenance,
          }));
        },
      );
      const [moved] = await readFindings(reordered);
      const [original] = await readFindings(SARIF);
      expect(moved!.assetKey).not.toBe(original!.assetKey);
      const open = await findingsOn(original!.assetKey);
      const full = await importFile(t.store, reordered, { now: T1, fullScan: true });
      expect(full.closed).toBe(0);
      expect(await findingsOn(original!.assetKey)).toBe(open);
    });

    it("does not refuse a full scan for an unnamed part of a report with nothing in it (an empty second SARIF run)", async () => {
      const twoRuns = await writeEditedJson("sarif/codeql-storefront.sarif", dir.path, "two.sarif", (doc) => {
        (doc.runs as unknown[]).push({ tool: { driver: { name: "semgrep" } }, results: [] });
      });
      const result = await importFile(t.store, twoRuns, { now: NOW, fullScan: true });
      expect(result.read).toBeGreaterThan(0);
    });

    it("refuses a full scan of a report that names no asset, writing nothing; --asset names it", async () => {
      const before = await countRows(t.store, "imports");
      await expect(importFile(t.store, OSV, { now: NOW, fullScan: true })).rejects.toThrow(
        /storefront-v2\.json: a full scan needs to know which asset was scanned.*--asset KEY/,
      );
      expect(await countRows(t.store, "imports")).toBe(before);
      expect(await findingsOn("")).toBe(0);
      const named = await importFile(t.store, OSV, { now: NOW, fullScan: true, asset: "storefront" });
      expect(named.created).toBeGreaterThan(0);
      const clean = await writeEditedJson(
        "osv-scanner/storefront-v2.json",
        dir.path,
        "clean-osv.json",
        (doc) => {
          doc.results = [];
        },
      );
      // No results: the report names no scanned source, so it says nothing about the asset.
      expect(
        (await importFile(t.store, clean, { now: T1, fullScan: true, asset: "storefront" })).closed,
      ).toBe(0);
    });
  });

  describe("a full scan the same day, of findings brought unchanged but one", () => {
    // Same day: the decisions do not move, so what is still reported takes the path that writes only
    // its sources; the full scan has to tell those from the one it no longer reports.
    const LATER = new Date(NOW.getTime() + 60_000);
    let full: ImportResult;
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, GRYPE, { now: NOW });
      full = await importFile(t.store, await grypeWithout(dir.path, ["zlib1g"]), {
        now: LATER,
        fullScan: true,
      });
    });

    it("closes the finding it no longer reports and keeps the rest open, seen now", async () => {
      expect(full).toMatchObject({ created: 0, closed: 1 });
      expect((await get(byComponent(grype, "zlib1g"))).finding.status).toBe("fixed");
      for (const f of grype.filter((g) => g.component !== "zlib1g")) {
        const stored = await get(f);
        expect(stored.finding.status, f.component).toBe("open");
        expect(stored.sources.map((s) => [s.scanner, s.present, s.lastSeen.getTime()])).toEqual([
          ["grype", true, LATER.getTime()],
        ]);
        expect(stored.lastSeen.getTime()).toBe(LATER.getTime());
      }
      // Their own rows were not written: only their sources were marked seen.
      const rows = await t.store.query<{ n: string }>(
        `SELECT count(*) AS n FROM findings WHERE status = 'open' AND last_seen = $1`,
        [NOW],
      );
      expect(Number(rows[0]!.n)).toBe(new Set(grype.map(fingerprint)).size - 1);
    });
  });
});
