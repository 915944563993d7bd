import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, NOW } from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { createAssetMatcher } from "../../vuln/assets/index.js";
import { emptyFinding, type Finding } from "../../vuln/finding.js";
import { openIntelFile } from "../../vuln/intel/open.js";
import { DEFAULT_TRIAGE_POLICY } from "../../vuln/triage/policy.js";
import { policyAssetDefaults } from "../assets/store-assets.js";
import { loadIntel } from "../intel/load.js";
import { storeIntel } from "../intel/store-lookup.js";
import { createDecider } from "./create-decider.js";

const KEV = fixture("intel/kev/kev-small.json");
// In the KEV fixture.
const LOG4J = "CVE-2021-44228";
const CONFLUENCE = "CVE-2023-22515";

const finding = (vulnId: string): Finding => ({ ...emptyFinding(), vulnId, assetKey: "host-1" });

describe.each(STORE_BACKENDS)("createDecider on $name", (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await backend.open();
    const file = await openIntelFile(KEV);
    await loadIntel({ ctx: { store: t.store, now: NOW }, input: { file, origin: KEV } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** A decider over the store's intel, with a cache of `maxCached` CVEs. */
  function decider(maxCached?: number) {
    const intel = storeIntel(t.store, maxCached);
    const d = createDecider({
      intel,
      assets: createAssetMatcher([], policyAssetDefaults(DEFAULT_TRIAGE_POLICY)),
      policy: DEFAULT_TRIAGE_POLICY,
      now: NOW,
    });
    return { intel, prepare: d.prepare!.bind(d), intelFor: d.intelFor!.bind(d), decide: d.decide.bind(d) };
  }

  it("fetches a batch's intel again when another batch emptied the cache since it was prepared", async () => {
    // A cache of two CVEs: preparing the second batch empties it of the first batch's.
    const d = decider(2);
    const first = [finding(LOG4J)];
    const second = [finding(CONFLUENCE), finding("CVE-2099-0002")];
    await d.prepare(first);
    await d.prepare(second);
    expect(d.intel.get(LOG4J)).toBeUndefined();
    await d.prepare(first);
    expect(d.intel.get(LOG4J)?.kev?.cve).toBe(LOG4J);
    // Decided as by a decider that never lost it.
    const fresh = decider();
    await fresh.prepare(first);
    expect(d.decide(first[0]!, NOW).decision).toEqual(fresh.decide(first[0]!, NOW).decision);
    // Prepared and still cached: nothing to fetch, the cache stays as it is.
    const generation = d.intel.generation();
    await d.prepare(first);
    expect(d.intel.generation()).toBe(generation);
  });

  it("fetches it again when another batch emptied the cache while its own fetch was under way", async () => {
    // As an import does: the next batch is prepared while this one's fetch waits for the database.
    const d = decider(2);
    await d.prepare([finding(LOG4J)]);
    const batch = [finding(LOG4J), finding("CVE-2099-0002")]; // LOG4J cached, the other fetched
    const fetching = d.prepare(batch);
    const next = d.prepare([finding(CONFLUENCE), finding("CVE-2099-0003")]); // empties the cache
    await Promise.all([fetching, next]);
    await d.prepare(batch);
    expect(d.intel.get(LOG4J)?.kev?.cve).toBe(LOG4J);
  });

  it("hands out each CVE's intel, an empty record when nothing is known, and decides with it", async () => {
    const d = decider();
    const records = await d.intelFor([LOG4J, "CVE-2099-0001", "GHSA-xxxx-yyyy-zzzz", LOG4J]);
    expect(records.map((r) => r.kev?.cve ?? null)).toEqual([LOG4J, null, null, LOG4J]);
    expect(records[1]).toEqual({});
    expect(records[2]).toEqual({});
    // Deciding with the record handed out is deciding with the record looked up.
    const f = finding(LOG4J);
    const fresh = decider();
    await fresh.prepare([f]);
    expect(d.decide(f, NOW, records[0]).decision).toEqual(fresh.decide(f, NOW).decision);
    expect(d.decide(f, NOW, records[0]).decision.topReason.text).toMatch(/^In CISA KEV since/);
    expect(d.decide(f, NOW, {}).decision.topReason.text).not.toMatch(/KEV since/);
  });

  it("hands out intel that another fetch emptied from the cache while its own was under way", async () => {
    const d = decider(2);
    await d.intelFor([LOG4J]);
    // LOG4J is cached, the other CVE is fetched; meanwhile the next fetch empties the cache.
    const fetching = d.intelFor([LOG4J, "CVE-2099-0002"]);
    const next = d.intelFor([CONFLUENCE, "CVE-2099-0003"]);
    const [records, others] = await Promise.all([fetching, next]);
    expect(d.intel.get(LOG4J)).toBeUndefined();
    expect(records[0]?.kev?.cve).toBe(LOG4J);
    expect(records[1]).toEqual({});
    expect(others[0]?.kev?.cve).toBe(CONFLUENCE);
  });

  it("fetches intel it is asked for from intel that can only prefetch", async () => {
    const store = storeIntel(t.store);
    const d = createDecider({
      intel: { get: (cve) => store.get(cve), prefetch: (cves, db) => store.prefetch(cves, db) },
      assets: createAssetMatcher([], policyAssetDefaults(DEFAULT_TRIAGE_POLICY)),
      policy: DEFAULT_TRIAGE_POLICY,
      now: NOW,
    });
    const records = await d.intelFor!([LOG4J, "CVE-2099-0004"]);
    expect(records[0]?.kev?.cve).toBe(LOG4J);
    expect(records[1]).toEqual({});
  });
});
