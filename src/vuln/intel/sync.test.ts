import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { readCacheMeta } from "./download.js";
import { cachedFeeds, syncIntel, type SyncOptions, type SyncResult } from "./sync.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/intel/", import.meta.url));
const NOW = new Date("2025-08-26T06:00:00Z");

interface Served {
  body: Buffer;
  etag: string;
  /** Send this many bytes, then drop the connection (a download cut short). */
  cutAfter?: number;
  status?: number;
  /** Never answer (for timeouts and aborts). */
  hang?: boolean;
}

/** A local feed server: serves `files` by path, answers 304 to a matching If-None-Match, logs requests. */
class FeedServer {
  readonly files = new Map<string, Served>();
  readonly requests: { path: string; ifNoneMatch: string | undefined }[] = [];
  onRequest: (() => void) | null = null;
  private server: Server | null = null;
  base = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server?.close(() => {
        resolve();
      }),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? "";
    const ifNoneMatch = req.headers["if-none-match"];
    this.requests.push({ path, ifNoneMatch });
    this.onRequest?.();
    const file = this.files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    if (file.hang) return;
    if (file.status && file.status !== 200) {
      res.writeHead(file.status).end("upstream trouble");
      return;
    }
    if (ifNoneMatch === file.etag) {
      res.writeHead(304, { etag: file.etag }).end();
      return;
    }
    const headers = { etag: file.etag, "last-modified": "Mon, 25 Aug 2025 17:04:19 GMT" };
    res.writeHead(200, { ...headers, "content-length": String(file.body.length) });
    if (file.cutAfter !== undefined) {
      res.write(file.body.subarray(0, file.cutAfter), () => res.socket?.destroy());
      return;
    }
    res.end(file.body);
  }
}

let server: FeedServer;
let cacheDir = "";
let kevBody: Buffer;
let epssBody: Buffer;

