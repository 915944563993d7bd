/**
 * The asset inventory: load `assets.yaml` / `assets.csv`, match each finding's asset key to an asset, and
 * describe the default context used for findings that match none.
 *
 * @example
 * const inventory = await loadAssets("assets.yaml");
 * const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
 * const { asset, matched } = matcher.match(finding.assetKey);
 */
export { loadAssets } from "./load.js";
export { parseAssetsYaml } from "./load-yaml.js";
export type { ParseAssetsOptions } from "./load-yaml.js";
export { parseAssetsCsv, CSV_COLUMNS } from "./load-csv.js";
export { createAssetMatcher } from "./matcher.js";
export type { AssetMatcherOptions, AssetMatcherService } from "./matcher.js";
export {
  BUILTIN_ASSET_DEFAULTS,
  DEFAULT_ASSET_KEY,
  defaultAsset,
  describeDefault,
  describeUnmatched,
  formatSlo,
} from "./defaults.js";
export { parseImageReference } from "./image-ref.js";
export type { ImageReference } from "./image-ref.js";
export { normalizeRepoUrl } from "./repo-url.js";
export { compileGlob } from "./glob.js";
export type * from "./types.js";
export { CRITICALITIES, EXPOSURES } from "./types.js";
