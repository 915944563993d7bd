import type { IncomingHttpHeaders } from "node:http";
import type { WireFamily } from "../gateway/wire/index.js";
import type { EchoSource } from "./echo.js";

/** The endpoints the fake upstream serves. */
export type Endpoint =
  | "chat"
  | "responses"
  | "compact"
  | "input_tokens"
  | "completions"
  | "fim"
  | "embeddings"
  | "messages"
  | "count_tokens"
  | "models";

/** A matched route: what to answer, in which provider's conventions, checking which credential. */
export interface Route {
  readonly endpoint: Endpoint;
  readonly family: WireFamily;
  readonly auth: "bearer" | "azure" | "anthropic";
  readonly method: "GET" | "POST";
  /** Azure's deployment name from the path: the model to report. */
  readonly deployment?: string;
}

/**
 * Where each generating endpoint reads the user's last words from.
 *
 * @example lastUserText(body, ECHO_SOURCE[route.endpoint]);
 */
export const ECHO_SOURCE: Readonly<Record<Endpoint, EchoSource>> = {
  chat: "chat",
  responses: "responses",
  compact: "responses",
  input_tokens: "responses",
  completions: "prompt",
  fim: "prompt",
  embeddings: "prompt",
  messages: "anthropic",
  count_tokens: "anthropic",
  models: "chat",
};

const ROUTES: Readonly<Record<string, Route>> = {
  "/v1/chat/completions": { endpoint: "chat", family: "openai", auth: "bearer", method: "POST" },
  "/v1/responses": { endpoint: "responses", family: "openai", auth: "bearer", method: "POST" },
  "/v1/responses/compact": { endpoint: "compact", family: "openai", auth: "bearer", method: "POST" },
  "/v1/responses/input_tokens": {
    endpoint: "input_tokens",
    family: "openai",
    auth: "bearer",
    method: "POST",
  },
  "/v1/completions": { endpoint: "completions", family: "openai", auth: "bearer", method: "POST" },
  "/v1/fim/completions": { endpoint: "fim", family: "openai", auth: "bearer", method: "POST" },
  "/v1/embeddings": { endpoint: "embeddings", family: "openai", auth: "bearer", method: "POST" },
  "/v1/models": { endpoint: "models", family: "openai", auth: "bearer", method: "GET" },
  "/v1/messages": { endpoint: "messages", family: "anthropic", auth: "anthropic", method: "POST" },
  // Azure OpenAI's v1 API, the only one with the Responses API: the deployment is the body's `model`.
  "/openai/v1/responses": { endpoint: "responses", family: "openai", auth: "azure", method: "POST" },
  "/openai/v1/responses/compact": { endpoint: "compact", family: "openai", auth: "azure", method: "POST" },
  "/openai/v1/responses/input_tokens": {
    endpoint: "input_tokens",
    family: "openai",
    auth: "azure",
    method: "POST",
  },
  "/v1/messages/count_tokens": {
    endpoint: "count_tokens",
    family: "anthropic",
    auth: "anthropic",
    method: "POST",
  },
};

const AZURE_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  "chat/completions": "chat",
  completions: "completions",
  embeddings: "embeddings",
  responses: "responses",
};

const AZURE_PREFIX = "/openai/deployments/";

/**
 * The route of a path (query string already removed): the OpenAI and Anthropic `/v1` paths, and Azure
 * OpenAI's `/openai/deployments/{deployment}/{chat/completions|completions|embeddings|responses}`.
 * `GET /v1/models` answers in Anthropic's conventions when the client sends `anthropic-version`.
 *
 * @example routeOf("/v1/messages", {})?.family // "anthropic"
 */
export function routeOf(pathname: string, headers: IncomingHttpHeaders): Route | undefined {
  const direct = ROUTES[pathname];
  if (direct) {
    if (direct.endpoint === "models" && headers["anthropic-version"] !== undefined)
      return { ...direct, family: "anthropic", auth: "anthropic" };
    return direct;
  }
  if (!pathname.startsWith(AZURE_PREFIX)) return undefined;
  const rest = pathname.slice(AZURE_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return undefined;
  const endpoint = AZURE_ENDPOINTS[rest.slice(slash + 1)];
  if (!endpoint) return undefined;
  let deployment: string;
  try {
    deployment = decodeURIComponent(rest.slice(0, slash));
  } catch {
    return undefined; // a malformed %-escape
  }
  return { endpoint, family: "openai", auth: "azure", method: "POST", deployment };
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (typeof h !== "string" || !h.startsWith("Bearer ")) return undefined;
  const key = h.slice(7).trim();
  return key === "" ? undefined : key;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** Why a request's credentials are refused, as the provider words it; undefined when they are fine. */
export interface AuthProblem {
  readonly status: number;
  readonly message: string;
}

/**
 * Check the credential each provider expects: OpenAI `Authorization: Bearer`, Azure `api-key` (or a
 * bearer token), Anthropic `x-api-key` (or a bearer token) plus `anthropic-version`. With `required`
 * false a request without a key passes (a key that is sent is still checked against `keys`). The key
 * itself is never put in a message.
 *
 * @example checkAuth(route, { authorization: "Bearer sk-test" }, undefined) // undefined
 */
export function checkAuth(
  route: Route,
  headers: IncomingHttpHeaders,
  keys: ReadonlySet<string> | undefined,
  required = true,
): AuthProblem | undefined {
  let key: string | undefined;
  if (route.auth === "bearer") key = bearer(headers);
  else if (route.auth === "azure") key = header(headers, "api-key") ?? bearer(headers);
  else key = header(headers, "x-api-key") ?? bearer(headers);
  if (key === undefined && required) {
    const message =
      route.auth === "anthropic"
        ? "x-api-key header is required"
        : route.auth === "azure"
          ? "Access denied due to missing subscription key. Make sure to include the api-key header."
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    return { status: 401, message };
  }
  if (key !== undefined && keys && !keys.has(key))
    return {
      status: 401,
      message: route.auth === "anthropic" ? "invalid x-api-key" : "Incorrect API key provided.",
    };
  if (route.auth === "anthropic" && header(headers, "anthropic-version") === undefined)
    return { status: 400, message: "anthropic-version: header is required" };
  return undefined;
}
