import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPANY_ASSETS,
  daysAfterNow,
  fixture,
  NOW,
  resetStore,
  tableRows,
} from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { createAssetMatcher, loadAssets } from "../../vuln/assets/index.js";
import type { Asset, AssetInventory } from "../../vuln/assets/types.js";
import { DEFAULT_TRIAGE_POLICY } from "../../vuln/triage/policy.js";
import { policyAssetDefaults, replaceAssets, storedAssetMatcher, storedInventory } from "./store-assets.js";

const byKey = (assets: readonly Asset[]): Asset[] => [...assets].sort((a, b) => a.key.localeCompare(b.key));

/** Asset keys the scanner fixtures carry, plus keys no asset claims. */
const KEYS = [
  "registry.example.com/shop/payments-api:1.4.2",
  "/home/ci/checkout/billing-worker",
  "billing-worker@2.3.0",
  "https://github.com/example-org/storefront",
  "web01.example.com",
  "10.20.8.15",
  "192.0.2.10",
  "192.0.2.20",
  "lager, Zürich",
  "",
];

describe.each(STORE_BACKENDS)("stored asset inventory on $name", (backend) => {
  let t: TestStore;
  let inventory: AssetInventory;
  const fallback = policyAssetDefaults(DEFAULT_TRIAGE_POLICY);
  const replace = (input: AssetInventory, now = NOW) =>
    replaceAssets({ ctx: { store: t.store, now }, input });

  beforeAll(async () => {
    t = await backend.open();
    inventory = await loadAssets(COMPANY_ASSETS);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("gives the policy's defaults and no assets before any inventory is loaded", async () => {
    await resetStore(t.store);
    expect(await storedInventory(t.store, fallback)).toEqual({
      source: "store",
      assets: [],
      defaults: fallback,
    });
  });

  it("stores an inventory and gives back the same assets and defaults", async () => {
    await resetStore(t.store);
    expect(await replace(inventory)).toBe(inventory.assets.length);
    const stored = await storedInventory(t.store, fallback);
    expect(byKey(stored.assets)).toEqual(byKey(inventory.assets));
    expect(stored.defaults).toEqual(inventory.defaults);
  });

  it("matches asset keys from the store exactly as from the file", async () => {
    const fromFile = createAssetMatcher(inventory.assets, inventory.defaults);
    const fromStore = await storedAssetMatcher(t.store, fallback);
    for (const key of KEYS) expect(fromStore.match(key), key).toEqual(fromFile.match(key));
    expect(fromStore.match(KEYS[0]!).asset.key).toBe("payments-api");
  });

  it("replaces the whole inventory: assets left out are gone", async () => {
    const csv = await loadAssets(fixture("assets/company.csv"));
    await replace({ ...csv, assets: csv.assets.slice(0, 5) }, daysAfterNow(1));
    const stored = await storedInventory(t.store, fallback);
    expect(byKey(stored.assets)).toEqual(byKey(csv.assets.slice(0, 5)));
    const rows = await tableRows(t.store, "assets");
    expect(rows.map((r) => new Date(r.updated_at as string).getTime())).toEqual(
      rows.map(() => daysAfterNow(1).getTime()),
    );
  });

  it("writes nothing from an invalid inventory (a matcher claimed by two assets)", async () => {
    await replace(inventory);
    const before = await Promise.all(["assets", "settings"].map((x) => tableRows(t.store, x)));
    const [first, second] = inventory.assets as [Asset, Asset, ...Asset[]];
    const clash: Asset = { ...second, matchers: [...second.matchers, first.matchers[0]!] };
    const error = await replace(
      { ...inventory, assets: [first, clash], defaults: { ...inventory.defaults, owner: "someone-else" } },
      daysAfterNow(2),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetenteError);
    expect((error as DetenteError).code).toBe("INVALID_CONFIG");
    expect(await Promise.all(["assets", "settings"].map((x) => tableRows(t.store, x)))).toEqual(before);
  });
});
