import { createHash, randomUUID } from "node:crypto";
import { open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DetenteError } from "../../errors.js";
import { openIntelFile } from "./open.js";
import type { IntelMeta, IntelSource } from "./types.js";

/** What is remembered about a cached feed file, in `<file>.meta.json` beside it. */
export interface CacheMeta {
  readonly url: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** When the file was last downloaded, and when the server was last asked (ISO 8601, UTC). */
  readonly fetchedAt: string;
  readonly checkedAt: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly intel: IntelMeta;
}

/** Everything one download needs; `syncIntel` fills it from its options. */
export interface DownloadRequest {
  readonly url: string;
  /** The cached file; replaced only by a complete download that its loader read without error. */
  readonly path: string;
  readonly source: IntelSource;
  readonly fetch: typeof globalThis.fetch;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBytes: number;
  readonly onProgress: (received: number, total: number | undefined) => void;
  readonly now: () => Date;
}

export interface DownloadOutcome {
  readonly status: "updated" | "up-to-date";
  readonly bytes: number;
  readonly cache: CacheMeta;
}

/**
 * Download one feed file into the cache, conditionally: the previous ETag and Last-Modified are sent, and
 * 304 Not Modified leaves the file as it is. A new body goes to a temporary file in the same directory,
 * is read through its loader, and only then renamed over the old file, so a truncated or invalid download
 * never replaces a good one. Failures are DetenteError("UPSTREAM") naming the URL (and HTTP status).
 *
 * @example
 * const r = await downloadFeed({ url, path: "cache/kev.json", source: "kev", fetch, ...limits });
 * r.status; // "updated" or "up-to-date"
 */
