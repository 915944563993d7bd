import { Agent, errors as undiciErrors, request, type Dispatcher } from "undici";
import type { WireFamily, WireId } from "./wire/index.js";

/** The provider behind an upstream: decides the URL, the credential header and the path of each endpoint. */
export type UpstreamType = "openai" | "anthropic" | "azure-openai" | "openai-compatible";

/**
 * One configured upstream, resolved for sending: where it is, how to authenticate and which wire formats
 * it speaks. The credential is held here only; it is never sent to clients or written anywhere.
 *
 * @example
 * const up: Upstream = { name: "openai", type: "openai", baseUrl: "https://api.openai.com/v1",
 *   apiKey: process.env.OPENAI_API_KEY, formats: ["openai"], timeoutMs: 600_000, headers: {} };
 */
export interface Upstream {
  readonly name: string;
  readonly type: UpstreamType;
  /** OpenAI-style bases include `/v1` (`https://api.openai.com/v1`); Anthropic's does not (`https://api.anthropic.com`). */
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly formats: readonly WireFamily[];
  readonly apiVersion?: string | undefined;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** The path of each endpoint below an OpenAI-style `/v1` base. */
const OPENAI_PATHS: Record<WireId, string> = {
  "openai-chat": "/chat/completions",
  "openai-responses": "/responses",
  "openai-completions": "/completions",
  "openai-fim": "/fim/completions",
  "openai-embeddings": "/embeddings",
  "anthropic-messages": "/messages",
  "anthropic-count-tokens": "/messages/count_tokens",
};

/** Client headers passed upstream as they are (credentials never: the upstream's own are used). */
const FORWARDED_HEADERS = ["anthropic-version", "anthropic-beta", "openai-beta", "accept"];

/**
 * The URL of `wire`'s endpoint on `upstream`, for the model `model` (Azure puts the deployment in the
 * path). The client's query string is kept, as assistants add their own (`?beta=true`), except on Azure,
 * whose `api-version` comes from the configuration.
 *
 * @example upstreamUrl(openai, "openai-chat", "gpt-4o", "") // "https://api.openai.com/v1/chat/completions"
 */
export function upstreamUrl(upstream: Upstream, wire: WireId, model: string, query: string): string {
  const base = upstream.baseUrl.replace(/\/+$/, "");
  const path = OPENAI_PATHS[wire];
  switch (upstream.type) {
    case "anthropic":
      return `${base}/v1${path}${query}`;
    case "azure-openai": {
      const version = encodeURIComponent(upstream.apiVersion ?? "2024-10-21");
      return `${base}/openai/deployments/${encodeURIComponent(model)}${path}?api-version=${version}`;
    }
    default:
      return `${base}${path}${query}`;
  }
}

/**
 * The headers of the upstream request: JSON, the upstream's own credential in the header its provider
 * expects, the forwardable client headers, and the configured static headers.
 *
 * @example upstreamHeaders(anthropic, req.headers)["x-api-key"] // the configured key, never the client's
 */
export function upstreamHeaders(
  upstream: Upstream,
  client: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of FORWARDED_HEADERS) {
    const v = client[name];
    if (typeof v === "string") headers[name] = v;
    else if (Array.isArray(v)) headers[name] = v.join(",");
  }
  if (upstream.type === "anthropic" || upstream.formats.includes("anthropic"))
    headers["anthropic-version"] ??= "2023-06-01";
  const key = upstream.apiKey;
  if (key !== undefined) {
    if (upstream.type === "anthropic") headers["x-api-key"] = key;
    else if (upstream.type === "azure-openai") headers["api-key"] = key;
    else headers.authorization = `Bearer ${key}`;
  }
  headers["user-agent"] = "detente-gateway";
  Object.assign(headers, upstream.headers);
  return headers;
}

/** What came back from an upstream: status, the headers worth passing on, and the body as a stream. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: Dispatcher.ResponseData["body"];
}

/** Response headers passed to the client (rate limits, request ids); everything else is the gateway's. */
const PASSED_PREFIXES = ["x-ratelimit-", "anthropic-ratelimit-", "openai-"];
const PASSED_HEADERS = new Set(["retry-after", "request-id", "x-request-id"]);

function passedHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined) continue;
    if (PASSED_HEADERS.has(name) || PASSED_PREFIXES.some((p) => name.startsWith(p)))
      out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

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
 * A pool of keep-alive connections to every upstream, shared by all requests of a gateway.
 *
 * @example
 * const client = createUpstreamClient();
 * const res = await client.send(upstream, { url, headers, body, signal });
 */
export interface UpstreamClient {
  send(
    upstream: Upstream,
    req: { url: string; headers: Record<string, string>; body: string | Buffer; signal: AbortSignal },
  ): Promise<UpstreamResponse>;
  /** The model ids an upstream serves (`GET /models`), or [] when it cannot say within `timeoutMs`. */
  listModels(upstream: Upstream, timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}

/** See `UpstreamClient`. */
export function createUpstreamClient(options?: { connections?: number }): UpstreamClient {
  const agent = new Agent({ connections: options?.connections ?? 256, pipelining: 1 });
  return {
    async send(upstream, req) {
      try {
        const res = await request(req.url, {
          method: "POST",
          headers: req.headers,
          body: req.body,
          signal: req.signal,
          dispatcher: agent,
          headersTimeout: upstream.timeoutMs,
          bodyTimeout: upstream.timeoutMs,
        });
        const ct = res.headers["content-type"];
        return {
          status: res.statusCode,
          headers: passedHeaders(res.headers),
          contentType: (Array.isArray(ct) ? ct[0] : ct) ?? "application/json",
          body: res.body,
        };
      } catch (e) {
        throw describeFailure(e, upstream);
      }
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
          return [];
        }
        const body = (await res.body.json()) as { data?: unknown };
        return Array.isArray(body.data)
          ? body.data
              .map((m: unknown) => (m as { id?: unknown } | null)?.id)
              .filter((id): id is string => typeof id === "string" && id.length > 0 && id.length <= 256)
          : [];
      } catch {
        return [];
      }
    },
    close: () => agent.close(),
  };
}

/** A message about a failed upstream call that names the upstream but never its URL's credentials. */
export function describeFailure(e: unknown, upstream: Upstream): unknown {
  if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError)
    return new UpstreamFailure(
      504,
      `upstream "${upstream.name}" did not answer within ${Math.round(upstream.timeoutMs / 1000)} s`,
    );
  if (e instanceof Error && e.name === "AbortError") return e;
  const code = (e as { code?: unknown }).code;
  return new UpstreamFailure(
    502,
    `upstream "${upstream.name}" could not be reached (${typeof code === "string" ? code : "connection failed"})`,
  );
}
