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
  "openai-responses-compact": "/responses/compact",
  "openai-responses-input-tokens": "/responses/input_tokens",
  // A stored response's routes name the response in the path: see `storedResponseUrl`.
  "openai-responses-stored": "/responses",
  "openai-responses-input-items": "/responses",
  "openai-responses-deleted": "/responses",
  "openai-completions": "/completions",
  "openai-fim": "/fim/completions",
  "openai-embeddings": "/embeddings",
  "anthropic-messages": "/messages",
  "anthropic-count-tokens": "/messages/count_tokens",
};

/** The Responses API and its sub-endpoints: on Azure, served by the v1 API with the model in the body. */
export const RESPONSES_API: ReadonlySet<WireId> = new Set([
  "openai-responses",
  "openai-responses-compact",
  "openai-responses-input-tokens",
]);

/** Client headers passed upstream as they are (credentials never: the upstream's own are used). */
const FORWARDED_HEADERS = ["anthropic-version", "anthropic-beta", "openai-beta", "accept"];

/**
 * The URL of `wire`'s endpoint on `upstream`, for the model `model` (Azure puts the deployment in the
 * path, except for the Responses API and its `compact` and `input_tokens`, which Azure serves only on its
 * v1 API, `/openai/v1/responses...`, with the deployment as the body's `model`). The client's query string is kept, as assistants add their own
 * (`?beta=true`), except on Azure, whose `api-version` comes from the configuration.
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
      if (RESPONSES_API.has(wire)) return `${base}/openai/v1${path}`;
      const version = encodeURIComponent(upstream.apiVersion ?? "2024-10-21");
      return `${base}/openai/deployments/${encodeURIComponent(model)}${path}?api-version=${version}`;
    }
    default:
      return `${base}${path}${query}`;
  }
}

/**
 * The URL of a stored response's route on `upstream`: `/responses/{id}` and what follows it
 * (`/input_items`, `/cancel`), with the client's query string (`?stream=true`, the list's `after`,
 * `limit`, `order` and `include[]`). Azure serves stored responses on its v1 API only, as it does the
 * Responses API (`/openai/v1/responses/{id}`), which takes no `api-version`.
 *
 * @example storedResponseUrl(openai, "resp_1", "/input_items", "?limit=5") // "https://api.openai.com/v1/responses/resp_1/input_items?limit=5"
 */
export function storedResponseUrl(
  upstream: Upstream,
  id: string,
  suffix: "" | "/input_items" | "/cancel",
  query: string,
): string {
  const base = upstream.baseUrl.replace(/\/+$/, "");
  const path = `/responses/${encodeURIComponent(id)}${suffix}${query}`;
  return upstream.type === "azure-openai" ? `${base}/openai/v1${path}` : `${base}${path}`;
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
