import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { DetenteError, isDetenteError } from "../../errors.js";
import { downloadFeed, readCacheMeta, type CacheMeta } from "./download.js";
import type { IntelMeta } from "./types.js";

/** Feeds that `syncIntel` can download. Vulnrichment is a git repository: clone it and load the directory. */
export type SyncSource = "kev" | "epss" | "nvd";

/**
 * The official download locations. EPSS moved from FIRST's former host (epss.cyentia.com, still a
 * mirror) to Empirical Security, who run EPSS for FIRST; `-current` redirects to the dated file. NVD
 * publishes its JSON 2.0 feeds per year plus `modified` and `recent`; `{feed}` is replaced by the name.
 *
 * @example await syncIntel({ cacheDir, urls: { epss: "https://epss.cyentia.com/epss_scores-current.csv.gz" } });
 */
export const DEFAULT_FEED_URLS: Readonly<Record<SyncSource, string>> = {
  kev: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
  epss: "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
  nvd: "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-{feed}.json.gz",
};

export interface SyncOptions {
  /** Where the feed files and their `.meta.json` are kept; created if missing. */
  readonly cacheDir: string;
  /** Default `["kev", "epss"]`. NVD is opt-in: its yearly feeds are large and CVSS also comes in reports. */
  readonly sources?: readonly SyncSource[] | undefined;
  /** Override a download URL (a mirror, or a local server in tests). */
  readonly urls?: Partial<Record<SyncSource, string>> | undefined;
  /** NVD feeds to fetch: years ("2025") and/or "modified", "recent". Default `["modified"]`. */
  readonly nvdFeeds?: readonly string[] | undefined;
  /** Injected for tests; default the global (undici) fetch. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Longest a whole download may take (default 30 minutes). */
  readonly timeoutMs?: number | undefined;
  /** Longest wait for the next bytes (default 60 seconds). */
  readonly idleTimeoutMs?: number | undefined;
  /** Largest file accepted (default 4 GiB). */
  readonly maxBytes?: number | undefined;
  readonly onProgress?:
    ((source: SyncSource, receivedBytes: number, totalBytes: number | undefined) => void) | undefined;
  readonly userAgent?: string | undefined;
  /** Clock for the times written to `.meta.json`; default the system clock. */
  readonly now?: (() => Date) | undefined;
}

/** What happened to one feed file. */
export interface SyncResult {
  readonly source: SyncSource;
  readonly url: string;
  /** The cached file to load (present unless a first download failed). */
  readonly path: string;
  readonly status: "updated" | "up-to-date" | "failed";
  /** What the cached file holds now (new, or kept), or null when there is no cached file. */
  readonly meta: IntelMeta | null;
  /** Bytes downloaded this time. */
  readonly bytes: number;
  readonly error?: DetenteError | undefined;
}

const NVD_FEED_RE = /^(?:\d{4}|modified|recent)$/;

/**
 * Bring the cached KEV and EPSS files (and, when asked, NVD feeds) up to date, one file at a time.
 * Each download is conditional on the previous ETag/Last-Modified, lands in a temporary file, is read
 * through its loader, and only then replaces the cached file; a failed feed keeps its previous file and
 * is reported with a DetenteError("UPSTREAM") naming the URL and status, while the other feeds go on.
 * After an abort the remaining feeds are reported failed without being requested.
 *
 * @example
 * const results = await syncIntel({ cacheDir: ".detente/intel", onProgress: (s, n, t) => bar.update(n, t) });
 * for (const r of results) if (r.status === "updated") await loadIntoStore(r.path);
 */
export async function syncIntel(options: SyncOptions): Promise<SyncResult[]> {
  const sources = options.sources ?? ["kev", "epss"];
  const feeds = options.nvdFeeds ?? ["modified"];
  for (const feed of feeds) {
    if (!NVD_FEED_RE.test(feed)) {
      throw new DetenteError(
        "INVALID_INPUT",
        `unknown NVD feed "${feed}": use a year (2025), "modified" or "recent"`,
      );
    }
  }
  try {
    await mkdir(options.cacheDir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new DetenteError(
      "INVALID_INPUT",
      `${options.cacheDir}: cannot create the intel cache directory (${code})`,
    );
  }

  const jobs: { source: SyncSource; url: string; path: string }[] = [];
  for (const source of sources) {
    const url = options.urls?.[source] ?? DEFAULT_FEED_URLS[source];
    if (source === "nvd") {
      for (const feed of feeds) {
        const name = `nvdcve-2.0-${feed}.json.gz`;
        jobs.push({ source, url: url.split("{feed}").join(feed), path: join(options.cacheDir, name) });
      }
    } else {
      jobs.push({ source, url, path: join(options.cacheDir, CACHE_NAMES[source]) });
    }
  }

  const results: SyncResult[] = [];
  for (const job of jobs) results.push(await syncOne(job, options));
  return results;
}

const CACHE_NAMES: Readonly<Record<Exclude<SyncSource, "nvd">, string>> = {
  kev: "known_exploited_vulnerabilities.json",
  epss: "epss_scores-current.csv.gz",
};

async function syncOne(
  job: { source: SyncSource; url: string; path: string },
  options: SyncOptions,
): Promise<SyncResult> {
  const { source, url, path } = job;
  if (options.signal?.aborted) {
    const error = new DetenteError("UPSTREAM", `GET ${url} failed: aborted`, { url });
    return { ...job, status: "failed", meta: (await readCacheMeta(path))?.intel ?? null, bytes: 0, error };
  }
  try {
    const outcome = await downloadFeed({
      url,
      path,
      source,
      fetch: options.fetch ?? globalThis.fetch,
      headers: { "user-agent": options.userAgent ?? "detente (intel sync)" },
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 30 * 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      maxBytes: options.maxBytes ?? 4 * 1024 ** 3,
      onProgress: (received, total) => options.onProgress?.(source, received, total),
      now: options.now ?? (() => new Date()),
    });
    return { ...job, status: outcome.status, meta: outcome.cache.intel, bytes: outcome.bytes };
  } catch (e) {
    if (!isDetenteError(e)) throw e; // a bug, not a failed download
    return { ...job, status: "failed", meta: (await readCacheMeta(path))?.intel ?? null, bytes: 0, error: e };
  }
}

/** A feed file in the cache, with what is known about it. */
export interface CachedFeed {
  readonly path: string;
  readonly cache: CacheMeta;
}

/**
 * The feed files in a cache directory that a sync completed, for `detente intel status` or to load them
 * all; files without valid metadata (a download in progress, a stray file) are left out.
 *
 * @example (await cachedFeeds(".detente/intel")).map((f) => f.cache.intel.source) // ["epss", "kev"]
 */
export async function cachedFeeds(cacheDir: string): Promise<CachedFeed[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return [];
  }
  const out: CachedFeed[] = [];
  for (const name of names.sort()) {
    if (name.startsWith(".") || name.endsWith(".meta.json")) continue;
    const path = join(cacheDir, name);
    const cache = await readCacheMeta(path);
    if (cache) out.push({ path, cache });
  }
  return out;
}
