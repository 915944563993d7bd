import { BUILTIN_ASSET_DEFAULTS } from "./defaults.js";
import { buildAssetIndex } from "./matcher-index.js";
import type { PathSegment } from "./problems.js";
import type { RawAsset, RawDefaults } from "./schema.js";
import type { Asset, AssetDefaults } from "./types.js";

/**
 * Turn validated file data into Assets: fill what an asset leaves out from the defaults, normalise
 * case, and de-duplicate tags. Shared by the YAML and CSV loaders so both give identical inventories.
 */

/**
 * Defaults in force: built-ins, then the caller's (e.g. from detente.yaml), then the file's own.
 *
 * @example resolveDefaults({ criticality: "high" }, undefined).criticality; // "high"
 */
export function resolveDefaults(
  base: Partial<AssetDefaults> | undefined,
  file: RawDefaults | undefined,
): AssetDefaults {
  const merged: AssetDefaults = { ...BUILTIN_ASSET_DEFAULTS, ...base };
  if (!file) return merged;
  return {
    owner: file.owner ?? merged.owner,
    environment: file.environment?.toLowerCase() ?? merged.environment,
    criticality: file.criticality ?? merged.criticality,
    exposure: file.exposure ?? merged.exposure,
    dataClassification: file.data?.toLowerCase() ?? merged.dataClassification,
    sloTarget: file.slo === undefined ? merged.sloTarget : file.slo,
  };
}

/**
 * One Asset from one validated entry.
 *
 * @example toAsset({ key: "payments-api", criticality: "high" }, BUILTIN_ASSET_DEFAULTS).exposure; // "internal"
 */
export function toAsset(raw: RawAsset, defaults: AssetDefaults): Asset {
  return {
    key: raw.key,
    name: raw.name ?? raw.key,
    matchers: (raw.match ?? []).filter((m) => m !== undefined),
    owner: raw.owner ?? defaults.owner,
    environment: raw.environment?.toLowerCase() ?? defaults.environment,
    criticality: raw.criticality ?? defaults.criticality,
    exposure: raw.exposure ?? defaults.exposure,
    dataClassification: raw.data?.toLowerCase() ?? defaults.dataClassification,
    sloTarget: raw.slo === undefined ? defaults.sloTarget : raw.slo,
    tags: [...new Set(raw.tags ?? [])],
  };
}

/**
 * Index problems (duplicate keys, a matcher claimed by two assets) as paths into the file, so the loader
 * can give them lines. `matchPath` says where matcher j of asset i sits in the file's data.
 *
 * @example indexProblems(assets, (i, j) => ["assets", i, "match", j], (path) => `line ${lineOf(path)}`);
 */
export function indexProblems(
  assets: readonly Asset[],
  matchPath: (assetIndex: number, matcherIndex: number) => PathSegment[],
  describe: (path: readonly PathSegment[]) => string,
): { path: PathSegment[]; message: string }[] {
  const pathOf = (i: number, j: number): PathSegment[] => (j < 0 ? ["assets", i, "key"] : matchPath(i, j));
  const { problems } = buildAssetIndex(assets, (i, j) => describe(pathOf(i, j)));
  return problems.map((p) => ({ path: pathOf(p.assetIndex, p.matcherIndex), message: p.message }));
}
