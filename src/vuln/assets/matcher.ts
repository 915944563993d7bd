import { DetenteError } from "../../errors.js";
import { readAssetKey } from "./asset-key.js";
import { BoundedCache } from "./bounded-cache.js";
import { defaultAsset } from "./defaults.js";
import { maskIp } from "./ip.js";
import { buildAssetIndex } from "./matcher-index.js";
import type { AssetIndex, IndexEntry } from "./matcher-index.js";
import type { Asset, AssetContext, AssetDefaults, AssetMatchStats } from "./types.js";

export interface AssetMatcherOptions {
  /** Distinct asset keys whose answer is kept (least recently used dropped first). Default 100,000. */
  readonly cacheSize?: number;
  /** Distinct unmatched keys remembered for the report. Default 10,000. */
  readonly maxUnmatchedKeys?: number;
}

/** Finds the business context of a finding from its asset key. */
export interface AssetMatcherService {
  match(assetKey: string): AssetContext;
  stats(): AssetMatchStats;
}

/** Keys longer than this are matched but not cached, so the cache's memory stays bounded. */
const MAX_CACHED_KEY_LENGTH = 1024;
/** Globs are not tried on keys longer than this: nothing real is that long, and it bounds the work. */
const MAX_GLOB_INPUT_LENGTH = 8192;

/**
 * Create the matcher that gives each finding its asset. Precedence when several assets match one key:
 * exact key > image repository > repository URL > exact host > exact IP > longest CIDR prefix > host glob
 * > path glob, and among globs the most specific (most literal characters, then longest) wins. A key
 * that matches nothing gets the default context with `matched: false`. Answers are cached per distinct
 * key, since one image or host carries thousands of findings. Throws DetenteError("INVALID_CONFIG") when a
 * matcher is invalid or claimed by two assets.
 *
 * @example
 * const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
 * matcher.match("registry.example.com/payments/api:1.4.2"); // { asset: payments-api, matched: true, ... }
 * describeUnmatched(matcher.stats(), inventory.defaults);
 */
export function createAssetMatcher(
  assets: readonly Asset[],
  defaults: AssetDefaults,
  options: AssetMatcherOptions = {},
): AssetMatcherService {
  const { index, problems } = buildAssetIndex(assets);
  if (problems.length > 0) {
    const lines = problems.slice(0, 10).map((p) => {
      const at = `asset inventory: assets[${p.assetIndex}] (${assets[p.assetIndex]?.key ?? ""})`;
      return p.matcherIndex < 0 ? `${at}: ${p.message}` : `${at}.match[${p.matcherIndex}]: ${p.message}`;
    });
    if (problems.length > 10) lines.push(`asset inventory: ... and ${problems.length - 10} more problems`);
    throw new DetenteError("INVALID_CONFIG", lines.join("\n"), { problems });
  }

  const cacheSize = Math.max(1, options.cacheSize ?? 100_000);
  const maxUnmatchedKeys = Math.max(0, options.maxUnmatchedKeys ?? 10_000);
  const fallback: AssetContext = { asset: defaultAsset(defaults), matched: false };
  const cache = new BoundedCache<string, AssetContext>(cacheSize);
  const unmatchedKeys = new Set<string>();
  let unmatchedKeysTruncated = false;
  let lookups = 0;
  let matched = 0;
  let cacheHits = 0;

  // The key asked last and its answer: a report lists an asset's findings together, and comparing with
  // the last key costs far less than a lookup by a string just read from the report.
  let lastKey: string | null = null;
  let lastContext: AssetContext = fallback;

  function match(assetKey: string): AssetContext {
    lookups++;
    if (assetKey === lastKey) {
      cacheHits++;
      // An unmatched key was noted when it was asked last.
      if (lastContext.matched) matched++;
      return lastContext;
    }
    let context = cache.get(assetKey);
    if (context) {
      cacheHits++;
    } else {
      const entry = resolve(index, assetKey);
      context = entry ? { asset: entry.asset, matched: true, matchedBy: entry.matcher } : fallback;
      if (assetKey.length <= MAX_CACHED_KEY_LENGTH) cache.set(assetKey, context);
    }
    if (context.matched) {
      matched++;
    } else if (!unmatchedKeys.has(assetKey)) {
      if (unmatchedKeys.size < maxUnmatchedKeys) unmatchedKeys.add(assetKey);
      else unmatchedKeysTruncated = true;
    }
    // Only keys the cache would keep, so that the counts stay what the cache alone would give.
    if (assetKey.length <= MAX_CACHED_KEY_LENGTH) {
      lastKey = assetKey;
      lastContext = context;
    }
    return context;
  }

  function stats(): AssetMatchStats {
    return {
      lookups,
      matched,
      unmatched: lookups - matched,
      cacheHits,
      cachedKeys: cache.size,
      unmatchedKeys: [...unmatchedKeys],
      unmatchedKeysTruncated,
    };
  }

  return { match, stats };
}

/** The best entry for a key, in the documented precedence order, or undefined. */
function resolve(index: AssetIndex, rawKey: string): IndexEntry | undefined {
  const readings = readAssetKey(rawKey);
  const exact = index.exact.get(readings.key);
  if (exact) return exact;
  if (readings.image !== undefined) {
    const hit = index.images.get(readings.image);
    if (hit) return hit;
  }
  if (readings.repo !== undefined) {
    const hit = index.repos.get(readings.repo);
    if (hit) return hit;
  }
  if (readings.host !== undefined) {
    const hit = index.hosts.get(readings.host);
    if (hit) return hit;
  }
  if (readings.ip) {
    const { version, value } = readings.ip;
    const hit = index.ips[version].get(value);
    if (hit) return hit;
    const table = index.cidrs[version];
    for (const prefix of table.prefixes) {
      const block = table.byPrefix.get(prefix)?.get(maskIp(value, version, prefix));
      if (block) return block;
    }
  }
  if (readings.host !== undefined) {
    const host = readings.host;
    const hit = index.hostGlobs.find((g) => g.glob.test(host));
    if (hit) return hit;
  }
  if (readings.key.length <= MAX_GLOB_INPUT_LENGTH) {
    return index.globs.find((g) => g.glob.test(readings.key));
  }
  return undefined;
}
