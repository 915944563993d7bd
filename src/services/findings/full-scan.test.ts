import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grypeWithout, writeTrivyReport } from "../../../test/helpers/reports.js";
import {
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
