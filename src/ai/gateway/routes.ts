import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { routeModel } from "../policy/index.js";
import { readRequestBody, sendAnswer } from "./answer.js";
import type { GatewayDeps } from "./deps.js";
import { Exchange } from "./exchange.js";
import { handleModelRequest } from "./handle.js";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";
import type { Http1Options } from "./http1.js";
import { identify } from "./identify.js";
import {
  handleStoredResponse,
  STORED_ROUTES,
  storedResponseRoute,
  type StoredRoute,
} from "./stored-routes.js";
import { errorBody, wireFormat, type WireFamily, type WireFormat, type WireId } from "./wire/index.js";

/** Every model endpoint the gateway serves: path, wire format and the endpoint name in the audit trail. */
export const MODEL_ROUTES: readonly { path: string; wire: WireId; endpoint: string }[] = [
  { path: "/v1/chat/completions", wire: "openai-chat", endpoint: "chat.completions" },
  { path: "/v1/responses", wire: "openai-responses", endpoint: "responses" },
  { path: "/v1/responses/compact", wire: "openai-responses-compact", endpoint: "responses.compact" },
  {
    path: "/v1/responses/input_tokens",
    wire: "openai-responses-input-tokens",
    endpoint: "responses.input_tokens",
  },
  { path: "/v1/completions", wire: "openai-completions", endpoint: "completions" },
  { path: "/v1/fim/completions", wire: "openai-fim", endpoint: "fim.completions" },
  { path: "/v1/embeddings", wire: "openai-embeddings", endpoint: "embeddings" },
  { path: "/v1/messages", wire: "anthropic-messages", endpoint: "messages" },
  { path: "/v1/messages/count_tokens", wire: "anthropic-count-tokens", endpoint: "messages.count_tokens" },
];

const MODELS_PATH = "/v1/models";

/** Anthropic clients send `anthropic-version`; everything else gets OpenAI's shapes. */
function familyOf(req: GatewayRequest): WireFamily {
  return req.url?.startsWith("/v1/messages") === true || req.headers["anthropic-version"] !== undefined
    ? "anthropic"
    : "openai";
}

/**
 * The gateway's routes on plain `node:http`. `handle` answers a request when it is one of them (exact
 * path and method) and returns false, having done nothing, when it is not, so that a server can put the
 * gateway in front of its framework: a proxied request then costs no routing, hooks or reply machinery.
 *
 * @example
 * const dispatch = createGatewayDispatch(deps);
 * createServer((req, res) => { if (!dispatch.handle(req, res)) fastifyHandler(req, res); });
 */
export interface GatewayDispatch {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * For the gateway's own HTTP/1.1 front: the handler of a model request whose head it read (a POST to
   * a model endpoint within the body limit), or undefined for `handle` to take it through `node:http`.
   */
  claim: Http1Options["claim"];
  /** A model endpoint's request whose body was already read (the framework's routes use this). */
  model(
    route: { wire: WireFormat; endpoint: string },
    http: { req: GatewayRequest; res: GatewayResponse; body: Buffer },
  ): Promise<void>;
  /** `GET /v1/models`, or one model with `id`. */
  models(req: GatewayRequest, res: GatewayResponse, id?: string): Promise<void>;
  /** A stored response's route (`GET /v1/responses/{id}` and the others of `STORED_ROUTES`). */
  stored(route: StoredRoute, req: GatewayRequest, res: GatewayResponse): Promise<void>;
}