beforeEach(async () => {
  server = new FeedServer();
  await server.start();
  cacheDir = await mkdtemp(join(tmpdir(), "detente-sync-"));
  kevBody = await readFile(join(FIXTURES, "kev/kev-small.json"));
  epssBody = await readFile(join(FIXTURES, "epss/epss-small.csv.gz"));
  server.files.set("/kev.json", { body: kevBody, etag: '"kev-1"' });
  server.files.set("/epss.csv.gz", { body: epssBody, etag: '"epss-1"' });
});
afterEach(async () => {
  await server.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

function options(extra: Partial<SyncOptions> = {}): SyncOptions {
  return {
    cacheDir,
    urls: {
      kev: `${server.base}/kev.json`,
      epss: `${server.base}/epss.csv.gz`,
      nvd: `${server.base}/nvd/{feed}.json`,
    },
    now: () => NOW,
    ...extra,
  };
}

function bySource(results: SyncResult[], source: string): SyncResult {
  return results.find((r) => r.source === source)!;
}

/** Files in the cache directory, leftovers of failed downloads included. */
async function cacheListing(): Promise<string[]> {
  return (await readdir(cacheDir)).sort();
}

describe("syncIntel", () => {
  it("downloads KEV and EPSS into the cache, validated, with progress and metadata", async () => {
    const progress: [string, number, number | undefined][] = [];
    const results = await syncIntel(options({ onProgress: (s, n, t) => progress.push([s, n, t]) }));
    expect(results.map((r) => [r.source, r.status])).toEqual([
      ["kev", "updated"],
      ["epss", "updated"],
    ]);
    const kev = bySource(results, "kev");
    expect(kev.meta).toMatchObject({ source: "kev", version: "2025.08.25", count: 4 });
    expect(await readFile(kev.path)).toEqual(kevBody);
    expect(await readFile(bySource(results, "epss").path)).toEqual(epssBody);
    expect(progress.at(-1)).toEqual(["epss", epssBody.length, epssBody.length]);
    expect(progress.filter(([s]) => s === "kev").at(-1)).toEqual(["kev", kevBody.length, kevBody.length]);

    const cache = await readCacheMeta(kev.path);
    expect(cache).toMatchObject({
      url: `${server.base}/kev.json`,
      etag: '"kev-1"',
      lastModified: "Mon, 25 Aug 2025 17:04:19 GMT",
      fetchedAt: NOW.toISOString(),
      bytes: kevBody.length,
    });
    expect(await cacheListing()).toEqual([
      "epss_scores-current.csv.gz",
      "epss_scores-current.csv.gz.meta.json",
      "known_exploited_vulnerabilities.json",
      "known_exploited_vulnerabilities.json.meta.json",
    ]);
    expect((await cachedFeeds(cacheDir)).map((f) => f.cache.intel.source)).toEqual(["epss", "kev"]);
  });

  it("asks with the stored ETag next time and keeps the file on 304 Not Modified", async () => {
    await syncIntel(options());
    const results = await syncIntel(options());
    expect(results.map((r) => [r.source, r.status, r.bytes])).toEqual([
      ["kev", "up-to-date", 0],
      ["epss", "up-to-date", 0],
    ]);
    expect(server.requests.map((r) => r.ifNoneMatch)).toEqual([undefined, undefined, '"kev-1"', '"epss-1"']);
    expect(bySource(results, "kev").meta?.version).toBe("2025.08.25");
  });

  it("keeps the previous file when a new download is invalid", async () => {
    await syncIntel(options());
    const text = kevBody.toString("utf8");
    server.files.set("/kev.json", { body: Buffer.from(text.slice(0, text.length / 2)), etag: '"kev-2"' });
    const kev = bySource(await syncIntel(options({ sources: ["kev"] })), "kev");
    expect(kev.status).toBe("failed");
    expect(isDetenteError(kev.error, "UPSTREAM")).toBe(true);
    expect(kev.error?.message).toMatch(
      new RegExp(
        `^GET ${server.base}/kev.json failed: the downloaded file is not valid kev data: the download: unexpected end of input`,
      ),
    );
    expect(await readFile(kev.path)).toEqual(kevBody);
    expect(kev.meta?.version).toBe("2025.08.25");
    expect((await readCacheMeta(kev.path))?.etag).toBe('"kev-1"');
    expect(await cacheListing()).not.toContainEqual(expect.stringMatching(/\.part$/));
  });

  it("keeps the previous file when the connection drops mid-download", async () => {
    await syncIntel(options());
    server.files.set("/epss.csv.gz", { body: epssBody, etag: '"epss-2"', cutAfter: 100 });
    const epss = bySource(await syncIntel(options({ sources: ["epss"] })), "epss");
    expect(epss.status).toBe("failed");
    expect(epss.error?.message).toMatch(
      new RegExp(`^GET ${server.base}/epss.csv.gz failed: the download broke off after \\d+ bytes: `),
    );
    expect(await readFile(epss.path)).toEqual(epssBody);
    expect(await cacheListing()).not.toContainEqual(expect.stringMatching(/\.part$/));
  });

  it("reports an HTTP error with the URL and status, and goes on with the other feeds", async () => {
    server.files.set("/kev.json", { body: kevBody, etag: '"kev-1"', status: 500 });
    const results = await syncIntel(options());
    const kev = bySource(results, "kev");
    expect(kev.status).toBe("failed");
    expect(kev.error?.message).toBe(`GET ${server.base}/kev.json failed: HTTP 500 Internal Server Error`);
    expect(kev.meta).toBeNull();
    expect(bySource(results, "epss").status).toBe("updated");
    expect(await cacheListing()).toEqual([
      "epss_scores-current.csv.gz",
      "epss_scores-current.csv.gz.meta.json",
    ]);
  });

  it("stops when the caller aborts, and when no data arrives in time", async () => {
    server.files.set("/kev.json", { body: kevBody, etag: '"kev-1"', hang: true });
    const controller = new AbortController();
    server.onRequest = () => {
      controller.abort();
    };
    const aborted = await syncIntel(options({ signal: controller.signal }));
    expect(aborted.map((r) => [r.source, r.status, r.error?.message])).toEqual([
      ["kev", "failed", `GET ${server.base}/kev.json failed: aborted`],
      ["epss", "failed", `GET ${server.base}/epss.csv.gz failed: aborted`],
    ]);
    expect(server.requests.map((r) => r.path)).toEqual(["/kev.json"]);

    server.onRequest = null;
    const stalled = bySource(await syncIntel(options({ sources: ["kev"], idleTimeoutMs: 50 })), "kev");
    expect(stalled.error?.message).toBe(`GET ${server.base}/kev.json failed: no data for 0.05 s`);
  });

  it("downloads the NVD feeds it is asked for, and refuses an unknown feed name", async () => {
    server.files.set("/nvd/2024.json", {
      body: await readFile(join(FIXTURES, "nvd/nvd-page.json")),
      etag: '"n"',
    });
    const [nvd] = await syncIntel(options({ sources: ["nvd"], nvdFeeds: ["2024"] }));
    expect(nvd).toMatchObject({
      source: "nvd",
      status: "updated",
      path: join(cacheDir, "nvdcve-2.0-2024.json.gz"),
    });
    expect(nvd?.meta).toMatchObject({ source: "nvd", count: 3 });
    await expect(syncIntel(options({ sources: ["nvd"], nvdFeeds: ["../../etc"] }))).rejects.toThrow(
      'unknown NVD feed "../../etc"',
    );
  });
});
