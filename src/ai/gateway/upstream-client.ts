import type { ConnectionOptions } from "node:tls";
import { Agent, request } from "undici";
import { upstreamHeaders, type Upstream } from "./upstream.js";
import { H1Pool } from "./upstream-h1.js";
import { UpstreamTimeout, type H1Controller, type H1Handler } from "./upstream-h1-head.js";

/** What came back from an upstream: status, the headers worth passing on, and the body as it arrives. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: UpstreamBody;
}

/** Response headers passed to the client (rate limits, request ids); everything else is the gateway's. */
const PASSED_PREFIXES = ["x-ratelimit-", "anthropic-ratelimit-", "openai-"];
// `x-should-retry` and `retry-after-ms` tell the SDKs whether and when to retry.
const PASSED_HEADERS = new Set([
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
  "request-id",
  "x-request-id",
]);

/** Why an upstream call failed before it answered; becomes a 502/504 in the client's error format. */
export class UpstreamFailure extends Error {
  override readonly name = "UpstreamFailure";
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request to an upstream in flight: its answer, and a way to cancel it (the client went away, or
 * the answer is being withheld) before or after the answer started.
 *
 * @example
 * const call = client.send(upstream, { url, headers, body });
 * res.on("close", () => call.cancel());
 * const answer = await call.response;
 */
export interface UpstreamCall {
  readonly response: Promise<UpstreamResponse>;
  /** Stop the request; what waits on it rejects with an AbortError. */
  cancel(): void;
  readonly cancelled: boolean;
}

/**
 * A pool of keep-alive connections to every upstream, shared by all requests of a gateway.
 *
 * @example
 * const client = createUpstreamClient();
 * const answer = await client.send(upstream, { url, headers, body }).response;
 */
export interface UpstreamClient {
  send(
    upstream: Upstream,
    req: {
      url: string;
      headers: Record<string, string>;
      body: string | Buffer;
      /** POST unless given. */
      method?: "GET" | "POST" | "DELETE";
    },
  ): UpstreamCall;
  /**
   * The model ids an upstream serves (`GET /models`), [] for Azure (deployments are named in the
   * policy), or null when it could not say within `timeoutMs` (an error status, no answer, not a list).
   */
  listModels(upstream: Upstream, timeoutMs: number): Promise<string[] | null>;
  close(): Promise<void>;
}

/**
 * See `UpstreamClient`. Each upstream origin gets its own pool of keep-alive connections (`upstream-h1.ts`),
 * and a request is dispatched on it with a handler that receives the answer directly: no URL parsing per
 * request, no abort signal, no stream objects in between. Model listings, rare and not on a request's
 * path, go through undici. `tls` adds to every TLS connection's options (a private CA, say).
 */
export function createUpstreamClient(options?: {
  connections?: number;
  tls?: ConnectionOptions;
}): UpstreamClient {
  const connections = options?.connections ?? 256;
  const agent = new Agent({ connections, pipelining: 1, connect: options?.tls });
  const pools = new Map<string, H1Pool>();
  const poolFor = (origin: string): H1Pool => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new H1Pool(origin, { connections, tls: options?.tls });
      pools.set(origin, pool);
    }
    return pool;
  };
  return {
    send(upstream, req) {
      const call = new Call(upstream);
      let target: { origin: string; path: string };
      let pool: H1Pool;
      try {
        target = originAndPath(req.url);
        pool = poolFor(target.origin);
      } catch (e) {
        call.onResponseError(null, e as Error);
        return call;
      }
      pool.dispatch(
        {
          method: req.method,
          path: target.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: upstream.timeoutMs,
          bodyTimeout: upstream.timeoutMs,
        },
        call,
      );
      call.pool = pool;
      return call;
    },
    async listModels(upstream, timeoutMs) {
      // Azure deployments are named in the policy; there is no per-key listing of them.
      if (upstream.type === "azure-openai") return [];
      const base = upstream.baseUrl.replace(/\/+$/, "");
      const url = upstream.type === "anthropic" ? `${base}/v1/models?limit=1000` : `${base}/models`;
      const headers = upstreamHeaders(upstream, {});
      delete headers["content-type"];
      // An OpenAI-compatible server that also speaks Anthropic answers in the shape the headers ask for.
      if (upstream.type !== "anthropic") delete headers["anthropic-version"];
      try {
        const res = await request(url, {
          method: "GET",
          headers,
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.statusCode !== 200) {
          await res.body.dump();
          return null;
        }
        const body = (await res.body.json()) as { data?: unknown };
        return Array.isArray(body.data)
          ? body.data
              .map((m: unknown) => (m as { id?: unknown } | null)?.id)
              .filter((id): id is string => typeof id === "string" && id.length > 0 && id.length <= 256)
          : null;
      } catch {
        return null;
      }
    },
    async close() {
      for (const pool of pools.values()) pool.close();
      await agent.close();
    },
  };
}

/** `https://host:port/v1/x?y` as the pool's origin and the request's path (with its query). */
function originAndPath(url: string): { origin: string; path: string } {
  const scheme = url.indexOf("://");
  const slash = scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
  if (scheme < 0) throw new TypeError("invalid upstream URL");
  return slash < 0 ? { origin: url, path: "/" } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/**
 * The body of an upstream's answer as it arrives: read whole (`text`), or chunk by chunk (`for await`),
 * with the connection paused while more than a few chunks wait to be read.
 */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  /** The whole body as UTF-8, up to `max` bytes (a larger one is an upstream failure, not a crash). */
  text(max: number): Promise<string>;
}