export async function downloadFeed(req: DownloadRequest): Promise<DownloadOutcome> {
  const previous = await readCacheMeta(req.path);
  const headers: Record<string, string> = { ...req.headers };
  if (previous?.etag) headers["if-none-match"] = previous.etag;
  if (previous?.lastModified) headers["if-modified-since"] = previous.lastModified;

  const guard = new Guard(req);
  const tmp = join(dirname(req.path), `.${basename(req.path)}.${randomUUID().slice(0, 8)}.part`);
  let kept = false;
  try {
    let response: Response;
    try {
      response = await req.fetch(req.url, { headers, signal: guard.signal, redirect: "follow" });
    } catch (e) {
      throw guard.failure(e);
    }
    if (response.status === 304 && previous) {
      await response.body?.cancel();
      const cache = { ...previous, checkedAt: req.now().toISOString() };
      await writeAtomically(metaPath(req.path), JSON.stringify(cache, null, 2) + "\n");
      return { status: "up-to-date", bytes: 0, cache };
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      throw upstream(
        req.url,
        `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      );
    }

    // With a Content-Encoding, Content-Length counts the encoded bytes, not the ones we receive.
    const encoding = (response.headers.get("content-encoding") ?? "identity").toLowerCase();
    const length = Number(response.headers.get("content-length") ?? NaN);
    const total = encoding === "identity" && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    if (total !== undefined && total > req.maxBytes) {
      await response.body.cancel();
      throw upstream(req.url, `the file is ${total} bytes, more than the limit of ${req.maxBytes}`);
    }

    const hash = createHash("sha256");
    let received = 0;
    const out = await open(tmp, "wx");
    try {
      req.onProgress(0, total);
      // undici types the body as ReadableStream<any>; it yields Uint8Array chunks.
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        guard.alive();
        received += chunk.length;
        if (received > req.maxBytes)
          throw upstream(req.url, `the file is larger than the limit of ${req.maxBytes} bytes`);
        hash.update(chunk);
        await out.write(chunk);
        req.onProgress(received, total);
      }
      await out.sync();
    } catch (e) {
      // A failed write (a full disk) is the cache's problem, reported below; the rest is the network's.
      if (e instanceof DetenteError || (e as NodeJS.ErrnoException | null)?.syscall) throw e;
      throw guard.failure(e, received);
    } finally {
      await out.close();
    }
    guard.dispose(); // the body is complete: validation may take longer than the stall timeout
    if (total !== undefined && received !== total) {
      throw upstream(req.url, `the download was cut short: received ${received} of ${total} bytes`);
    }

    const intel = await validate(tmp, req);
    await rename(tmp, req.path);
    kept = true;
    const at = req.now().toISOString();
    const cache: CacheMeta = {
      url: req.url,
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
      fetchedAt: at,
      checkedAt: at,
      bytes: received,
      sha256: hash.digest("hex"),
      intel,
    };
    await writeAtomically(metaPath(req.path), JSON.stringify(cache, null, 2) + "\n");
    return { status: "updated", bytes: received, cache };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    // A cache that cannot be written (full disk, permissions) fails this feed, not the whole sync.
    if (!(e instanceof DetenteError) && code) {
      throw upstream(req.url, `cannot write to ${dirname(req.path)} (${code})`);
    }
    throw e;
  } finally {
    guard.dispose();
    if (!kept) await unlink(tmp).catch(() => undefined);
  }
}

/** Run the loader over the whole download; its complaint, if any, becomes the sync error. */
async function validate(tmp: string, req: DownloadRequest): Promise<IntelMeta> {
  try {
    const file = await openIntelFile(tmp, { source: req.source });
    for await (const _batch of file.batches) {
      // Reading is the check; the entries are loaded from the cache file afterwards.
    }
    return file.meta();
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split(tmp).join("the download");
    throw upstream(req.url, `the downloaded file is not valid ${req.source} data: ${reason}`);
  }
}

/**
 * The cache metadata kept beside `path`, or null when there is none, it is unreadable, or the file it
 * describes is gone (then nothing must be sent that would make the server answer 304).
 *
 * @example (await readCacheMeta("cache/known_exploited_vulnerabilities.json"))?.intel.version // "2025.08.25"
 */
export async function readCacheMeta(path: string): Promise<CacheMeta | null> {
  try {
    await stat(path);
    const parsed = JSON.parse(await readFile(metaPath(path), "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null) return null;
    const meta = parsed as Partial<CacheMeta>;
    return typeof meta.url === "string" && typeof meta.intel === "object" ? (meta as CacheMeta) : null;
  } catch {
    return null;
  }
}

/**
 * Where the cache metadata of a feed file is kept: beside it, as `<file>.meta.json`.
 *
 * @example metaPath("cache/epss_scores-current.csv.gz") // "cache/epss_scores-current.csv.gz.meta.json"
 */
export function metaPath(path: string): string {
  return `${path}.meta.json`;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID().slice(0, 8)}.part`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

function upstream(url: string, what: string): DetenteError {
  return new DetenteError("UPSTREAM", `GET ${url} failed: ${what}`, { url });
}

/** Aborts a download on the caller's signal, an overall timeout, or a stall with no bytes arriving. */
class Guard {
  private readonly controller = new AbortController();
  private reason: "aborted" | "timeout" | "idle" | null = null;
  private readonly overall: NodeJS.Timeout;
  private idle: NodeJS.Timeout;
  private readonly onAbort = (): void => {
    this.stop("aborted");
  };

  constructor(private readonly req: DownloadRequest) {
    this.overall = setTimeout(() => {
      this.stop("timeout");
    }, req.timeoutMs);
    this.idle = setTimeout(() => {
      this.stop("idle");
    }, req.idleTimeoutMs);
    if (req.signal?.aborted) this.stop("aborted");
    req.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Bytes arrived: the stall timer starts again. */
  alive(): void {
    this.idle.refresh();
  }

  /**
   * An error from fetch or the body, explained by why the request was stopped, if it was; `received` is
   * set when the body had started arriving.
   */
  failure(e: unknown, received?: number): DetenteError {
    const { url, timeoutMs, idleTimeoutMs } = this.req;
    if (this.reason === "timeout") return upstream(url, `timed out after ${timeoutMs / 1000} s`);
    if (this.reason === "idle") return upstream(url, `no data for ${idleTimeoutMs / 1000} s`);
    if (this.reason === "aborted") return upstream(url, "aborted");
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const message = cause instanceof Error ? cause.message : String(cause);
    const reason = code && !message.includes(code) ? `${message} (${code})` : message;
    return upstream(
      url,
      received === undefined ? reason : `the download broke off after ${received} bytes: ${reason}`,
    );
  }

  dispose(): void {
    clearTimeout(this.overall);
    clearTimeout(this.idle);
    this.req.signal?.removeEventListener("abort", this.onAbort);
  }

  private stop(reason: "aborted" | "timeout" | "idle"): void {
    this.reason ??= reason;
    this.controller.abort(new Error(reason));
  }
}
