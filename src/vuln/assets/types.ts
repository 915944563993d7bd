/**
 * Business context of what a finding is on. An asset is matched to findings by its matchers; its owner,
 * criticality, exposure and data classification feed the decision.
 */
export type Criticality = "mission-critical" | "high" | "medium" | "low";
export const CRITICALITIES: readonly Criticality[] = ["mission-critical", "high", "medium", "low"];

export type Exposure = "internet" | "internal" | "isolated";
export const EXPOSURES: readonly Exposure[] = ["internet", "internal", "isolated"];

/** How an asset recognises a finding's asset key. */
export type AssetMatcher =
  | { readonly kind: "key"; readonly value: string } // exact asset key
  | { readonly kind: "glob"; readonly value: string } // `*` within a segment, `**` across, `?` one char
  | { readonly kind: "image"; readonly value: string } // image repository without tag or digest
  | { readonly kind: "host"; readonly value: string } // host name, case-insensitive
  | { readonly kind: "ip"; readonly value: string } // IPv4/IPv6 address or CIDR
  | { readonly kind: "repo"; readonly value: string }; // repository URL, any of https/ssh/.git spellings

export interface Asset {
  /** Stable id of the asset in the inventory (unique). */
  readonly key: string;
  readonly name: string;
  readonly matchers: readonly AssetMatcher[];
  /** Owning team. */
  readonly owner: string;
  readonly environment: string; // production, staging, development, ... (free text, lower-case)
  readonly criticality: Criticality;
  readonly exposure: Exposure;
  /** Data classification, e.g. public, internal, confidential, restricted, pci, phi. */
  readonly dataClassification: string;
  /** Availability SLO target as a fraction, e.g. 0.999; null when none is set. */
  readonly sloTarget: number | null;
  readonly tags: readonly string[];
}

/**
 * The context a finding's decision uses: the matched asset, or the stated default for findings that match
 * none (`matched: false`).
 */
export interface AssetContext {
  readonly asset: Asset;
  readonly matched: boolean;
  /**
   * The matcher that chose the asset (`{ kind: "key", value: asset.key }` for the asset's own key), so an
   * explanation can say why a finding belongs to it; absent for the default context.
   */
  readonly matchedBy?: AssetMatcher | undefined;
}

/**
 * What an inventory says about assets that do not say it themselves, and the context used for findings
 * that match no asset at all.
 */
export interface AssetDefaults {
  readonly owner: string;
  readonly environment: string;
  readonly criticality: Criticality;
  readonly exposure: Exposure;
  readonly dataClassification: string;
  readonly sloTarget: number | null;
}

/** A loaded inventory: its assets in file order and its defaults. */
export interface AssetInventory {
  /** Display name of the file it was read from. */
  readonly source: string;
  readonly assets: readonly Asset[];
  readonly defaults: AssetDefaults;
}

/** Counts from an asset matcher, for the import report ("412 findings on 7 unknown assets ..."). */
export interface AssetMatchStats {
  /** Calls to `match`, i.e. findings looked up. */
  readonly lookups: number;
  readonly matched: number;
  readonly unmatched: number;
  /** Lookups answered from the per-key cache. */
  readonly cacheHits: number;
  /** Distinct keys held in the cache now. */
  readonly cachedKeys: number;
  /** Distinct asset keys that matched no asset, in the order first seen (bounded; see below). */
  readonly unmatchedKeys: readonly string[];
  /** True when more distinct unmatched keys were seen than `unmatchedKeys` holds. */
  readonly unmatchedKeysTruncated: boolean;
}
