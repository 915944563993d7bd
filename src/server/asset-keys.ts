import { policyAssetDefaults, storedInventory } from "../services/assets/store-assets.js";
import type { Store } from "../store/open.js";
import { createAssetMatcher } from "../vuln/assets/index.js";
import type { TriagePolicy } from "../vuln/triage/policy.js";

/** Which asset keys, as scanners wrote them, belong to each asset of the inventory. */
export interface AssetKeys {
  /** The raw keys matched to the inventory asset `key`, and `key` itself. */
  keysOf(key: string): Promise<string[]>;
  /** Open findings per inventory asset, counted through the matcher. */
  openByAsset(): Promise<Map<string, number>>;
  invalidate(): void;
}

/**
 * Scanners name an asset in their own way (`registry.example.com/shop/payments-api:1.4.2`, a host name,
 * a directory); the inventory's matchers say which asset each name is. Filtering by an inventory asset,
 * or counting its findings, goes through the distinct names in the store (a few thousand even with a
 * million findings), matched once and kept for `ttlMs`.
 */
export function createAssetKeys(store: Store, policy: TriagePolicy, ttlMs = 30_000): AssetKeys {
  let cached: Promise<{ open: Map<string, number>; raw: Map<string, string[]> }> | null = null;
  let at = 0;
  const load = () => {
    const now = Date.now();
    if (!cached || now - at > ttlMs) {
      at = now;
      const pending = (async () => {
        const inv = await storedInventory(store, policyAssetDefaults(policy));
        const matcher = createAssetMatcher(inv.assets, inv.defaults);
        const rows = await store.query<{ asset_key: string; open: string }>(
          `SELECT asset_key, count(*) FILTER (WHERE status IN ('open', 'under_investigation')) AS open
             FROM findings GROUP BY asset_key`,
        );
        const open = new Map<string, number>();
        const raw = new Map<string, string[]>();
        for (const r of rows) {
          const context = matcher.match(r.asset_key);
          if (!context.matched) continue;
          const key = context.asset.key;
          open.set(key, (open.get(key) ?? 0) + Number(r.open));
          const list = raw.get(key) ?? [];
          list.push(r.asset_key);
          raw.set(key, list);
        }
        return { open, raw };
      })();
      cached = pending;
      pending.catch(() => {
        if (cached === pending) cached = null;
      });
    }
    return cached;
  };
  return {
    async keysOf(key) {
      const { raw } = await load();
      return [...new Set([key, ...(raw.get(key) ?? [])])];
    },
    async openByAsset() {
      return (await load()).open;
    },
    invalidate() {
      cached = null;
    },
  };
}
