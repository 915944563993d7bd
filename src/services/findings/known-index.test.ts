import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, importFile, NOW, prepareStore } from "../../../test/helpers/store-data.js";
import { openPostgresStore, type TestStore } from "../../../test/helpers/stores.js";
import { lookUpKnown, type KnownFindings } from "./known-findings.js";
import { KnownIndex } from "./known-index.js";

const EVERYTHING = { cvss3: true, cvss4: true, severity: true } as const;

/** The COPY's bytes cut into pieces of `size` bytes. */
function pieces(all: Buffer, size: number): AsyncIterable<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
  return Readable.from(chunks);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const c of chunks) all.push(c);
  return Buffer.concat(all);
}

describe("KnownIndex on PostgreSQL", () => {
  let t: TestStore;
  let prints: string[];
  /** A fingerprint no finding has. */
  const absent = "0123456789abcdef0123456789abcdef";

  beforeAll(async () => {
    t = await openPostgresStore();
    await prepareStore(t.store, { assets: true });
    await importFile(t.store, fixture("trivy/payments-api-image.json"), { now: NOW });
    await importFile(t.store, fixture("grype/payments-api-image.json"), { now: NOW });
    await importFile(t.store, fixture("grype/billing-worker-dir.json"), { now: NOW });
    // Every kind of value the columns can hold, NULLs included, on some findings.
    await t.store.query(`UPDATE findings SET scanner_epss = 0.97, scanner_epss_percentile = 0.12345,
        scanner_kev = false, exploit_available = NULL, cvss4_vector = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
        cvss4_score = 9.3, content_hash = NULL, status = 'accepted'
      WHERE id = (SELECT min(id) FROM findings)`);
    await t.store.query(`UPDATE findings SET cvss3_vector = NULL, cvss3_score = NULL, severity = 'unknown',
        exploit_available = true, first_seen = '1999-12-31T23:59:59.9995Z'
      WHERE id = (SELECT max(id) FROM findings)`);
    // A finding whose fingerprint shares its first 96 bits with another's.
    const columns = (
      await t.store.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_name = 'findings' AND column_name NOT IN ('id', 'fingerprint', 'asset_key')`,
      )
    ).map((c) => `"${c.name}"`);
    await t.store.query(`INSERT INTO findings (id, fingerprint, asset_key, ${columns.join(", ")})
      SELECT (SELECT max(id) + 1 FROM findings), substr(fingerprint, 1, 24) || 'ffffffff',
             asset_key || '-twin', ${columns.join(", ")}
        FROM findings WHERE id = (SELECT min(id) + 1 FROM findings)`);
    const rows = await t.store.query<{ fingerprint: string }>(`SELECT fingerprint FROM findings ORDER BY id`);
    prints = [...rows.map((r) => r.fingerprint), absent];
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function expected(): Promise<KnownFindings> {
    return lookUpKnown(t.store, prints, EVERYTHING);
  }

  it("holds every stored finding and finds each as the database's lookup does, value for value", async () => {
    const index = (await KnownIndex.load(t.store.copyOut!(KnownIndex.QUERY)))!;
    expect(index.size).toBe(prints.length - 1);
    const known = index.lookUp(prints);
    expect(known).toEqual(await expected());
    expect(known.found).toBe(prints.length - 1);
    expect(known.at.at(-1)).toBeUndefined();
    // The twins are told apart by their last 32 bits.
    const twin = prints.at(-2)!;
    expect(twin.endsWith("ffffffff")).toBe(true);
    const original = prints.find((p) => p !== twin && p.startsWith(twin.slice(0, 24)))!;
    expect(index.lookUp([twin, original]).at.map((k) => k?.id)).toEqual(
      (await lookUpKnown(t.store, [twin, original], EVERYTHING)).at.map((k) => k?.id),
    );
    // The values are the ones set above, not merely equal on both sides.
    const first = known.at[0]!;
    expect(first).toMatchObject({
      scanner_epss: 0.97,
      scanner_epss_percentile: 0.12345,
      scanner_kev: false,
      exploit_available: null,
      cvss4_score: 9.3,
      content_hash: null,
      status: "accepted",
    });
  });

  it("reads the COPY the same however its bytes are cut into chunks", async () => {
    const all = await collect(t.store.copyOut!(KnownIndex.QUERY));
    const want = await expected();
    for (const size of [1, 3, 17, 100, 4097, all.length]) {
      const index = (await KnownIndex.load(pieces(all, size), { expected: 2 }))!;
      expect(index.lookUp(prints), `chunks of ${size} bytes`).toEqual(want);
    }
  });

  it("fails on a COPY cut short, and stops reading when told to", async () => {
    const all = await collect(t.store.copyOut!(KnownIndex.QUERY));
    await expect(KnownIndex.load(pieces(all.subarray(0, all.length - 40), 64))).rejects.toThrow(
      /ended partway/,
    );
    const stop = new AbortController();
    stop.abort();
    await expect(
      KnownIndex.load(t.store.copyOut!(KnownIndex.QUERY), { signal: stop.signal }),
    ).rejects.toThrow();
    // The COPY stopped partway left no connection of the pool mid-protocol: the store still answers.
    expect(await t.store.query(`SELECT count(*)::int AS n FROM findings`)).toEqual([
      { n: prints.length - 1 },
    ]);
  });

  it("gives up, closing the COPY, on a store larger than it may hold", async () => {
    expect(await KnownIndex.load(t.store.copyOut!(KnownIndex.QUERY), { most: 2 })).toBeNull();
    expect(await t.store.query(`SELECT count(*)::int AS n FROM findings`)).toEqual([
      { n: prints.length - 1 },
    ]);
  });

  it("stops a COPY that waits for a lock when told to, without waiting for the lock", async () => {
    await t.store.transaction(async (tx) => {
      await tx.query(`LOCK TABLE findings IN ACCESS EXCLUSIVE MODE`);
      const stop = new AbortController();
      const load = KnownIndex.load(t.store.copyOut!(KnownIndex.QUERY, stop.signal), { signal: stop.signal });
      // Give the COPY time to reach the lock; the lock is only let go after the load has failed.
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop.abort();
      await expect(load).rejects.toThrow();
    });
    expect(await t.store.query(`SELECT count(*)::int AS n FROM findings`)).toEqual([
      { n: prints.length - 1 },
    ]);
  });

  it("finds nothing in an empty store", async () => {
    const empty = await openPostgresStore();
    try {
      const index = (await KnownIndex.load(empty.store.copyOut!(KnownIndex.QUERY)))!;
      expect(index.size).toBe(0);
      expect(index.lookUp(prints)).toEqual({ at: new Array(prints.length), found: 0 });
    } finally {
      await empty.dispose();
    }
  });
});