/** Chunks held before the upstream connection is paused, for a reader slower than the upstream. */
const HIGH_WATER_CHUNKS = 16;

/** One dispatched request: undici's handler, the answer's promise and its body, in one object. */
class Call implements UpstreamCall, UpstreamBody, H1Handler {
  readonly response: Promise<UpstreamResponse>;
  cancelled = false;
  private resolveResponse!: (r: UpstreamResponse) => void;
  private rejectResponse!: (e: unknown) => void;
  private controller: H1Controller | null = null;
  /** The pool it was dispatched on (to leave its queue when cancelled before it started). */
  pool: H1Pool | null = null;
  private started = false;
  private chunks: Buffer[] = [];
  private size = 0;
  private limit = Infinity;
  private ended = false;
  private error: Error | null = null;
  /** The reader waiting for a chunk, the end or an error. */
  private wake: (() => void) | null = null;

  constructor(private readonly upstream: Upstream) {
    this.response = new Promise((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
  }

  cancel(): void {
    if (this.cancelled || this.ended) return;
    this.cancelled = true;
    if (this.controller !== null) this.controller.abort(abortError());
    // Still waiting for a connection: out of the queue at once, not when a connection frees up.
    else if (this.pool?.withdraw(this) === true) this.onResponseError(null, abortError());
  }

  onRequestStart(controller: H1Controller): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(abortError());
  }

  onResponseStart(
    _controller: H1Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.started = true;
    const ct = headers["content-type"];
    this.resolveResponse({
      status: statusCode,
      headers: passedHeaders(headers),
      contentType: (Array.isArray(ct) ? ct[0] : ct) ?? "application/json",
      body: this,
    });
  }

  onResponseData(controller: H1Controller, chunk: Buffer): void {
    this.size += chunk.byteLength;
    if (this.size > this.limit) {
      controller.abort(new TooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
    if (this.limit === Infinity && this.chunks.length >= HIGH_WATER_CHUNKS) controller.pause();
    this.wakeReader();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.controller = null; // the connection may carry another request now
    this.wakeReader();
  }

  onResponseError(_controller: H1Controller | null, err: Error): void {
    this.controller = null;
    const e = this.cancelled ? abortError() : err;
    if (!this.started) {
      this.started = true;
      this.rejectResponse(describeFailure(e, this.upstream));
      return;
    }
    // Partway through the answer: a timeout is still a timeout (504), anything else a broken answer.
    this.error = describeFailure(e, this.upstream, true);
    this.wakeReader();
  }

  text(max: number): Promise<string> {
    this.limit = max;
    if (this.size > max) {
      if (this.controller !== null) this.controller.abort(new TooLarge(max));
      else if (this.error === null) {
        // All of it came before it was asked for: still over the limit.
        this.chunks = [];
        this.error = describeFailure(new TooLarge(max), this.upstream, true);
      }
    }
    this.controller?.resume();
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (this.error !== null) reject(this.error);
        else if (this.ended) {
          const parts = this.chunks;
          this.chunks = [];
          resolve(parts.length === 1 ? parts[0]!.toString("utf8") : Buffer.concat(parts).toString("utf8"));
        } else this.wake = settle;
      };
      settle();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        if (this.chunks.length === 0) this.controller?.resume();
        yield chunk;
        continue;
      }
      if (this.error !== null) throw this.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function abortError(): Error {
  const e = new Error("the upstream request was cancelled");
  e.name = "AbortError";
  return e;
}

function passedHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in h) {
    const value = h[name];
    if (value === undefined) continue;
    if (PASSED_HEADERS.has(name) || PASSED_PREFIXES.some((p) => name.startsWith(p)))
      out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

/** The gateway's limit on an answer it reads whole (`maxResponseBytes`) was passed. */
class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`upstream response larger than ${limit} bytes`);
  }
}

/**
 * A message about a failed upstream call that names the upstream but never its URL's credentials;
 * `partway` when the answer had begun (its status and headers came).
 */
export function describeFailure(e: unknown, upstream: Upstream, partway = false): Error {
  const ms = upstream.timeoutMs;
  const seconds = ms % 1000 === 0 ? `${ms / 1000}` : (ms / 1000).toFixed(1);
  if (e instanceof UpstreamTimeout)
    return new UpstreamFailure(
      504,
      partway
        ? `upstream "${upstream.name}" sent nothing more of its answer within ${seconds} s`
        : `upstream "${upstream.name}" did not answer within ${seconds} s`,
    );
  if (e instanceof Error && e.name === "AbortError") return e;
  if (e instanceof TooLarge)
    return new UpstreamFailure(
      502,
      `upstream "${upstream.name}" sent an answer larger than ${e.limit} bytes`,
    );
  const code = (e as { code?: unknown }).code;
  const why = typeof code === "string" ? code : "connection failed";
  return new UpstreamFailure(
    502,
    partway
      ? `upstream "${upstream.name}" broke off its answer (${why})`
      : `upstream "${upstream.name}" could not be reached (${why})`,
  );
}
