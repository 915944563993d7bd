import { createSecretKey, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { DetenteError } from "../../errors.js";
import { createEventWriter } from "../../services/ai/events.js";
import { createKeyVerifier } from "../../services/ai/keys.js";
import { createStoredResponses } from "../../services/ai/stored-responses.js";
import type { Queryable, Store } from "../../store/open.js";
import { createInspectionMemo, createInspector } from "../inspect/index.js";
import { resolveCredential, responsePlan, type AiPolicy } from "../policy/index.js";
import type { EventSink } from "./audit.js";
import type { GatewayDeps } from "./deps.js";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.js";
import { gatewayFront } from "./front.js";
import { createModelCatalog } from "./model-catalog.js";
import { createGatewayDispatch, registerGatewayRoutes, type GatewayDispatch } from "./routes.js";
import type { Upstream } from "./upstream.js";
import { createUpstreamClient } from "./upstream-client.js";

/**
 * Where the gateway keeps its keys and audit trail: the store itself, whose batched writer takes the
 * events, or (in a gateway worker) a link to the process that holds the store, with its own event sink.
 */
export type GatewayStoreAccess =
  | { readonly store: Store; readonly events?: undefined }
  | {
      readonly store: Queryable;
      /** Instead of the store's writer (tests count events this way). */
      readonly events: EventSink & { close(): Promise<void> };
    };

/** What the process around the gateway provides, besides the store. */
export interface GatewaySurroundings {
  readonly policy: AiPolicy;
  /** detente's home (DETENTE_HOME), where a generated hash key is kept when none is configured. */
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** Log warnings (pino-compatible); never given request content. */
  readonly log: GatewayDeps["log"];
  readonly metrics?: GatewayMetrics;
  /** Seconds a key verification is cached (default 5): how long a revoke takes to reach every instance. */
  readonly keyCacheMs?: number;
  /** Static headers on every answer (the full server's security headers). */
  readonly answerHeaders?: Readonly<Record<string, string>>;
}

/** Everything `createGateway` needs. */
export type GatewayEnvironment = GatewayStoreAccess & GatewaySurroundings;

/** A running gateway's parts, to mount and to close. */
export interface Gateway {
  readonly deps: GatewayDeps;
  /** The gateway's routes on plain `node:http` (see `gatewayFront` to put them in front of Fastify). */
  readonly dispatch: GatewayDispatch;
  /** Refuse a key revoked through this process at once (its cached verification is dropped). */
  keyRevoked(keyId: string): void;
  /** Flush the audit trail and close upstream connections. */
  close(): Promise<void>;
}

/**
 * Build the gateway's parts from the policy and the store: upstream credentials resolved from the
 * environment or files (never logged), the inspector configured from `ai.detectors`, key verification
 * with a short cache, and the batched audit writer.
 *
 * @example
 * const gw = createGateway({ policy: config.ai, store, home, env: process.env, log: app.log });
 * await app.register((scope) => registerGatewayRoutes(scope, gw.deps, gw.dispatch));
 */
export function createGateway(options: GatewayEnvironment): Gateway {
  const { policy } = options;
  const io = { env: options.env, readFile: (p: string) => readFileSync(p, "utf8") };
  const upstreams = new Map<string, Upstream>();
  for (const [name, u] of Object.entries(policy.upstreams)) {
    upstreams.set(name, {
      name,
      type: u.type,
      baseUrl: u.baseUrl,
      apiKey: u.apiKey ? resolveCredential(u.apiKey, name, io) : undefined,
      formats: u.formats,
      apiVersion: u.apiVersion,
      timeoutMs: u.timeoutMs,
      headers: u.headers ?? {},
    });
  }
  const hashKey = loadHashKey(policy, options.home, options.env);
  const d = policy.detectors;
  const inspector = createInspector({
    hashKey,
    pii: d.pii,
    confidential: d.confidential,
    sourceCode: d.sourceCode,
    injection: d.injection,
    unsafeCode: d.unsafeCode,
    allowlist: d.allowlist,
  });
  const keys = createKeyVerifier({ store: options.store, ttlMs: options.keyCacheMs ?? 5000 });
  const events =
    options.events === undefined
      ? createEventWriter({
          store: options.store,
          onError: () => {
            options.log.warn({}, "some AI events could not be written to the store");
          },
        })
      : options.events;
  const storedResponses = createStoredResponses({
    store: options.store,
    onError: () => {
      options.log.warn({}, "some stored responses' creators could not be written to the store");
    },
  });
  const client = createUpstreamClient();
  const metrics = options.metrics ?? createGatewayMetrics();
  const deps: GatewayDeps = {
    policy,
    responsePlan: responsePlan(policy),
    upstreams,
    client,
    models: createModelCatalog({ policy, upstreams, client }),
    inspector,
    requestInspector: createInspectionMemo(inspector, {
      entries: policy.gateway.inspectionCache,
      observe: (remembered, chars) => {
        metrics.inspected(remembered, chars);
      },
    }),
    keys,
    events,
    storedResponses,
    metrics,
    hashKey: createSecretKey(Buffer.from(hashKey, "utf8")),
    maxResponseBytes: 64 * 1024 * 1024,
    maxBodyBytes: policy.gateway.maxBodyBytes,
    answerHeaders: options.answerHeaders,
    log: options.log,
  };
  return {
    deps,
    dispatch: createGatewayDispatch(deps),
    keyRevoked(keyId) {
      keys.forget(keyId);
    },
    async close() {
      await storedResponses.close();
      await events.close();
      await keys.close();
      await client.close();
    },
  };
}

/**
 * The key of the audit trail's hashes: `ai.gateway.hashKey` when configured (required to correlate hashes
 * across several instances), else one generated once and kept in `home/gateway-hash.key` (mode 0600).
 * A gateway with workers reads it in the primary first, so that the workers find the file made.
 *
 * @example
 * const key = loadHashKey(config.ai, ctx.env.home, process.env);
 */
export function loadHashKey(policy: AiPolicy, home: string, env: NodeJS.ProcessEnv): string {
  const io = { env, readFile: (p: string) => readFileSync(p, "utf8") };
  const ref = policy.gateway.hashKey;
  if (ref) {
    const key = resolveCredential(ref, "gateway.hashKey", io);
    if (key) return key;
    throw new DetenteError("INVALID_CONFIG", "ai.gateway.hashKey: the configured key is empty or not set");
  }
  const file = join(home, "gateway-hash.key");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(home, { recursive: true });
    // Written whole under a name of its own, then linked to the shared name, which fails if it exists:
    // processes started at once on one home (several `detente serve`) all end up with the one key, and
    // none ever reads a file still being written.
    const key = randomBytes(32).toString("base64url");
    const own = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(own, key + "\n", { mode: 0o600, flag: "wx" });
    try {
      linkSync(own, file);
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      return readFileSync(file, "utf8").trim();
    } finally {
      rmSync(own, { force: true });
    }
  }
}

