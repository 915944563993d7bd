/**
 * Threat intelligence for triage: loaders that stream CISA KEV, FIRST EPSS, NVD CVSS and CISA
 * Vulnrichment SSVC files into typed batches, a sync that downloads the official feeds into a cache, and
 * an in-memory lookup for triage without a database.
 *
 * @example
 * const file = await openIntelFile(bundledKevPath());
 * for await (const batch of file.batches) console.log(batch.source, file.meta().version);
 */
export { bundledKevPath } from "./bundled.js";
export {
  detectIntelFile,
  detectIntelHead,
  INTEL_KINDS,
  type IntelDetection,
  type IntelLayout,
} from "./detect.js";
export { readCacheMeta, type CacheMeta } from "./download.js";
export { loadIntelIndex, type LoadedIntel } from "./load-index.js";
export {
  buildIntelIndex,
  type EntrySource,
  type IntelIndex,
  type IntelIndexInput,
  type IntelIndexOptions,
} from "./lookup.js";
export { openIntelFile, type OpenedIntelFile, type OpenIntelOptions } from "./open.js";
export {
  cachedFeeds,
  DEFAULT_FEED_URLS,
  syncIntel,
  type CachedFeed,
  type SyncOptions,
  type SyncResult,
  type SyncSource,
} from "./sync.js";
export type * from "./types.js";