/** See `GatewayDispatch`. */
export function createGatewayDispatch(deps: GatewayDeps): GatewayDispatch {
  const byPath = new Map(
    MODEL_ROUTES.map((r) => [r.path, { wire: wireFormat(r.wire), endpoint: r.endpoint }] as const),
  );
  const model: GatewayDispatch["model"] = (route, http) =>
    handleModelRequest(deps, route.wire, route.endpoint, http);
  const models: GatewayDispatch["models"] = async (req, res, id) => {
    try {
      await listModels(deps, req, res, id);
    } catch (e) {
      failed(deps, req, res, e);
    }
  };
  const readThenHandle = async (
    route: { wire: WireFormat; endpoint: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    let body: Buffer | null;
    try {
      body = await readRequestBody(req, deps.maxBodyBytes);
    } catch {
      return; // the client went away while sending: nobody to answer
    }
    if (body === null) {
      tooLarge(deps, req, res);
      return;
    }
    await model(route, { req, res, body });
  };
  const stored: GatewayDispatch["stored"] = (route, req, res) =>
    handleStoredResponse(deps, route, { req, res });
  /** The model route of a path, `/v1/responses/` as `/v1/responses` (clients that join a base URL and a path leave one). */
  const routeOf = (path: string) =>
    byPath.get(path) ?? (path.endsWith("/") ? byPath.get(path.slice(0, -1)) : undefined);
  return {
    claim(head) {
      if (head.method !== "POST" || head.contentLength > deps.maxBodyBytes) return undefined;
      const route = routeOf(pathOf(head.url));
      if (route === undefined) return undefined;
      return (req, res, body) => void model(route, { req, res, body });
    },
    handle(req, res) {
      const path = pathOf(req.url ?? "");
      // HEAD and OPTIONS are the framework's (HEAD /v1/models is a health check's GET without a body).
      if (!path.startsWith("/v1/") || req.method === "HEAD" || req.method === "OPTIONS") return false;
      if (req.method === "POST") {
        const route = routeOf(path);
        if (route !== undefined) {
          void readThenHandle(route, req, res);
          return true;
        }
      } else if (req.method === "GET" && (path === MODELS_PATH || path === `${MODELS_PATH}/`)) {
        void models(req, res);
        return true;
      } else if (req.method === "GET" && path.startsWith(`${MODELS_PATH}/`)) {
        const id = modelId(path.slice(MODELS_PATH.length + 1).replace(/\/$/, ""));
        if (id !== undefined) {
          void models(req, res, id);
          return true;
        }
      }
      const storedRoute = storedResponseRoute(req.method ?? "GET", path);
      if (storedRoute !== undefined) {
        req.resume(); // a cancel's body, if any: nothing in it is read
        void stored(storedRoute, req, res);
        return true;
      }
      notServed(deps, req, res, path);
      return true;
    },
    model,
    models,
    stored,
  };
}

/** A request target without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** The model id in the rest of a `/v1/models/` path, or undefined when it is none (empty, nested, bad escape). */
function modelId(rest: string): string | undefined {
  if (rest.length === 0 || rest.includes("/")) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/**
 * Any other method or path under `/v1` (files, batches, conversations, vector stores): 404 in the
 * provider's format, so that the SDKs raise their `NotFoundError` with a message that says what detente
 * does serve, rather than the framework's own 404.
 */
function notServed(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse, path: string): void {
  req.resume();
  const served = [
    ...MODEL_ROUTES.map((r) => `POST ${r.path}`),
    `GET ${MODELS_PATH}`,
    ...STORED_ROUTES.map((r) => `${r.method} ${r.path}`),
  ].join(", ");
  const message = `detente's AI gateway does not serve ${req.method ?? "GET"} ${path.slice(0, 200)}. It serves ${served}.`;
  sendAnswer(
    res,
    404,
    { ...deps.answerHeaders, "content-type": "application/json", "x-detente-decision": "error" },
    JSON.stringify(errorBody(familyOf(req), 404, message, "not_found")),
  );
}

/** A request body over `ai.gateway.maxBodyBytes`: 413 in the provider's format, and the connection closed. */
function tooLarge(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): void {
  const body = errorBody(familyOf(req), 413, tooLargeMessage(deps), "request_too_large");
  sendAnswer(
    res,
    413,
    {
      ...deps.answerHeaders,
      "content-type": "application/json",
      connection: "close",
      // Refused before it was read, so before anything was decided about it.
      "x-detente-decision": "error",
    },
    JSON.stringify(body),
  );
}

function tooLargeMessage(deps: GatewayDeps): string {
  return `The request is larger than the gateway's limit (${deps.maxBodyBytes} bytes).`;
}

/** A bug outside a model request: a plain 500 in the provider's format; the log gets the error's name only. */
function failed(deps: GatewayDeps, req: GatewayRequest, res: GatewayResponse, e: unknown): void {
  deps.log.warn({ error: e instanceof Error ? e.name : "unknown" }, "gateway error");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(familyOf(req), 500, "detente could not handle this request.");
  sendAnswer(
    res,
    500,
    { ...deps.answerHeaders, "content-type": "application/json", "x-detente-decision": "error" },
    JSON.stringify(body),
  );
}

/**
 * Mount the gateway's routes under `/v1` on a Fastify instance (the standalone `detente gateway` and the
 * full server both do this), for what does not reach the gateway's dispatch in front of the framework:
 * `inject()`, HEAD, and route listings. Bodies are taken as raw bytes so that the gateway can hash the
 * request as received and answer a malformed body in the provider's own error format.
 *
 * @example await app.register((scope) => registerGatewayRoutes(scope, deps, dispatch));
 */
export function registerGatewayRoutes(
  app: FastifyInstance,
  deps: GatewayDeps,
  dispatch: GatewayDispatch,
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status =
      err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const message =
      status === 413
        ? tooLargeMessage(deps)
        : status < 500
          ? err.message
          : "detente could not handle this request.";
    if (status >= 500) deps.log.warn({ code: err.code ?? "unknown" }, "gateway error");
    const code = status === 413 ? "request_too_large" : err.code;
    void reply
      .code(status)
      .header("x-detente-decision", "error")
      .send(errorBody(familyOf(req.raw), status, message, code));
  });

  for (const r of MODEL_ROUTES) {
    const route = { wire: wireFormat(r.wire), endpoint: r.endpoint };
    app.post(r.path, (req, reply) => {
      reply.hijack();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      return dispatch.model(route, { req: req.raw, res: reply.raw, body });
    });
  }
  app.get(MODELS_PATH, (req, reply) => {
    reply.hijack();
    return dispatch.models(req.raw, reply.raw);
  });
  app.get<{ Params: { id: string } }>(`${MODELS_PATH}/:id`, (req, reply) => {
    reply.hijack();
    return dispatch.models(req.raw, reply.raw, req.params.id);
  });
  for (const r of STORED_ROUTES)
    app.route<{ Params: { id: string } }>({
      method: r.method,
      url: r.path.replace("{id}", ":id"),
      // A HEAD would fetch the whole response upstream for nothing.
      exposeHeadRoute: false,
      handler: (req, reply) => {
        reply.hijack();
        return dispatch.stored({ action: r.action, id: req.params.id }, req.raw, reply.raw);
      },
    });
}