/**
 * A standalone gateway server (`detente gateway`): the `/v1` routes, `/metrics` (public, for Prometheus:
 * names and counts only), `/healthz` and `/readyz`.
 *
 * @example
 * const { app, gateway } = await buildGatewayServer({ ...environment, bodyLimit: 32 << 20 });
 * await app.listen({ host: "127.0.0.1", port: 8787 });
 */
export async function buildGatewayServer(
  options: GatewayStoreAccess &
    Omit<GatewaySurroundings, "log"> & {
      /** Log to stdout (true), to a stream (tests read what would be logged), or not at all. */
      logger?: boolean | { stream: { write(line: string): void } };
      /** What `/metrics` answers; a gateway worker asks its primary for every worker's figures. */
      metricsText?: () => Promise<string>;
    },
): Promise<{ app: FastifyInstance; gateway: Gateway }> {
  const logger = options.logger;
  const front = gatewayFront();
  const app = Fastify({
    serverFactory: front.serverFactory,
    logger: typeof logger === "object" ? { level: "info", stream: logger.stream } : (logger ?? false),
    // No line per request: the audit trail records requests, and logs must never carry their content.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.policy.gateway.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  const metrics = options.metrics ?? createGatewayMetrics({ defaults: true });
  const gateway = createGateway({ ...options, metrics, log: app.log });
  await app.register((scope, _opts, done) => {
    registerGatewayRoutes(scope, gateway.deps, gateway.dispatch);
    done();
  });
  front.mount(app, gateway.dispatch);
  const metricsText = options.metricsText ?? (() => metrics.text());
  app.get("/metrics", async (_req, reply) => reply.type(metrics.contentType).send(await metricsText()));
  app.get("/healthz", () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    try {
      await options.store.query("SELECT 1");
      return { status: "ready" };
    } catch {
      return reply.code(503).send({ status: "store unavailable" });
    }
  });
  app.addHook("onClose", async () => {
    await gateway.close();
  });
  return { app, gateway };
}
