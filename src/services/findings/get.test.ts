import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCsvReport, type CsvRow } from "../../../test/helpers/reports.js";
import {
  fixture,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint, type FindingIdentity } from "../../vuln/fingerprint.js";
import { getFinding } from "./get.js";
import { listFindings } from "./list.js";
import { pageFindings } from "./page.js";

const TRIVY = fixture("trivy/payments-api-image.json");
const GRYPE = fixture("grype/payments-api-image.json");
const ASSET = "registry.example.com/shop/payments-api:1.4.2";

/** The identity a CSV row `{ vulnerability, component, version 1.0.0, npm, package-lock.json }` gets. */
function identity(i: number): FindingIdentity {
  return {
    vulnId: `CVE-2097-${10000 + i}`,
    component: `made-up-${i}`,
    version: "1.0.0",
    ecosystem: "npm",
    location: "package-lock.json",
    assetKey: ASSET,
  };
}

/** Search identities for two fingerprints that share their first six characters (about 5,000 tries). */
function collidingPair(): [FindingIdentity, FindingIdentity] {
  const seen = new Map<string, FindingIdentity>();
  for (let i = 0; ; i++) {
    const id = identity(i);
    const prefix = fingerprint(id).slice(0, 6);
    const other = seen.get(prefix);
    if (other) return [other, id];
    seen.set(prefix, id);
  }
}

/** An identity whose 12-character display id (as `detente findings` shows it) is all digits. */
function digitsOnlyId(): FindingIdentity {
  for (let i = 1_000_000; ; i++) if (/^\d{12}/.test(fingerprint(identity(i)))) return identity(i);
}

const row = (id: FindingIdentity): CsvRow => ({
  vulnerability: id.vulnId,
  component: id.component,
  version: id.version,
  ecosystem: id.ecosystem,
  location: id.location,
  asset: id.assetKey,
  severity: "medium",
  title: `made-up finding in ${id.component}`,
});

async function errorOf(p: Promise<unknown>): Promise<DetenteError> {
  const e = await p.then(
    () => new Error("expected an error"),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DetenteError);
  return e as DetenteError;
}

