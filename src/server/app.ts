import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyMultipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { gatewayFront } from "../ai/gateway/front.js";
import { createGateway, type Gateway } from "../ai/gateway/server.js";
import { createGatewayMetrics } from "../ai/gateway/metrics.js";
import { registerGatewayRoutes } from "../ai/gateway/routes.js";
import type { Config } from "../config/load.js";
import { packageRoot } from "../paths.js";
import type { Store } from "../store/open.js";
import { VERSION } from "../cli/version.js";
import { installAuth } from "./auth.js";
import type { ServerDeps } from "./deps.js";
import { createAssetKeys } from "./asset-keys.js";
import { installErrorHandling } from "./errors.js";
import { createQueueCache } from "./queue-cache.js";
import { adminRoutes } from "./routes/admin.js";
import { authRoutes } from "./routes/auth.js";
import { dataRoutes } from "./routes/data.js";
import { findingRoutes } from "./routes/findings.js";
import { importRoutes } from "./routes/imports.js";

export interface ServerOptions {
  readonly store: Store;
  readonly config: Config;
  /** DETENTE_HOME: the gateway's hash key and upload spool live here. */
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** Log to stdout (true), to a stream (tests read what would be logged), or not at all. */
  readonly logger?: boolean | { stream: { write(line: string): void } };
  /** The clock; tests pin it. */
  readonly now?: () => Date;
  /** The built dashboard (default dist/web of the package); not served when missing. */
  readonly webRoot?: string;
  /** Largest report upload in bytes (default 2 GiB). */
  readonly maxUploadBytes?: number;
  /** Seconds a gateway key verification is cached. */
  readonly keyCacheMs?: number;
  /** Told of every route as it is registered, with the access its config declares (tests list them). */
  readonly onRoute?: (route: { method: string; url: string; public: boolean; gateway: boolean }) => void;
}

/**
 * The detente server: the REST API under `/api` (OpenAPI at `/api/openapi.json`, docs at `/api/docs`),
 * the AI gateway under `/v1`, the dashboard at `/`, and `/metrics`, `/healthz`, `/readyz`. Every route
 * requires a session or an API token unless it is marked public (see `auth.ts`). All state is in the
 * store, so any number of instances can serve one PostgreSQL.
 *
 * @example
 * const { app } = await buildServer({ store, config, home, env: process.env });
 * await app.listen({ port: 8080 });
 */
