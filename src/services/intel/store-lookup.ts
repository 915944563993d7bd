import type { Queryable } from "../../store/open.js";
import { buildIntelIndex } from "../../vuln/intel/lookup.js";
import type {
  CvssEntry,
  EpssEntry,
  IntelLookup,
  IntelRecord,
  KevEntry,
  VulnrichmentSsvc,
} from "../../vuln/intel/types.js";

/**
 * An IntelLookup backed by the store: `prefetch` the CVEs of a batch, then `get` synchronously. Prefetch
 * runs on the connection it is given, so that inside an import's transaction it uses that transaction
 * (the embedded database has one connection; a second would wait for the first forever).
 */
export interface PrefetchingIntel extends IntelLookup {
  /**
   * Have every CVE of `cves` at hand for `get`. Resolves to the cache's generation (see `generation`)
   * as of when it looked at the cache: while that is still current, they all are at hand.
   */
  prefetch(cves: Iterable<string>, db?: Queryable): Promise<number>;
  /** How many times the cache has been emptied (it is, past `maxCached` entries). */
  generation(): number;
  /**
   * Each CVE's record (an empty one when nothing is known), fetching what the cache lacks on `db`. The
   * answer holds whatever another fetch empties from the cache meanwhile.
   */
  records(cves: readonly string[], db?: Queryable): Promise<IntelRecord[]>;
}

interface Row {
  cve: string;
  kind: "kev" | "epss" | "cvss" | "ssvc";
  a: string | null;
  b: string | null;
  c: string | null;
  d: string | null;
  e: string | null;
  f: string | null;
  g: boolean | null;
}

const EMPTY: IntelRecord = {};

/**
 * Look intel up from the store's tables, one query per batch of CVEs, with an in-memory cache of what was
 * already asked (cleared past `maxCached` entries). Records are assembled by `buildIntelIndex`, so the
 * store and stateless triage with `--intel` files merge sources the same way (NVD's CVSS first).
 *
 * @example
 * const intel = storeIntel(store);
 * await intel.prefetch(batch.map((f) => f.vulnId));
 * intel.get("CVE-2024-3094")?.kev?.dueDate
 */
export function storeIntel(store: Queryable, maxCached = 500_000): PrefetchingIntel {
  const cache = new Map<string, IntelRecord>();
  let generation = 0;
  /** Records of `list` (CVEs the cache lacks) from the store, cached; past `maxCached` the cache is emptied first. */
  async function fetch(list: readonly string[], db: Queryable): Promise<IntelLookup> {
    if (cache.size + list.length > maxCached) {
      cache.clear();
      generation++;
    }
    const rows = await db.query<Row>(
      `SELECT cve, 'kev' AS kind, vendor_project AS a, product AS b, name AS c, date_added::text AS d, due_date::text AS e, required_action AS f, ransomware AS g
         FROM intel_kev WHERE cve = ANY($1::text[])
       UNION ALL
       SELECT cve, 'epss', score::text, percentile::text, NULL, NULL, NULL, NULL, NULL FROM intel_epss WHERE cve = ANY($1::text[])
       UNION ALL
       SELECT cve, 'cvss', cvss3_vector, cvss3_score::text, cvss4_vector, cvss4_score::text, source, NULL, NULL FROM intel_cvss WHERE cve = ANY($1::text[])
       UNION ALL
       SELECT cve, 'ssvc', exploitation, automatable, technical_impact, timestamp, NULL, NULL, NULL FROM intel_ssvc WHERE cve = ANY($1::text[])`,
      [list],
    );
    const kev: KevEntry[] = [];
    const epss: EpssEntry[] = [];
    const cvss: CvssEntry[] = [];
    const ssvc: VulnrichmentSsvc[] = [];
    for (const r of rows) {
      switch (r.kind) {
        case "kev":
          kev.push({
            cve: r.cve,
            vendorProject: r.a ?? "",
            product: r.b ?? "",
            name: r.c ?? "",
            dateAdded: r.d ?? "",
            dueDate: r.e ?? "",
            requiredAction: r.f ?? "",
            ransomware: r.g === true,
          });
          break;
        case "epss":
          epss.push({ cve: r.cve, score: Number(r.a), percentile: Number(r.b) });
          break;
        case "cvss":
          cvss.push({
            cve: r.cve,
            cvss3: r.a && r.b ? { vector: r.a, score: Number(r.b) } : null,
            cvss4: r.c && r.d ? { vector: r.c, score: Number(r.d) } : null,
            source: r.e ?? "",
          });
          break;
        case "ssvc":
          ssvc.push({
            cve: r.cve,
            exploitation: r.a as VulnrichmentSsvc["exploitation"],
            automatable: r.b as VulnrichmentSsvc["automatable"],
            technicalImpact: r.c as VulnrichmentSsvc["technicalImpact"],
            timestamp: r.d ?? "",
          });
          break;
      }
    }
    const index = buildIntelIndex({ kev, epss, cvss, ssvc });
    for (const c of list) cache.set(c, index.get(c) ?? EMPTY);
    return index;
  }
  return {
    get: (cve) => cache.get(cve),
    generation: () => generation,
    async prefetch(cves, db = store) {
      const missing = new Set<string>();
      for (const c of cves) if (c.startsWith("CVE-") && !cache.has(c)) missing.add(c);
      if (missing.size === 0) return generation;
      // What was cached already is there as of now: if another prefetch empties the cache while this
      // one waits for the database, the generation it returns is no longer current.
      const fetching = fetch([...missing], db);
      const at = generation;
      await fetching;
      return at;
    },
    async records(cves, db = store) {
      // What the cache has now is kept here, so that another fetch emptying it meanwhile loses nothing.
      const have = cves.map((c) => cache.get(c));
      const missing = new Set<string>();
      for (let i = 0; i < cves.length; i++)
        if (have[i] === undefined && cves[i]!.startsWith("CVE-")) missing.add(cves[i]!);
      const fetched = missing.size > 0 ? await fetch([...missing], db) : null;
      return cves.map((c, i) => have[i] ?? fetched?.get(c) ?? EMPTY);
    },
  };
}
