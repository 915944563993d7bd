import type { CompiledGlob } from "./glob.js";
import type { IpVersion } from "./ip.js";
import { compileMatcher } from "./matcher-values.js";
import type { Asset, AssetMatcher } from "./types.js";

/** One asset reachable through one matcher. */
export interface IndexEntry {
  readonly asset: Asset;
  readonly matcher: AssetMatcher;
}

interface CidrTable {
  /** Prefix lengths present, longest first, so the first hit is the most specific block. */
  prefixes: number[];
  readonly byPrefix: Map<number, Map<bigint, IndexEntry>>;
}

interface GlobEntry extends IndexEntry {
  readonly glob: CompiledGlob;
  readonly order: number;
}

/** Lookup structures for every matcher kind; built once per inventory. */
export interface AssetIndex {
  readonly exact: Map<string, IndexEntry>;
  readonly images: Map<string, IndexEntry>;
  readonly repos: Map<string, IndexEntry>;
  readonly hosts: Map<string, IndexEntry>;
  readonly ips: Record<IpVersion, Map<bigint, IndexEntry>>;
  readonly cidrs: Record<IpVersion, CidrTable>;
  /** Most specific first: more literal characters, then longer pattern, then inventory order. */
  readonly hostGlobs: readonly GlobEntry[];
  readonly globs: readonly GlobEntry[];
}

/** A matcher that could not be indexed: invalid, or already claimed by another asset. */
export interface IndexProblem {
  readonly assetIndex: number;
  /** Index into the asset's matchers, or -1 for the asset's own key. */
  readonly matcherIndex: number;
  readonly message: string;
}

/**
 * Names an asset (matcherIndex -1) or one of its matchers in a message; the file loader passes one that
 * adds line numbers.
 */
export type Locate = (assetIndex: number, matcherIndex: number) => string;

/**
 * Build the lookup index for an inventory. Every matcher is validated; a matcher that two different
 * assets claim (same key, image, repository, host, address, block or glob) is a problem, because which
 * asset a finding lands on must never depend on file order.
 *
 * @example
 * const { index, problems } = buildAssetIndex(inventory.assets);
 * if (problems.length > 0) throw new Error(problems[0].message);
 */
export function buildAssetIndex(
  assets: readonly Asset[],
  locate: Locate = defaultLocate(assets),
): { index: AssetIndex; problems: IndexProblem[] } {
  const index: AssetIndex = {
    exact: new Map(),
    images: new Map(),
    repos: new Map(),
    hosts: new Map(),
    ips: { 4: new Map(), 6: new Map() },
    cidrs: { 4: { prefixes: [], byPrefix: new Map() }, 6: { prefixes: [], byPrefix: new Map() } },
    hostGlobs: [],
    globs: [],
  };
  const hostGlobs: GlobEntry[] = [];
  const globs: GlobEntry[] = [];
  const problems: IndexProblem[] = [];
  const claimedBy = new Map<string, { assetIndex: number; matcherIndex: number }>();

  assets.forEach((asset, assetIndex) => {
    const own: AssetMatcher = { kind: "key", value: asset.key };
    [own, ...asset.matchers].forEach((matcher, position) => {
      const matcherIndex = position - 1;
      const compiled = compileMatcher(matcher);
      if (typeof compiled === "string") {
        problems.push({ assetIndex, matcherIndex, message: compiled });
        return;
      }
      const first = claimedBy.get(compiled.identity);
      if (first) {
        if (first.assetIndex === assetIndex) return; // said twice for one asset: harmless
        const where = locate(first.assetIndex, first.matcherIndex);
        const message =
          matcherIndex < 0 && first.matcherIndex < 0
            ? `duplicate key "${asset.key}"; first used by ${where}`
            : `${compiled.identity} is already claimed by ${where}; each key, image, repo, host, address and glob may belong to one asset only`;
        problems.push({ assetIndex, matcherIndex, message });
        return;
      }
      claimedBy.set(compiled.identity, { assetIndex, matcherIndex });
      const entry: IndexEntry = { asset, matcher };
      switch (compiled.kind) {
        case "key":
          index.exact.set(compiled.key, entry);
          break;
        case "image":
          index.images.set(compiled.name, entry);
          break;
        case "repo":
          index.repos.set(compiled.url, entry);
          break;
        case "host":
          index.hosts.set(compiled.host, entry);
          break;
        case "ip":
          index.ips[compiled.version].set(compiled.value, entry);
          break;
        case "cidr": {
          const table = index.cidrs[compiled.version];
          let blocks = table.byPrefix.get(compiled.prefix);
          if (!blocks) {
            blocks = new Map();
            table.byPrefix.set(compiled.prefix, blocks);
            table.prefixes.push(compiled.prefix);
          }
          blocks.set(compiled.network, entry);
          break;
        }
        case "host-glob":
          hostGlobs.push({ ...entry, glob: compiled.glob, order: hostGlobs.length });
          break;
        case "glob":
          globs.push({ ...entry, glob: compiled.glob, order: globs.length });
          break;
      }
    });
  });

  for (const version of [4, 6] as const) index.cidrs[version].prefixes.sort((a, b) => b - a);
  return {
    index: { ...index, hostGlobs: hostGlobs.sort(bySpecificity), globs: globs.sort(bySpecificity) },
    problems,
  };
}

function bySpecificity(a: GlobEntry, b: GlobEntry): number {
  return (
    b.glob.literals - a.glob.literals || b.glob.pattern.length - a.glob.pattern.length || a.order - b.order
  );
}

/** `assets[3] (payments-api)` or `assets[3] (payments-api).match[1]`. */
export function defaultLocate(assets: readonly Asset[]): Locate {
  return (assetIndex, matcherIndex) => {
    const key = assets[assetIndex]?.key ?? "";
    const asset = `assets[${assetIndex}] (${key})`;
    return matcherIndex < 0 ? asset : `${asset}.match[${matcherIndex}]`;
  };
}