describe.each(STORE_BACKENDS)("getFinding on $name", (backend) => {
  let t: TestStore;
  let pair: [FindingIdentity, FindingIdentity];
  let digits: FindingIdentity;
  let madeUp: Finding[];
  let log4j: Finding;
  const get = (id: string) => getFinding({ ctx: { store: t.store }, input: { id } });

  beforeAll(async () => {
    t = await backend.open();
    const dir = await tempDir();
    try {
      pair = collidingPair();
      digits = digitsOnlyId();
      const csv = await writeCsvReport(dir.path, "made-up.csv", [row(pair[0]), row(pair[1]), row(digits)]);
      madeUp = await readFindings(csv);
      await prepareStore(t.store, { assets: true });
      await importFile(t.store, TRIVY, { now: NOW });
      await importFile(t.store, GRYPE, { now: NOW });
      await importFile(t.store, csv, { now: NOW });
    } finally {
      await dir.remove();
    }
    log4j = (await readFindings(TRIVY)).find((f) => f.vulnId === "CVE-2021-44228")!;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("made-up rows get the identities searched for", () => {
    expect(madeUp.map(fingerprint)).toEqual([...pair, digits].map(fingerprint));
  });

  it("finds a finding by the 12-character id, the full fingerprint, any case, and a unique 6-character prefix", async () => {
    const print = fingerprint(log4j);
    for (const id of [
      print.slice(0, 12),
      print,
      print.slice(0, 12).toUpperCase(),
      ` ${print.slice(0, 6)} `,
    ]) {
      const found = await get(id);
      expect(found.fingerprint, id).toBe(print);
    }
  });

  it("returns what the store holds: the finding, its sources and its dates", async () => {
    const found = await get(fingerprint(log4j).slice(0, 12));
    expect(found.finding).toMatchObject({
      vulnId: log4j.vulnId,
      component: log4j.component,
      version: log4j.version,
      assetKey: log4j.assetKey,
      location: log4j.location,
      status: "open",
    });
    expect(found.sources.map((s) => [s.scanner, s.present, s.firstSeen.getTime()])).toEqual([
      ["grype", true, NOW.getTime()],
      ["trivy", true, NOW.getTime()],
    ]);
    expect([found.firstSeen.getTime(), found.lastSeen.getTime()]).toEqual([NOW.getTime(), NOW.getTime()]);

    const csvOnly = madeUp[0]!;
    const stored = await get(fingerprint(csvOnly));
    const fields = [
      "vulnId",
      "aliases",
      "component",
      "version",
      "ecosystem",
      "purl",
      "fixedVersions",
      "location",
    ];
    const pick = (f: Finding) => Object.fromEntries(fields.map((k) => [k, f[k as keyof Finding]]));
    expect(pick(stored.finding)).toEqual(pick(csvOnly));
    expect(stored.finding).toMatchObject({ assetKey: ASSET, severity: "medium", title: csvOnly.title });
  });

  it("finds a finding by its number", async () => {
    const { rows } = await listFindings({
      ctx: { store: t.store, budget: { percent: 5 }, escalateFrom: "attend" },
      input: { vuln: log4j.vulnId, asset: log4j.assetKey },
    });
    expect(rows).toHaveLength(1);
    expect((await get(String(rows[0]!.id))).fingerprint).toBe(fingerprint(log4j));
  });

  it("refuses a prefix that several findings share, and finds each with more characters", async () => {
    const [a, b] = pair.map(fingerprint) as [string, string];
    expect(a.slice(0, 6)).toBe(b.slice(0, 6));
    const e = await errorOf(get(a.slice(0, 6)));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toMatch(/several findings/);
    expect((await get(a.slice(0, 12))).fingerprint).toBe(a);
    expect((await get(b.slice(0, 12))).fingerprint).toBe(b);
  });

  it("says NOT_FOUND for an id no finding has", async () => {
    const prints = (await t.store.query<{ fingerprint: string }>(`SELECT fingerprint FROM findings`)).map(
      (r) => r.fingerprint,
    );
    const absent = ["abcdef012345", "fedcba987654", "a0a0a0a0a0a0"].find(
      (p) => !prints.some((f) => f.startsWith(p)),
    )!;
    expect((await errorOf(get(absent))).code).toBe("NOT_FOUND");
    expect((await errorOf(get("999999"))).code).toBe("NOT_FOUND");
  });

  it("says INVALID_INPUT for what is not an id, without echoing all of it", async () => {
    for (const id of ["CVE-2021-44228", "abc12", "12ab!z", "", "g".repeat(10_000)]) {
      const e = await errorOf(get(id));
      expect(e.code, id.slice(0, 20)).toBe("INVALID_INPUT");
      expect(e.message.length).toBeLessThan(300);
    }
  });

  it("finds a finding whose 12-character id happens to be all digits", async () => {
    // About one finding in 280 has such an id; `detente findings` shows it and users paste it back.
    const id = fingerprint(digits).slice(0, 12);
    expect(id).toMatch(/^\d{12}$/);
    expect((await get(id)).fingerprint).toBe(fingerprint(digits));
  });

  it("shows a finding a later import brought unchanged as seen then, in its view, the list and the queue", async () => {
    // Run last. Grype, which staged log4j last, reports the same again a minute later: the finding's own
    // row is not written (its last_seen stays), only its Grype source is marked seen.
    const later = new Date(NOW.getTime() + 60_000);
    const result = await importFile(t.store, GRYPE, { now: later });
    expect(result.created).toBe(0);
    const print = fingerprint(log4j);
    const [row] = await t.store.query<{ last_seen: string }>(
      `SELECT last_seen FROM findings WHERE fingerprint = $1`,
      [print],
    );
    expect(new Date(row!.last_seen).getTime()).toBe(NOW.getTime());

    const found = await get(print);
    expect(found.firstSeen.getTime()).toBe(NOW.getTime());
    expect(found.lastSeen.getTime()).toBe(later.getTime());
    expect(found.sources.map((s) => [s.scanner, s.lastSeen.getTime()])).toEqual([
      ["grype", later.getTime()],
      ["trivy", NOW.getTime()],
    ]);
    const ctx = { store: t.store, budget: { percent: 5 }, escalateFrom: "attend" } as const;
    const filter = { vuln: log4j.vulnId, asset: log4j.assetKey };
    const listed = await listFindings({ ctx, input: filter });
    const paged = await pageFindings({ ctx: { ...ctx, now: later }, input: filter });
    for (const rows of [listed.rows, paged.rows])
      expect(rows.map((r) => [r.firstSeen, r.lastSeen])).toEqual([[NOW.toISOString(), later.toISOString()]]);
  });
});
