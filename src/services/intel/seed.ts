import type { Store } from "../../store/open.js";
import { bundledKevPath } from "../../vuln/intel/bundled.js";
import { openIntelFile } from "../../vuln/intel/open.js";
import { loadIntel } from "./load.js";

/**
 * Give a new store the bundled CISA KEV snapshot, so decisions know the known-exploited catalog from the
 * first import, offline. A store that has any KEV load (bundled or synced) is left alone.
 *
 * @example await seedBundledIntel({ store, now: new Date() });
 */
export async function seedBundledIntel(ctx: { store: Store; now: Date }): Promise<boolean> {
  const [row] = await ctx.store.query<{ n: string }>(
    `SELECT count(*) AS n FROM intel_sources WHERE source = 'kev'`,
  );
  if (Number(row?.n ?? 0) > 0) return false;
  const file = await openIntelFile(bundledKevPath());
  await loadIntel({ ctx, input: { file, origin: "bundled snapshot (data/intel/kev)" } });
  return true;
}
