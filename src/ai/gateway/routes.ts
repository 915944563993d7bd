import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { routeModel } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import { Exchange } from "./exchange.js";
import { handleModelRequest, identify } from "./handle.js";
import { errorBody, wireFormat, type WireFamily, type WireId } from "./wire/index.js";

/** Every model endpoint the gateway serves: path, wire format and the endpoint name in the audit trail. */
export const MODEL_ROUTES: readonly { path: string; wire: WireId; endpoint: string }[] = [
  { path: "/v1/chat/completions", wire: "openai-chat", endpoint: "chat.completions" },
  { path: "/v1/responses", wire: "openai-responses", endpoint: "responses" },
  { path: "/v1/completions", wire: "openai-completions", endpoint: "completions" },
  { path: "/v1/fim/completions", wire: "openai-fim", endpoint: "fim.completions" },
  { path: "/v1/embeddings", wire: "openai-embeddings", endpoint: "embeddings" },
  { path: "/v1/messages", wire: "anthropic-messages", endpoint: "messages" },
  { path: "/v1/messages/count_tokens", wire: "anthropic-count-tokens", endpoint: "messages.count_tokens" },
];

/** Anthropic clients send `anthropic-version`; everything else gets OpenAI's shapes. */
function familyOf(req: FastifyRequest): WireFamily {
  return req.url.startsWith("/v1/messages") || req.headers["anthropic-version"] !== undefined
    ? "anthropic"
    : "openai";
}

/**
 * Mount the gateway's routes under `/v1` on a Fastify instance (the standalone `detente gateway` and the
 * full server both do this). Bodies are taken as raw bytes so that the gateway can hash the request as
 * received and answer a malformed body in the provider's own error format.
 *
 * @example await app.register((scope) => registerGatewayRoutes(scope, deps));
 */
export function registerGatewayRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status =
      err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const message =
      status === 413
        ? `The request is larger than the gateway's limit (${app.initialConfig.bodyLimit ?? 0} bytes).`
        : status < 500
          ? err.message
          : "detente could not handle this request.";
    if (status >= 500) deps.log.warn({ code: err.code ?? "unknown" }, "gateway error");
    void reply.code(status).send(errorBody(familyOf(req), status, message, err.code));
  });

  for (const r of MODEL_ROUTES) {
    const wire = wireFormat(r.wire);
    app.post(r.path, (req, reply) => handleModelRequest(deps, wire, r.endpoint, req, reply));
  }
  app.get("/v1/models", (req, reply) => listModels(deps, req, reply));
  app.get<{ Params: { id: string } }>("/v1/models/:id", (req, reply) =>
    listModels(deps, req, reply, req.params.id),
  );
}

/** `GET /v1/models`: only the models the caller's policy allows, in the shape the caller's SDK expects. */
async function listModels(
  deps: GatewayDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  one?: string,
): Promise<void> {
  const family = familyOf(req);
  const x = new Exchange(deps, null, "models", family);
  const who = await identify(deps, x, req, reply);
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
  if (one !== undefined) {
    if (!names.includes(one)) {
      x.fail(reply, 404, `Model "${one}" is not available to you through detente.`, "model_not_found");
      return;
    }
    void reply.headers(x.decisionHeaders()).send(entry(one));
    x.finish(200);
    return;
  }
  const data = names.map(entry);
  void reply
    .headers(x.decisionHeaders())
    .send(
      family === "anthropic"
        ? { data, has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null }
        : { object: "list", data },
    );
  x.finish(200);
}
