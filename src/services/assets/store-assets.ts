import type { Store } from "../../store/open.js";
import { BUILTIN_ASSET_DEFAULTS } from "../../vuln/assets/defaults.js";
import { createAssetMatcher, type AssetMatcherService } from "../../vuln/assets/matcher.js";
import type { Asset, AssetDefaults, AssetInventory } from "../../vuln/assets/types.js";
import type { TriagePolicy } from "../../vuln/triage/policy.js";

const DEFAULTS_KEY = "asset_defaults";

/**
 * The defaults for findings that match no asset, from the policy's `triage.defaultAsset`; an inventory's
 * own `defaults:` block overrides them for that inventory.
 *
 * @example loadAssets("assets.yaml", { defaults: policyAssetDefaults(config.triage) })
 */
export function policyAssetDefaults(policy: TriagePolicy): AssetDefaults {
  const d = policy.defaultAsset;
  return {
    owner: d.owner || BUILTIN_ASSET_DEFAULTS.owner,
    environment: d.environment || BUILTIN_ASSET_DEFAULTS.environment,
    criticality: d.criticality,
    exposure: d.exposure,
    dataClassification: d.dataClassification,
    sloTarget: null,
  };
}

/**
 * Replace the stored inventory with `inventory`, in one transaction. Findings are re-decided separately
 * (their owner and decision depend on the inventory).
 *
 * @example await replaceAssets({ ctx: { store, now }, input: await loadAssets("assets.yaml") })
 */
export async function replaceAssets({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date };
  input: AssetInventory;
}): Promise<number> {
  // Validate matchers (duplicates, bad CIDRs) before anything is written.
  createAssetMatcher(input.assets, input.defaults);
  return ctx.store.transaction(async (tx) => {
    await tx.query(`DELETE FROM assets`);
    if (input.assets.length > 0) {
      await tx.query(
        `INSERT INTO assets (key, name, owner, environment, criticality, exposure, data_classification, slo_target, tags, matchers, updated_at)
         SELECT key, name, owner, environment, criticality, exposure, "dataClassification", "sloTarget", tags, matchers, $2
           FROM json_to_recordset($1::json) AS x(key text, name text, owner text, environment text, criticality text,
                exposure text, "dataClassification" text, "sloTarget" real, tags text[], matchers jsonb)`,
        [JSON.stringify(input.assets), ctx.now],
      );
    }
    await tx.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [DEFAULTS_KEY, JSON.stringify(input.defaults), ctx.now],
    );
    return input.assets.length;
  });
}

/** The stored inventory (empty with the policy's defaults when none was loaded). */
export async function storedInventory(store: Store, fallback: AssetDefaults): Promise<AssetInventory> {
  const rows = await store.query(
    `SELECT key, name, owner, environment, criticality, exposure, data_classification, slo_target, tags, matchers FROM assets ORDER BY key`,
  );
  const [d] = await store.query<{ value: AssetDefaults }>(`SELECT value FROM settings WHERE key = $1`, [
    DEFAULTS_KEY,
  ]);
  const assets: Asset[] = rows.map((r) => ({
    key: String(r.key),
    name: String(r.name),
    owner: String(r.owner),
    environment: String(r.environment),
    criticality: r.criticality as Asset["criticality"],
    exposure: r.exposure as Asset["exposure"],
    dataClassification: String(r.data_classification),
    sloTarget: r.slo_target === null ? null : Number(r.slo_target),
    tags: (r.tags as string[] | null) ?? [],
    matchers: r.matchers as Asset["matchers"],
  }));
  return { source: "store", assets, defaults: d?.value ?? fallback };
}

/** A matcher over the stored inventory. */
export async function storedAssetMatcher(
  store: Store,
  fallback: AssetDefaults,
): Promise<AssetMatcherService> {
  const inv = await storedInventory(store, fallback);
  return createAssetMatcher(inv.assets, inv.defaults);
}
