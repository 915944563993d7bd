import type { Asset, AssetDefaults, AssetMatchStats } from "./types.js";

/**
 * Defaults when an inventory states none. Medium criticality on an internal production system is the
 * honest middle: unknown assets neither drown the queue nor vanish from it.
 *
 * @example const context = defaultAsset(BUILTIN_ASSET_DEFAULTS); // criticality "medium", exposure "internal"
 */
export const BUILTIN_ASSET_DEFAULTS: AssetDefaults = {
  owner: "unassigned",
  environment: "production",
  criticality: "medium",
  exposure: "internal",
  dataClassification: "internal",
  sloTarget: null,
};

/** Key of the asset that stands for "no asset matched"; parentheses keep it apart from real keys. */
export const DEFAULT_ASSET_KEY = "(default)";

/**
 * The asset used for findings that match no asset: the defaults, under the key `(default)`.
 *
 * @example defaultAsset({ ...BUILTIN_ASSET_DEFAULTS, owner: "secops" }).owner; // "secops"
 */
export function defaultAsset(defaults: AssetDefaults): Asset {
  return {
    key: DEFAULT_ASSET_KEY,
    name: "Unknown asset (default context)",
    matchers: [],
    owner: defaults.owner,
    environment: defaults.environment,
    criticality: defaults.criticality,
    exposure: defaults.exposure,
    dataClassification: defaults.dataClassification,
    sloTarget: defaults.sloTarget,
    tags: [],
  };
}

/**
 * Say what the default context is, for reports and explanations.
 *
 * @example
 * describeDefault(BUILTIN_ASSET_DEFAULTS);
 * // "the default context (criticality medium, exposure internal, data internal, environment production, owner unassigned)"
 */
export function describeDefault(defaults: AssetDefaults): string {
  const parts = [
    `criticality ${defaults.criticality}`,
    `exposure ${defaults.exposure}`,
    `data ${defaults.dataClassification}`,
    `environment ${defaults.environment}`,
    `owner ${defaults.owner}`,
  ];
  if (defaults.sloTarget !== null) parts.push(`SLO ${formatSlo(defaults.sloTarget)}`);
  return `the default context (${parts.join(", ")})`;
}

/**
 * The import report's sentence about findings that matched no asset, or "" when every finding matched.
 *
 * @example
 * describeUnmatched(matcher.stats(), inventory.defaults);
 * // "412 findings on 7 unknown assets matched no asset; used the default context (criticality medium, ...)."
 */
export function describeUnmatched(stats: AssetMatchStats, defaults: AssetDefaults): string {
  if (stats.unmatched === 0) return "";
  const findings = `${stats.unmatched} ${stats.unmatched === 1 ? "finding" : "findings"}`;
  const distinct = stats.unmatchedKeys.length;
  const count = stats.unmatchedKeysTruncated ? `more than ${distinct}` : String(distinct);
  const assets = `${count} unknown ${distinct === 1 && !stats.unmatchedKeysTruncated ? "asset" : "assets"}`;
  return `${findings} on ${assets} matched no asset; used ${describeDefault(defaults)}.`;
}

/**
 * An SLO fraction as a percentage without float noise: 0.9995 -> "99.95%".
 *
 * @example formatSlo(0.999); // "99.9%"
 */
export function formatSlo(target: number): string {
  return `${Number((target * 100).toFixed(6))}%`;
}

/**
 * `describeUnmatched` followed by the first few unknown asset keys, so the inventory can be completed.
 *
 * @example describeUnmatchedWithKeys(stats, defaults) // "... matched no asset; used ... Unknown: 192.0.2.20, web-old."
 */
export function describeUnmatchedWithKeys(stats: AssetMatchStats, defaults: AssetDefaults, max = 5): string {
  const sentence = describeUnmatched(stats, defaults);
  if (!sentence || stats.unmatchedKeys.length === 0) return sentence;
  const shown = stats.unmatchedKeys.slice(0, max).map((k) => (k === "" ? "(no asset key)" : k.slice(0, 120)));
  const more = stats.unmatchedKeys.length - shown.length;
  const tail = more > 0 ? ` and ${more} more` : stats.unmatchedKeysTruncated ? " and more" : "";
  return `${sentence} Unknown: ${shown.join(", ")}${tail}.`;
}
