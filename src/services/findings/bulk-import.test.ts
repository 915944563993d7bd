import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeEditedJson, writeTrivyReport } from "../../../test/helpers/reports.js";
import {
  countRows,
  daysAfterNow,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  resetStore,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { IMPORT_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import type { Store } from "../../store/open.js";
import { DetenteError } from "../../errors.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import { LAST_SEEN_SQL } from "./list.js";

const LATER = daysAfterNow(2);
/** Enough findings for several database writes (5,000 findings each) and several read chunks. */
const EXTRA = 12_000;

/** The indexes, keys, constraints and column defaults of the finding tables, as the catalog defines them. */
async function schemaOf(store: Store): Promise<string[]> {
  const rows = await store.query<{ def: string }>(
    `SELECT indexdef AS def FROM pg_indexes WHERE tablename IN ('findings', 'finding_sources', 'finding_events')
     UNION ALL
     SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE conrelid IN ('findings'::regclass, 'finding_sources'::regclass, 'finding_events'::regclass)
     UNION ALL
     SELECT table_name || '.' || column_name || ' default ' || coalesce(column_default, 'none')
       FROM information_schema.columns WHERE table_name IN ('findings', 'finding_sources', 'finding_events')`,
  );
  return rows.map((r) => r.def).sort();
}

describe.each(IMPORT_BACKENDS)("large imports on $title", (backend) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let big: string;
  let distinct: number;
  beforeAll(async () => {
    t = await backend.open();
    dir = await tempDir();
    big = await writeTrivyReport(dir.path, "big.json", { extra: EXTRA, padding: 100 });
    distinct = new Set((await readFindings(big)).map(fingerprint)).size;
  });
  afterAll(async () => {
    await t?.dispose();
    await dir?.remove();
  });

  describe("into an empty store, then again", () => {
    let schema: string[];
    beforeAll(async () => {
      await resetStore(t.store);
      await prepareStore(t.store, { assets: true });
      schema = await schemaOf(t.store);
    });

    it("creates every finding and leaves every index and constraint as it was", async () => {
      const result = await importFile(t.store, big, { now: NOW });
      expect(result).toMatchObject({ created: distinct, updated: 0, reopened: 0, closed: 0 });
      expect(await schemaOf(t.store)).toEqual(schema);
      expect(await countRows(t.store, "findings")).toBe(distinct);
      expect(await countRows(t.store, "finding_sources")).toBe(distinct);
      // Ids are unique (the primary key held throughout) and the fingerprints too (the constraint is back).
      expect(await countRows(t.store, "(SELECT DISTINCT fingerprint FROM findings) f")).toBe(distinct);
    });

    it("writes the loaded findings frozen, nearly every page marked all-visible", async () => {
      // Run after the load above: its statistics (the import analyzes what it loaded) count the pages.
      // The database marks the pages each batch of inserted rows starts empty; a page one batch left
      // half full and the next one filled is not marked (its rows are frozen all the same). Unfrozen,
      // no page is.
      const [row] = await t.store.query<{ pages: number; visible: number }>(
        `SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname = 'findings'`,
      );
      expect(row!.pages).toBeGreaterThan(0);
      expect(row!.visible).toBeGreaterThanOrEqual(Math.floor(row!.pages * 0.8));
    });

    it("marks every finding and source of a re-import seen, batch by batch, and creates none", async () => {
      const again = await importFile(t.store, big, { now: LATER });
      expect(again).toMatchObject({ created: 0, updated: distinct, reopened: 0, closed: 0 });
      expect(await countRows(t.store, "findings")).toBe(distinct);
      expect(await countRows(t.store, "finding_sources", `last_import_id = ${again.importId}`)).toBe(
        distinct,
      );
      // Seen again, as lists and the API show it; first seen stays.
      const [first] = await t.store.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM findings f WHERE first_seen = $1 AND ${LAST_SEEN_SQL} = $2`,
        [NOW, LATER],
      );
      expect(Number(first?.n)).toBe(distinct);
      expect(await schemaOf(t.store)).toEqual(schema);
    });
  });

  it("leaves an empty store, indexes included, as it was when the first import fails", async () => {
    await resetStore(t.store);
    await prepareStore(t.store, { assets: true });
    const schema = await schemaOf(t.store);
    const cut = await writeTrivyReport(dir.path, "cut.json", { extra: EXTRA, padding: 100 });
    await truncate(cut, Math.floor((await stat(cut)).size * 0.9));
    const error = await importFile(t.store, cut, { now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetenteError);
    expect(await countRows(t.store, "findings")).toBe(0);
    expect(await countRows(t.store, "imports")).toBe(0);
    expect(await schemaOf(t.store)).toEqual(schema);
    // And the next import loads as the first one would have.
    expect(await importFile(t.store, big, { now: NOW })).toMatchObject({ created: distinct });
  });

  it("numbers new findings one after another, across imports, without gaps", async () => {
    await resetStore(t.store);
    await prepareStore(t.store, { assets: true });
    await importFile(t.store, await writeTrivyReport(dir.path, "some.json", { extra: 10 }), { now: NOW });
    await importFile(t.store, await writeTrivyReport(dir.path, "more.json", { extra: 6000 }), { now: LATER });
    const [row] = await t.store.query<{ n: unknown; low: unknown; high: unknown }>(
      `SELECT count(*) AS n, min(id) AS low, max(id) AS high FROM findings`,
    );
    expect([Number(row?.low), Number(row?.high)]).toEqual([1, Number(row?.n)]);
  });

  it("lands both of two imports run at the same time, each new finding with an id of its own", async () => {
    await resetStore(t.store);
    await prepareStore(t.store, { assets: true });
    // A store that has findings already, so neither import loads it as an empty one (which waits for
    // the other); then two reports of other assets, written at the same time.
    await importFile(t.store, await writeTrivyReport(dir.path, "first.json", {}), { now: NOW });
    const before = await countRows(t.store, "findings");
    const reports = await Promise.all(
      ["a", "b"].map(async (name) => {
        const path = await writeTrivyReport(dir.path, `${name}.json`, { extra: 6000 });
        const doc = JSON.parse(await readFile(path, "utf8")) as { ArtifactName: string };
        doc.ArtifactName = `registry.example.com/${name}:1.0`;
        await writeFile(path, JSON.stringify(doc));
        return path;
      }),
    );
    const results = await Promise.all(reports.map((path) => importFile(t.store, path, { now: LATER })));
    const created = results.map((r) => r.created);
    expect(created[0]).toBeGreaterThan(6000);
    expect(created[1]).toBe(created[0]);
    expect(await countRows(t.store, "findings")).toBe(before + created[0]! + created[1]!);
    expect(await countRows(t.store, "(SELECT DISTINCT id FROM findings) f")).toBe(before + created[0]! * 2);
    for (const r of results) {
      expect(await countRows(t.store, "finding_sources", `last_import_id = ${r.importId}`)).toBe(r.created);
    }
  });

  it("keeps the stored CVSS and severity when a later report of the same findings has none", async () => {
    await resetStore(t.store);
    await prepareStore(t.store, { assets: true });
    const trivy = await writeTrivyReport(dir.path, "trivy.json", {});
    await importFile(t.store, trivy, { now: NOW });
    const before = await t.store.query(
      `SELECT fingerprint, cvss3_vector, cvss3_score, cvss4_vector, severity FROM findings ORDER BY fingerprint`,
    );
    const bare = await writeEditedJson("trivy/payments-api-image.json", dir.path, "bare.json", (doc) => {
      for (const r of doc.Results as Record<string, unknown>[]) {
        for (const v of r.Vulnerabilities as Record<string, unknown>[]) {
          delete v.CVSS;
          v.Severity = "UNKNOWN";
        }
      }
    });
    expect(await importFile(t.store, bare, { now: LATER })).toMatchObject({ created: 0 });
    const after = await t.store.query(
      `SELECT fingerprint, cvss3_vector, cvss3_score, cvss4_vector, severity FROM findings ORDER BY fingerprint`,
    );
    expect(after).toEqual(before);
    expect(before.some((r) => r.cvss3_vector !== null)).toBe(true);
  });
});