export async function buildServer(
  options: ServerOptions,
): Promise<{ app: FastifyInstance; gateway: Gateway }> {
  const logger = options.logger;
  // The gateway's /v1 routes are answered in front of Fastify (a proxied request skips its routing and
  // hooks); they are also registered below, for route listings, HEAD and inject().
  const front = gatewayFront();
  const app = Fastify({
    serverFactory: front.serverFactory,
    logger: typeof logger === "object" ? { level: "info", stream: logger.stream } : (logger ?? false),
    // No line per request: request content (prompts, passwords) must never reach a log.
    logController: new LogController({ disableRequestLogging: true }),
    // 1 MiB for the API (uploads are multipart, streamed); the gateway's routes take their own limit.
    bodyLimit: 1 << 20,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    trustProxy: trustProxy(options.env.DETENTE_TRUST_PROXY),
    genReqId: () => `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
  });
  const onRoute = options.onRoute;
  if (onRoute) {
    // Told a tick later, so that it sees the access a scope's own onRoute hook sets after this one runs.
    app.addHook("onRoute", (route) => {
      setImmediate(() => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        for (const method of methods)
          onRoute({
            method,
            url: route.url,
            public: route.config?.public === true,
            gateway: route.config?.gateway === true,
          });
      });
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  void app.addHook("onSend", async (_request, reply, payload) => {
    // Nothing the server returns is for another site to frame or sniff.
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });

  const now = options.now ?? (() => new Date());
  const deps: ServerDeps = {
    store: options.store,
    config: options.config,
    now,
    uploadDir: join(options.home, "uploads"),
    maxUploadBytes: options.maxUploadBytes ?? 2 * 2 ** 30,
    queue: createQueueCache(options.store, options.config.triage),
    assetKeys: createAssetKeys(options.store, options.config.triage),
    // Set once the gateway is built below (routes run only after that).
    keyRevoked: () => undefined,
  };

  await app.register(fastifyCookie);
  await app.register(fastifyMultipart);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "detente API",
        version: VERSION,
        description:
          "Vulnerability triage and AI gateway activity. Authenticate with the session cookie from POST /api/auth/login (writes need x-csrf-token) or with Authorization: Bearer <API token>.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "detente_session" },
          token: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: (args) => {
      if (!args.url.startsWith("/api/")) return { schema: { ...args.schema, hide: true }, url: args.url };
      return jsonSchemaTransform(args);
    },
  });
  installAuth(app, { store: options.store, now });

  await app.register(
    publicScope((scope) => {
      scope.get("/api/openapi.json", { schema: { hide: true } }, () => app.swagger());
      scope.get("/healthz", { schema: { hide: true } }, () => ({ status: "ok" }));
      scope.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
        try {
          await options.store.query("SELECT 1");
          return { status: "ready" };
        } catch {
          return reply.code(503).send({ status: "store unavailable" });
        }
      });
    }),
  );
  await app.register(
    publicScope(async (scope) => {
      await scope.register(fastifySwaggerUi, {
        routePrefix: "/api/docs",
        uiConfig: { docExpansion: "list" },
      });
    }),
  );

  authRoutes(app, deps);
  findingRoutes(app, deps);
  dataRoutes(app, deps);
  importRoutes(app, deps);
  adminRoutes(app, deps);

  // The AI gateway: its routes authenticate with gateway keys (dtk_...) themselves.
  const metrics = createGatewayMetrics({ defaults: true });
  const gateway = createGateway({
    policy: options.config.ai,
    store: options.store,
    home: options.home,
    env: options.env,
    metrics,
    log: app.log,
    keyCacheMs: options.keyCacheMs,
    answerHeaders: SECURITY_HEADERS,
  });
  deps.keyRevoked = (keyId) => {
    gateway.keyRevoked(keyId);
  };
  await app.register((scope, _opts, done) => {
    scope.addHook("onRoute", (route) => {
      route.config = { ...(route.config as object), gateway: true };
      route.bodyLimit = options.config.ai.gateway.maxBodyBytes;
    });
    registerGatewayRoutes(scope, gateway.deps, gateway.dispatch);
    done();
  });
  front.mount(app, gateway.dispatch);
  // Metrics name teams, tools and upstreams: Prometheus scrapes them with an API token (bearer_token).
  app.get("/metrics", { config: { scope: "read" }, schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.contentType).send(await metrics.text()),
  );

  const webRoot = options.webRoot ?? join(packageRoot(), "dist", "web");
  if (existsSync(join(webRoot, "index.html"))) {
    await app.register(
      publicScope(async (scope) => {
        await scope.register(fastifyStatic, {
          root: webRoot,
          prefix: "/",
          wildcard: false,
          index: "index.html",
        });
        // The dashboard's own paths (/queue, /findings/...) are client-side routes: they get the app.
        scope.get("/*", (request, reply) => {
          const path = request.url.split("?")[0] ?? "";
          if (path.startsWith("/api/") || path.startsWith("/v1/") || /\.[a-z0-9]+$/i.test(path)) {
            reply.callNotFound();
            return;
          }
          return reply.type("text/html").sendFile("index.html");
        });
      }),
    );
  }

  app.addHook("onClose", async () => {
    await gateway.close();
  });
  return { app, gateway };
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

/** A plugin scope whose routes are public: whatever they serve needs no sign-in. */
function publicScope(register: (scope: FastifyInstance) => Promise<void> | void) {
  return async (scope: FastifyInstance) => {
    scope.addHook("onRoute", (route) => {
      route.config = { ...(route.config as object), public: true };
    });
    await register(scope);
  };
}

/**
 * DETENTE_TRUST_PROXY: how many proxies in front of the server to believe in X-Forwarded-For (a number),
 * or which addresses are proxies (a comma-separated list of IPs or CIDRs). Believing every hop would let
 * a client choose its own address for the sign-in limit and the audit log.
 */
function trustProxy(value: string | undefined): string | false | ((address: string, hop: number) => boolean) {
  if (!value) return false;
  if (/^\d{1,2}$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value;
}