/** `GET /v1/models`: only the models the caller's policy allows, in the shape the caller's SDK expects. */
async function listModels(
  deps: GatewayDeps,
  req: GatewayRequest,
  res: GatewayResponse,
  one?: string,
): Promise<void> {
  const family = familyOf(req);
  const x = new Exchange(deps, null, "models", family);
  const who = await identify(deps, x, req, res);
  if (!who) return;
  const names = await deps.models.list(who.caller);
  const created = 1_700_000_000;
  const entry = (id: string) =>
    family === "anthropic"
      ? { type: "model", id, display_name: id, created_at: new Date(created * 1000).toISOString() }
      : {
          id,
          object: "model",
          created,
          owned_by: routeModel(deps.policy, id)?.upstream ?? "detente",
        };
  if (one !== undefined && !names.includes(one)) {
    x.fail(res, 404, `Model "${one}" is not available to you through detente.`, "model_not_found");
    return;
  }
  const body =
    one !== undefined
      ? entry(one)
      : family === "anthropic"
        ? {
            data: names.map(entry),
            has_more: false,
            first_id: names[0] ?? null,
            last_id: names.at(-1) ?? null,
          }
        : { object: "list", data: names.map(entry) };
  const headers = x.decisionHeaders();
  headers["content-type"] = "application/json; charset=utf-8";
  sendAnswer(res, 200, headers, JSON.stringify(body));
  x.finish(200);
}
