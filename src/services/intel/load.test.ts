import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  daysAfterNow,
  fixture,
  NOW,
  resetStore,
  tableRows,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { bundledKevPath } from "../../vuln/intel/bundled.js";
import { loadIntelIndex } from "../../vuln/intel/load-index.js";
import { openIntelFile } from "../../vuln/intel/open.js";
import type {
  CvssEntry,
  EpssEntry,
  IntelRecord,
  KevEntry,
  VulnrichmentSsvc,
} from "../../vuln/intel/types.js";
import { intelStatus, loadIntel, type IntelLoadResult } from "./load.js";
import { seedBundledIntel } from "./seed.js";
import { storeIntel } from "./store-lookup.js";

const KEV = fixture("intel/kev/kev-small.json");
const EPSS = fixture("intel/epss/epss-small.csv");
const EPSS_GZ = fixture("intel/epss/epss-small.csv.gz");
const NVD = fixture("intel/nvd/nvd-page.json");
const VULNRICHMENT = fixture("intel/vulnrichment/tree");

/** Everything an intel file holds, read by its loader alone (no store). */
async function readIntel(path: string) {
  const file = await openIntelFile(path);
  const out = {
    kev: [] as KevEntry[],
    epss: [] as EpssEntry[],
    cvss: [] as CvssEntry[],
    ssvc: [] as VulnrichmentSsvc[],
  };
  for await (const b of file.batches) {
    if (b.source === "kev") out.kev.push(...b.kev);
    if (b.source === "epss") out.epss.push(...b.epss);
    if (b.source === "nvd" || b.source === "vulnrichment") out.cvss.push(...b.cvss);
    if (b.source === "vulnrichment") out.ssvc.push(...b.ssvc);
  }
  return { ...out, meta: file.meta(), gzip: file.gzip };
}

async function load(t: TestStore, path: string, options: { now?: Date; batchSize?: number } = {}) {
  const file = await openIntelFile(path, { batchSize: options.batchSize });
  return loadIntel({ ctx: { store: t.store, now: options.now ?? NOW }, input: { file, origin: path } });
}

const sortByCve = <T extends { cve: string }>(xs: readonly T[]): T[] =>
  [...xs].sort((a, b) => a.cve.localeCompare(b.cve));

/** An IntelRecord as decisions use it (EPSS's own CVE and date are not needed there). */
function comparable(r: IntelRecord | undefined) {
  return {
    kev: r?.kev,
    epss: r?.epss && { score: r.epss.score, percentile: r.epss.percentile },
    cvss: r?.cvss,
    ssvc: r?.ssvc,
  };
}

async function rejection(p: Promise<unknown>): Promise<DetenteError> {
  const e = await p.then(
    () => new Error("expected the load to fail"),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DetenteError);
  return e as DetenteError;
}

