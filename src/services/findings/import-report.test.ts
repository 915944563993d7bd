import { stat, truncate } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeEditedJson, writeTrivyReport } from "../../../test/helpers/reports.js";
import {
  COMPANY_ASSETS,
  countRows,
  daysAfterNow,
  fixture,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  resetStore,
  tableRows,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { IMPORT_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { createAssetMatcher, loadAssets } from "../../vuln/assets/index.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import { openReport } from "../../vuln/formats/read.js";
import { bundledKevPath } from "../../vuln/intel/bundled.js";
import { loadIntelIndex } from "../../vuln/intel/load-index.js";
import { decide } from "../../vuln/triage/decide.js";
import { DEFAULT_TRIAGE_POLICY } from "../../vuln/triage/policy.js";
import { policyAssetDefaults } from "../assets/store-assets.js";
import { preloadPays, type ImportResult } from "./import-report.js";
import { LAST_SEEN_SQL } from "./list.js";

const TRIVY = fixture("trivy/payments-api-image.json");
const GRYPE = fixture("grype/payments-api-image.json");
const LATER = daysAfterNow(3);

type Row = Record<string, unknown>;
const time = (v: unknown): number => new Date(v as string).getTime();

/** Every finding's row, with `seen`: its last sighting as lists and the API show it. */
async function findingsByPrint(t: TestStore): Promise<Map<string, Row>> {
  const rows = await t.store.query(
    `SELECT *, due_date::text AS due, ${LAST_SEEN_SQL} AS seen FROM findings f`,
  );
  return new Map(rows.map((r) => [String(r.fingerprint), r]));
}

async function sourcesOf(t: TestStore, print: string): Promise<Row[]> {
  return t.store.query(
    `SELECT s.scanner, s.present, s.first_seen, s.last_seen FROM finding_sources s
       JOIN findings f ON f.id = s.finding_id WHERE f.fingerprint = $1 ORDER BY s.scanner`,
    [print],
  );
}

describe.each(IMPORT_BACKENDS)("importReport on $title", (backend) => {
  let t: TestStore;
  let trivy: Finding[];
  let grype: Finding[];
  beforeAll(async () => {
    t = await backend.open();
    trivy = await readFindings(TRIVY);
    grype = await readFindings(GRYPE);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  describe("the same vulnerabilities from Trivy and Grype", () => {
    const results: ImportResult[] = [];
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      results.push(await importFile(t.store, TRIVY, { now: NOW }));
      results.push(await importFile(t.store, GRYPE, { now: NOW }));
    });

    it("counts what each import read, created and updated", async () => {
      const trivyPrints = new Set(trivy.map(fingerprint));
      const grypePrints = new Set(grype.map(fingerprint));
      const shared = [...grypePrints].filter((p) => trivyPrints.has(p));
      expect(shared).toHaveLength(trivyPrints.size); // the fixtures' README: the same three vulnerabilities
      expect(results[0]).toMatchObject({
        format: "trivy",
        read: trivy.length,
        created: trivyPrints.size,
        updated: 0,
        reopened: 0,
        closed: 0,
        unmatched: 0,
      });
      expect(results[1]).toMatchObject({
        format: "grype",
        read: grype.length,
        created: grypePrints.size - shared.length,
        updated: shared.length,
        reopened: 0,
        closed: 0,
        unmatched: 0,
      });
      const imports = await tableRows(t.store, "imports");
      expect(
        imports.map((r) => ({
          importId: Number(r.id),
          format: r.format,
          read: r.findings,
          created: r.created,
          updated: r.updated,
          closed: r.closed,
          reopened: r.reopened,
          unmatched: r.unmatched,
          fullScan: r.full_scan,
          finishedAt: time(r.finished_at),
        })),
      ).toEqual(
        results.map((r) => ({
          importId: r.importId,
          format: r.format,
          read: r.read,
          created: r.created,
          updated: r.updated,
          closed: r.closed,
          reopened: r.reopened,
          unmatched: r.unmatched,
          fullScan: false,
          finishedAt: NOW.getTime(),
        })),
      );
    });

    it("stores one finding per identity, with one source row per scanner", async () => {
      const stored = await findingsByPrint(t);
      const prints = new Set([...trivy, ...grype].map(fingerprint));
      expect(new Set(stored.keys())).toEqual(prints);
      for (const print of prints) {
        const scanners = [
          ...(trivy.some((f) => fingerprint(f) === print) ? ["trivy"] : []),
          ...(grype.some((f) => fingerprint(f) === print) ? ["grype"] : []),
        ].sort();
        const sources = await sourcesOf(t, print);
        expect(sources.map((s) => [s.scanner, s.present, time(s.first_seen)])).toEqual(
          scanners.map((s) => [s, true, NOW.getTime()]),
        );
      }
      expect(await countRows(t.store, "finding_sources")).toBe(trivy.length + grype.length);
    });

    it("keeps the evidence only one scanner carries (Grype's KEV flag and EPSS)", async () => {
      const log4j = grype.find((f) => f.knownExploited === true)!;
      const row = (await findingsByPrint(t)).get(fingerprint(log4j))!;
      expect(row.scanner_kev).toBe(true);
      expect(Number(row.scanner_epss)).toBeCloseTo(log4j.epss!.score, 5);
    });
  });

  describe("a scanner that knows fewer aliases", () => {
    it("keeps the aliases an earlier scanner gave (Trivy's GHSA ids, then Trivy SARIF without them)", async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      const sarif = fixture("sarif/trivy-payments-api.sarif");
      const fromSarif = await readFindings(sarif);
      expect(fromSarif.map(fingerprint).sort()).toEqual(trivy.map(fingerprint).sort());
      expect(await importFile(t.store, sarif, { now: LATER })).toMatchObject({ created: 0 });
      for (const f of trivy.filter((x) => x.aliases.length > 0)) {
        // Aliases belong to the vulnerability, kept once in `vulnerabilities`.
        const [row] = await t.store.query(
          `SELECT v.aliases FROM findings f JOIN vulnerabilities v ON v.vuln_id = f.vuln_id WHERE f.fingerprint = $1`,
          [fingerprint(f)],
        );
        expect(row!.aliases, f.vulnId).toEqual(expect.arrayContaining(f.aliases));
      }
    });
  });

  describe("importing the same report again", () => {
    let before: Map<string, Row>;
    let again: ImportResult;
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      await importFile(t.store, GRYPE, { now: NOW });
      before = await findingsByPrint(t);
      again = await importFile(t.store, TRIVY, { now: LATER });
    });

    it("creates nothing and updates every finding it holds", async () => {
      expect(again).toMatchObject({
        read: trivy.length,
        created: 0,
        updated: trivy.length,
        reopened: 0,
        closed: 0,
      });
      expect(await countRows(t.store, "findings")).toBe(before.size);
      expect(await countRows(t.store, "finding_sources")).toBe(trivy.length + grype.length);
      expect(await countRows(t.store, "finding_events")).toBe(0);
      expect(await countRows(t.store, "imports")).toBe(3);
    });

    it("moves last_seen of what it reported, and of its own source rows only", async () => {
      const after = await findingsByPrint(t);
      const reported = new Set(trivy.map(fingerprint));
      for (const [print, row] of after) {
        expect(time(row.first_seen)).toBe(NOW.getTime());
        expect(time(row.seen)).toBe((reported.has(print) ? LATER : NOW).getTime());
        for (const s of await sourcesOf(t, print)) {
          expect(time(s.first_seen)).toBe(NOW.getTime());
          expect(time(s.last_seen)).toBe((s.scanner === "trivy" ? LATER : NOW).getTime());
        }
      }
    });

    it("does not lose what the other scanner said", async () => {
      const after = await findingsByPrint(t);
      for (const [print, row] of before) {
        const now = after.get(print)!;
        expect([now.scanner_kev, now.scanner_epss, now.exploit_available]).toEqual([
          row.scanner_kev,
          row.scanner_epss,
          row.exploit_available,
        ]);
      }
    });
  });

  describe("importing the same report again the same day, then an edited one", () => {
    // Same day: the age part of the score does not move, so the decisions are what they were.
    const SAME_DAY = new Date(NOW.getTime() + 60_000);
    const EDITED_AT = new Date(NOW.getTime() + 120_000);
    const BOOKKEEPING = new Set(["seen", "last_seen", "last_import_id", "decided_at", "content_hash"]);
    let first: Map<string, Row>;
    let second: Map<string, Row>;
    let secondSources: Row[];
    let edited: Map<string, Row>;
    let changed: string;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    const withoutBookkeeping = (row: Row): Row =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !BOOKKEEPING.has(k)));
    beforeAll(async () => {
      dir = await tempDir();
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      first = await findingsByPrint(t);
      await importFile(t.store, TRIVY, { now: SAME_DAY });
      second = await findingsByPrint(t);
      secondSources = await t.store.query(`SELECT * FROM finding_sources`);
      // The first vulnerability becomes critical and gets another fixed version.
      const path = await writeEditedJson("trivy/payments-api-image.json", dir.path, "edited.json", (doc) => {
        const results = doc.Results as { Vulnerabilities: Record<string, unknown>[] }[];
        const v = results[0]!.Vulnerabilities[0]!;
        v.Severity = "CRITICAL";
        v.FixedVersion = "9.9.9";
      });
      changed = fingerprint((await readFindings(path))[0]!);
      await importFile(t.store, path, { now: EDITED_AT });
      edited = await findingsByPrint(t);
    });
    afterAll(async () => {
      await dir?.remove();
    });

    it("marks every finding and source seen and writes nothing else", () => {
      expect(second.size).toBe(first.size);
      for (const [print, row] of second) {
        // The finding's own row is not written: only its sources are marked seen.
        const { seen, ...rest } = row;
        const { seen: firstSeen, ...firstRest } = first.get(print)!;
        expect(rest).toEqual(firstRest);
        expect(time(firstSeen)).toBe(NOW.getTime());
        expect(time(seen)).toBe(SAME_DAY.getTime());
      }
      expect(secondSources.length).toBe(second.size);
      for (const src of secondSources) expect(time(src.last_seen)).toBe(SAME_DAY.getTime());
    });

    it("writes what an edited report changed, and marks the rest seen", async () => {
      for (const [print, row] of edited) {
        expect(time(row.seen)).toBe(EDITED_AT.getTime());
        for (const s of await sourcesOf(t, print)) expect(time(s.last_seen)).toBe(EDITED_AT.getTime());
        if (print === changed) continue;
        expect(withoutBookkeeping(row)).toEqual(withoutBookkeeping(first.get(print)!));
      }
      const row = edited.get(changed)!;
      expect(row.severity).toBe("critical");
      expect(row.fixed_versions).toEqual(["9.9.9"]);
      expect(row.severity).not.toBe(first.get(changed)!.severity);
    });

    it("keeps a finding accepted by exception accepted when the report brings it unchanged", async () => {
      const one = [...edited.keys()].find((p) => p !== changed)!;
      await t.store.query(`UPDATE findings SET status = 'accepted' WHERE fingerprint = $1`, [one]);
      await importFile(t.store, TRIVY, { now: new Date(NOW.getTime() + 180_000) });
      const after = await findingsByPrint(t);
      expect(after.get(one)!.status).toBe("accepted");
      expect(time(after.get(one)!.seen)).toBe(NOW.getTime() + 180_000);
    });
  });

  describe("decisions", () => {
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
    });

    it("stores the decision the triage core makes with the stored intel and inventory, top reason first", async () => {
      const policy = DEFAULT_TRIAGE_POLICY;
      const inventory = await loadAssets(COMPANY_ASSETS);
      const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
      const { index } = await loadIntelIndex([bundledKevPath()]);
      const stored = await findingsByPrint(t);
      for (const finding of trivy) {
        const row = stored.get(fingerprint(finding))!;
        const asset = matcher.match(finding.assetKey);
        const d = decide({
          finding,
          intel: index.get(finding.vulnId),
          asset,
          policy,
          now: NOW,
          firstSeen: NOW,
        });
        expect(row).toMatchObject({ outcome: d.outcome, deployer: d.deployer, due: d.dueDate });
        expect(Number(row.score)).toBeCloseTo(d.score, 4);
        expect(row.top_reason).toBe(d.reasons[0]!.text);
        expect(row).toMatchObject({ owner: asset.asset.owner, asset_matched: true });
      }
    });

    it("acts on a CISA KEV vulnerability on a mission-critical internet-facing asset, saying KEV first", async () => {
      // Trivy's report says nothing about exploitation: KEV comes from the bundled snapshot.
      const log4j = trivy.find((f) => f.vulnId === "CVE-2021-44228")!;
      expect(log4j.knownExploited).toBeNull();
      const inventory = await loadAssets(COMPANY_ASSETS);
      const asset = createAssetMatcher(inventory.assets, inventory.defaults).match(log4j.assetKey).asset;
      expect([asset.criticality, asset.exposure]).toEqual(["mission-critical", "internet"]);

      const row = (await findingsByPrint(t)).get(fingerprint(log4j))!;
      expect(row.outcome).toBe("act");
      expect(row.top_reason).toMatch(/CISA KEV/);
    });

    it("uses the default context and counts unmatched findings when no inventory is loaded", async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: false });
      const result = await importFile(t.store, TRIVY, { now: NOW });
      expect(result.unmatched).toBe(trivy.length);
      const owners = [...(await findingsByPrint(t)).values()].map((r) => [r.owner, r.asset_matched]);
      expect(owners).toEqual(trivy.map(() => [policyAssetDefaults(DEFAULT_TRIAGE_POLICY).owner, false]));
    });
  });

  describe("a report that breaks partway", () => {
    const TABLES = ["findings", "finding_sources", "finding_events", "imports", "vulnerabilities"];
    let dir: Awaited<ReturnType<typeof tempDir>>;
    beforeAll(async () => {
      dir = await tempDir();
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      await importFile(t.store, GRYPE, { now: NOW });
    });
    afterAll(async () => {
      await dir?.remove();
    });

    it("fails naming the file and leaves the store exactly as it was", async () => {
      // Thousands of findings over several 4 MiB read chunks, cut in the middle of the last ones: the
      // first batches are valid and are staged before the end of the file shows the break.
      const path = await writeTrivyReport(dir.path, "cut.json", { extra: 6000, padding: 1000 });
      await truncate(path, Math.floor((await stat(path)).size * 0.8));
      expect((await stat(path)).size).toBeGreaterThan(4 * 1024 * 1024);
      let readable = 0;
      const readError = await (async () => {
        for await (const batch of (await openReport(path)).findings) readable += batch.length;
      })().catch((e: unknown) => e);
      expect(readError).toBeInstanceOf(DetenteError);
      expect(readable).toBeGreaterThan(1000);

      const before = await Promise.all(TABLES.map((table) => tableRows(t.store, table)));
      const error = await importFile(t.store, path, { now: LATER }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DetenteError);
      expect((error as DetenteError).code).toBe("INVALID_INPUT");
      expect((error as DetenteError).message).toContain(path);
      expect((error as DetenteError).message).toMatch(/line \d+/);
      expect(await Promise.all(TABLES.map((table) => tableRows(t.store, table)))).toEqual(before);

      // And the store still takes the next import.
      expect(await importFile(t.store, GRYPE, { now: LATER })).toMatchObject({
        created: 0,
        updated: new Set(grype.map(fingerprint)).size,
      });
    });

    it("takes a report of no findings into a store that has some, changing no finding", async () => {
      const path = await writeEditedJson("trivy/payments-api-image.json", dir.path, "none.json", (doc) => {
        doc.Results = [];
      });
      const before = await Promise.all(
        ["findings", "finding_sources"].map((table) => tableRows(t.store, table)),
      );
      expect(await importFile(t.store, path, { now: LATER })).toMatchObject({
        read: 0,
        created: 0,
        updated: 0,
      });
      expect(
        await Promise.all(["findings", "finding_sources"].map((table) => tableRows(t.store, table))),
      ).toEqual(before);
    });
  });
});

describe("preloadPays", () => {
  it("reads the stored findings up front only for a report about as large as a large store", () => {
    // A re-import of the benchmark's 1,000,000 findings (1.2 GB of Trivy JSON).
    expect(preloadPays(1_000_000, 1.2e9)).toBe(true);
    // A day's scan of one service into the same store.
    expect(preloadPays(1_000_000, 20e6)).toBe(false);
    // A store small enough to stay in the database's cache; one never analyzed (-1).
    expect(preloadPays(50_000, 1e9)).toBe(false);
    expect(preloadPays(-1, 1e9)).toBe(false);
    // A store too large to hold here; a report of unknown size (read from a pipe).
    expect(preloadPays(10_000_000, 100e9)).toBe(false);
    expect(preloadPays(1_000_000, undefined)).toBe(false);
  });
});
