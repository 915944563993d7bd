import type { Store } from "../../store/open.js";
import { bundledKevPath } from "../../vuln/intel/bundled.js";
import { loadIntelIndex } from "../../vuln/intel/load-index.js";
import type { IntelLookup, IntelRecord } from "../../vuln/intel/types.js";
import { storeIntel } from "./store-lookup.js";

/** An intel lookup that may need the CVEs of a run before `get` (the store-backed one does). */
export type TriageIntel = IntelLookup & { prefetch?: (cves: Iterable<string>) => Promise<unknown> };

/**
 * The intel a stateless triage decides with: the store's intel when a store exists (it holds the bundled
 * KEV snapshot and whatever `intel load|sync` added), else the bundled KEV snapshot; then any `--intel`
 * files on top, field by field.
 *
 * @example const intel = await triageIntel({ store: null, files: ["epss_scores-current.csv.gz"] });
 */
export async function triageIntel(input: {
  store: Store | null;
  files: readonly string[];
}): Promise<TriageIntel> {
  const base: TriageIntel = input.store
    ? storeIntel(input.store)
    : (await loadIntelIndex([bundledKevPath()])).index;
  if (input.files.length === 0) return base;
  const extra = (await loadIntelIndex(input.files)).index;
  return {
    get(cve: string): IntelRecord | undefined {
      const a = base.get(cve);
      const b = extra.get(cve);
      if (!a) return b;
      if (!b) return a;
      return { kev: b.kev ?? a.kev, epss: b.epss ?? a.epss, cvss: b.cvss ?? a.cvss, ssvc: b.ssvc ?? a.ssvc };
    },
    prefetch: base.prefetch?.bind(base),
  };
}