describe.each(STORE_BACKENDS)("intel in the store on $name", (backend) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await backend.open();
    dir = await tempDir();
  });
  afterAll(async () => {
    await t?.dispose();
    await dir?.remove();
  });

  describe("loading each kind of file", () => {
    const results = new Map<string, IntelLoadResult>();
    beforeAll(async () => {
      await resetStore(t.store);
      for (const path of [KEV, EPSS, EPSS_GZ, NVD, VULNRICHMENT]) results.set(path, await load(t, path));
    });

    it("stores KEV entries as the loader reads them", async () => {
      const { kev, meta } = await readIntel(KEV);
      expect(results.get(KEV)).toMatchObject({ source: "kev", rows: kev.length, meta });
      const rows = await t.store.query(
        `SELECT *, date_added::text AS date_added, due_date::text AS due_date FROM intel_kev ORDER BY cve`,
      );
      expect(
        rows.map((r) => ({
          cve: r.cve,
          vendorProject: r.vendor_project,
          product: r.product,
          name: r.name,
          dateAdded: r.date_added,
          dueDate: r.due_date,
          requiredAction: r.required_action,
          ransomware: r.ransomware,
        })),
      ).toEqual(sortByCve(kev));
    });

    it("stores EPSS from plain and gzip files alike", async () => {
      const plain = await readIntel(EPSS);
      const gz = await readIntel(EPSS_GZ);
      expect([plain.gzip, gz.gzip]).toEqual([false, true]);
      expect(gz.epss).toEqual(plain.epss);
      expect(results.get(EPSS)).toMatchObject({ source: "epss", rows: plain.epss.length });
      expect(results.get(EPSS_GZ)).toMatchObject({ source: "epss", rows: gz.epss.length, meta: gz.meta });
      const rows = await tableRows(t.store, "intel_epss");
      const expected = sortByCve(gz.epss);
      expect(rows.map((r) => r.cve)).toEqual(expected.map((e) => e.cve));
      expected.forEach((e, i) => {
        expect(Number(rows[i]!.score), e.cve).toBeCloseTo(e.score, 6);
        expect(Number(rows[i]!.percentile), e.cve).toBeCloseTo(e.percentile, 6);
      });
    });

    it("adds NVD and Vulnrichment CVSS and SSVC to what is there (partial sources)", async () => {
      const nvd = await readIntel(NVD);
      const vr = await readIntel(VULNRICHMENT);
      expect(results.get(NVD)).toMatchObject({ source: "nvd", rows: nvd.cvss.length, meta: nvd.meta });
      expect(results.get(VULNRICHMENT)).toMatchObject({
        source: "vulnrichment",
        rows: vr.ssvc.length,
        meta: vr.meta,
      });
      const cvss = await tableRows(t.store, "intel_cvss");
      expect(cvss.map((r) => r.cve)).toEqual(sortByCve([...nvd.cvss, ...vr.cvss]).map((e) => e.cve));
      const ssvc = await tableRows(t.store, "intel_ssvc");
      expect(
        ssvc.map((r) => ({
          cve: r.cve,
          exploitation: r.exploitation,
          automatable: r.automatable,
          technicalImpact: r.technical_impact,
          timestamp: r.timestamp,
        })),
      ).toEqual(sortByCve(vr.ssvc));
    });

    it("reports each source's last load in intelStatus", async () => {
      const last = { kev: KEV, epss: EPSS_GZ, nvd: NVD, vulnrichment: VULNRICHMENT };
      expect(await intelStatus({ ctx: { store: t.store } })).toEqual(
        Object.entries(last)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([source, path]) => {
            const r = results.get(path)!;
            return {
              source,
              version: r.meta.version,
              sourceDate: r.meta.date,
              rows: r.rows,
              origin: path,
              loadedAt: NOW.toISOString(),
            };
          }),
      );
    });
  });

  describe("KEV and EPSS loads replace the catalog", () => {
    beforeAll(async () => {
      await resetStore(t.store);
    });

    it("seeds the bundled KEV snapshot once", async () => {
      expect(await seedBundledIntel({ store: t.store, now: NOW })).toBe(true);
      const bundled = await readIntel(bundledKevPath());
      expect((await tableRows(t.store, "intel_kev")).map((r) => r.cve)).toEqual(
        sortByCve(bundled.kev).map((k) => k.cve),
      );
      const before = await tableRows(t.store, "intel_sources");
      expect(await seedBundledIntel({ store: t.store, now: daysAfterNow(1) })).toBe(false);
      expect(await tableRows(t.store, "intel_sources")).toEqual(before);
    });

    it("keeps only the entries of the last KEV file", async () => {
      await load(t, KEV);
      const { kev } = await readIntel(KEV);
      expect((await tableRows(t.store, "intel_kev")).map((r) => r.cve)).toEqual(
        sortByCve(kev).map((k) => k.cve),
      );
    });

    it("keeps only the rows of the last EPSS file", async () => {
      await load(t, EPSS);
      const smaller = join(dir.path, "epss-smaller.csv");
      await writeFile(
        smaller,
        "#model_version:v2025.04.01,score_date:2025-09-01T12:55:00Z\ncve,epss,percentile\n" +
          "CVE-2021-44228,0.5,0.9\nCVE-2024-2511,0.25,0.8\nCVE-2099-0007,0.001,0.1\n",
      );
      const result = await load(t, smaller);
      const rows = await tableRows(t.store, "intel_epss");
      expect(rows.map((r) => [r.cve, Number(r.score), Number(r.percentile)])).toEqual([
        ["CVE-2021-44228", 0.5, 0.9],
        ["CVE-2024-2511", 0.25, 0.8],
        ["CVE-2099-0007", 0.001, 0.1],
      ]);
      expect(result.rows).toBe(3);
      const epss = (await intelStatus({ ctx: { store: t.store } })).find((s) => s.source === "epss");
      expect(epss).toMatchObject({ rows: 3, origin: smaller, version: "v2025.04.01" });
    });
  });

  describe("a load that fails midway", () => {
    const TABLES = ["intel_kev", "intel_epss", "intel_sources"];
    let before: Record<string, unknown>[][];
    beforeAll(async () => {
      await resetStore(t.store);
      await load(t, KEV);
      await load(t, EPSS);
      before = await Promise.all(TABLES.map((x) => tableRows(t.store, x)));
    });

    it("leaves the previous KEV catalog and its status untouched", async () => {
      // The full bundled catalog, cut at 60%: the first batches replace rows before the break shows.
      const text = await readFile(bundledKevPath(), "utf8");
      const cut = join(dir.path, "kev-cut.json");
      await writeFile(cut, text.slice(0, Math.floor(text.length * 0.6)));
      const e = await rejection(load(t, cut, { now: daysAfterNow(1), batchSize: 50 }));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.message).toContain(cut);
      expect(await Promise.all(TABLES.map((x) => tableRows(t.store, x)))).toEqual(before);
    });

    it("leaves the previous EPSS scores untouched when a .gz file is cut short", async () => {
      const lines = ["#model_version:v2025.05.01,score_date:2025-09-02T12:55:00Z", "cve,epss,percentile"];
      for (let i = 0; i < 20_000; i++)
        lines.push(`CVE-2090-${10000 + i},0.0${(i % 9) + 1},0.${(i % 89) + 10}`);
      const gz = gzipSync(lines.join("\n") + "\n");
      const cut = join(dir.path, "epss-cut.csv.gz");
      await writeFile(cut, gz.subarray(0, Math.floor(gz.length * 0.7)));
      let readable = 0;
      await rejection(
        (async () => {
          for await (const b of (await openIntelFile(cut, { batchSize: 1000 })).batches)
            if (b.source === "epss") readable += b.epss.length;
        })(),
      );
      expect(readable).toBeGreaterThan(1000);
      const e = await rejection(load(t, cut, { now: daysAfterNow(1), batchSize: 1000 }));
      expect(e.message).toContain(cut);
      expect(await Promise.all(TABLES.map((x) => tableRows(t.store, x)))).toEqual(before);
    });
  });

  describe("storeIntel", () => {
    const FILES = [KEV, EPSS, NVD, VULNRICHMENT];
    let cves: string[];
    beforeAll(async () => {
      await resetStore(t.store);
      for (const path of FILES) await load(t, path);
      const all = await Promise.all(FILES.map(readIntel));
      cves = [...new Set(all.flatMap((x) => [...x.kev, ...x.epss, ...x.cvss, ...x.ssvc].map((e) => e.cve)))];
    });

    it("gives for every CVE the record the in-memory index merges from the same files", async () => {
      const { index } = await loadIntelIndex(FILES);
      const intel = storeIntel(t.store);
      expect(intel.get(cves[0]!)).toBeUndefined(); // nothing before prefetch
      await intel.prefetch([...cves, "CVE-1990-0001", "GHSA-jfh8-c2jp-5v3q"]);
      for (const cve of cves) expect(comparable(intel.get(cve)), cve).toEqual(comparable(index.get(cve)));
      expect(intel.get("CVE-1990-0001")).toEqual({});
      expect(intel.get("GHSA-jfh8-c2jp-5v3q")).toBeUndefined();
    });

    it("prefetches on the transaction it is given", async () => {
      const intel = storeIntel(t.store);
      await t.store
        .transaction(async (tx) => {
          await tx.query(`DELETE FROM intel_kev WHERE cve = 'CVE-2021-44228'`);
          await intel.prefetch(["CVE-2021-44228"], tx);
          throw new Error("roll back");
        })
        .catch(() => undefined);
      // Seen inside the transaction: deleted there.
      expect(intel.get("CVE-2021-44228")?.kev).toBeUndefined();
      expect(await tableRows(t.store, "intel_kev")).toHaveLength((await readIntel(KEV)).kev.length);
    });

    it("prefers NVD's CVSS to Vulnrichment's, whichever was loaded last, as the in-memory index does", async () => {
      // A Vulnrichment record for a CVE the NVD page also scores (made from CVE-2099-0002: CVSS 3.1 5.3).
      const record = await readFile(join(VULNRICHMENT, "2099", "0xxx", "CVE-2099-0002.json"), "utf8");
      const tree = join(dir.path, "vulnrichment");
      await mkdir(join(tree, "2023", "22xxx"), { recursive: true });
      await writeFile(
        join(tree, "2023", "22xxx", "CVE-2023-22515.json"),
        record.replaceAll("CVE-2099-0002", "CVE-2023-22515"),
      );
      await load(t, NVD);
      await load(t, tree);
      const { index } = await loadIntelIndex([NVD, tree]);
      const intel = storeIntel(t.store);
      await intel.prefetch(["CVE-2023-22515"]);
      const stored = intel.get("CVE-2023-22515")?.cvss;
      const expected = index.get("CVE-2023-22515")?.cvss;
      expect(expected?.cvss3?.score).toBe(9.8); // NVD's own score on the page
      expect([stored?.cvss3, stored?.cvss4]).toEqual([expected?.cvss3, expected?.cvss4]);
    });
  });
});
