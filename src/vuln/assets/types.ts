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
}
