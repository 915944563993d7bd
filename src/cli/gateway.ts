import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { FastifyInstance } from "fastify";
import { DetenteError } from "../errors.js";
import { startGatewayWorkers, workerCount, workerLink } from "../ai/gateway/cluster.js";
import { createGatewayMetrics } from "../ai/gateway/metrics.js";
import { buildGatewayServer, loadHashKey } from "../ai/gateway/server.js";
import { resolveCredential } from "../ai/policy/index.js";
import type { Config } from "../config/load.js";
import { createEventWriter } from "../services/ai/events.js";
import type { Store } from "../store/open.js";
import { cliContext, type CliContext } from "./context.js";
import { color } from "./render.js";

interface GatewayOptions {
  host?: string;
  port?: string;
  workers?: string;
}

/**
 * `detente gateway`: the AI gateway alone, until Ctrl-C or SIGTERM, which drain requests in flight and
 * flush the audit trail before exiting. With `--workers N`, N worker processes serve requests on one port
 * and this one keeps the store (see `ai/gateway/cluster.ts`).
 */
export function registerGateway(program: Command): void {
  program
    .command("gateway")
    .description("Run the AI gateway (LLM firewall) that coding assistants point their base URL at")
    .option("--host <host>", "address to listen on (default ai.gateway.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default ai.gateway.port, 8787)")
    .option(
      "--workers <n>",
      'worker processes serving requests, or "auto" for one per CPU (default ai.gateway.workers; none: one process does everything)',
    )
    .option("--config <file>", "detente.yaml with the AI policy")
    .action(async (opts: GatewayOptions, cmd: Command) => {
      const ctx = cliContext(cmd);
      const config = await ctx.config();
      const port = opts.port === undefined ? config.ai.gateway.port : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new DetenteError("INVALID_INPUT", `--port: expected a port number, got "${opts.port ?? ""}"`);
      const host = opts.host ?? config.ai.gateway.host;
      if (cluster.isWorker) return serveAsWorker(ctx, config, host, port);
      const asked = opts.workers ?? config.ai.gateway.workers;
      const workers = asked === undefined ? 0 : workerCount(asked);
      const store = await ctx.store();
      let giveUp: (why: "workers") => void = () => undefined;
      const gaveUp = new Promise<"workers">((resolve) => (giveUp = resolve));
      let running: { port: number; stop: () => Promise<void> };
      try {
        running =
          workers === 0
            ? await startOneProcess(config, store, ctx, host, port)
            : await startWithWorkers(config, store, ctx, workers, () => {
                giveUp("workers");
              });
      } catch (e) {
        await ctx.close(); // an open store would keep this process from exiting
        throw e;
      }
      printBanner(config, store, `http://${host}:${running.port}`, workers);
      const why = await Promise.race([signalled(), gaveUp]);
      process.stderr.write("detente gateway: draining requests and flushing the audit trail...\n");
      await running.stop().finally(() => ctx.close());
      if (why === "workers")
        throw new DetenteError(
          "UPSTREAM",
          "the gateway stopped: its workers kept dying (their errors are above)",
        );
    });
}

/** The whole gateway in this process. */
async function startOneProcess(
  config: Config,
  store: Store,
  ctx: CliContext,
  host: string,
  port: number,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const { app } = await buildGatewayServer({
    policy: config.ai,
    store,
    home: ctx.env.home,
    env: process.env,
    logger: true,
  });
  return { port: await listen(app, host, port), stop: () => app.close() };
}

/** Worker processes on the port; this one keeps the store and writes their audit events. */
async function startWithWorkers(
  config: Config,
  store: Store,
  ctx: CliContext,
  workers: number,
  onGiveUp: () => void,
): Promise<{ port: number; stop: () => Promise<void> }> {
  // What would stop every worker, found once here: the hash key (made here, read by every worker) and the
  // upstreams' credentials.
  loadHashKey(config.ai, ctx.env.home, process.env);
  const io = { env: process.env, readFile: (f: string) => readFileSync(f, "utf8") };
  for (const [name, u] of Object.entries(config.ai.upstreams))
    if (u.apiKey) resolveCredential(u.apiKey, name, io);
  const writer = createEventWriter({
    store,
    onError: () => process.stderr.write("detente gateway: some AI events could not be written\n"),
  });
  const warn = (msg: string) => process.stderr.write(`detente gateway: ${msg}\n`);
  try {
    const running = await startGatewayWorkers({ workers, store, events: writer, warn, onGiveUp });
    return { port: running.port, stop: () => running.stop().then(() => writer.close()) };
  } catch (e) {
    await writer.close();
    throw e;
  }
}

/** A worker: the gateway's routes on the shared port, the store reached through the primary. */
async function serveAsWorker(ctx: CliContext, config: Config, host: string, port: number): Promise<void> {
  const metrics = createGatewayMetrics({ defaults: true });
  let app: FastifyInstance | undefined = undefined;
  let closing: Promise<void> | undefined;
  // Drain, hand the last events to the primary, exit. Every signal after the first is ignored: Ctrl-C
  // reaches the workers and the primary at once, and the primary's SIGTERM must not cut the drain short.
  const close = () =>
    (closing ??= (app?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    ));
  process.on("SIGINT", () => void close());
  process.on("SIGTERM", () => void close());
  const link = workerLink(metrics.registry, () => void close());
  try {
    app = (
      await buildGatewayServer({
        policy: config.ai,
        store: link.store,
        events: link.events,
        metrics,
        metricsText: () => link.metricsText(),
        home: ctx.env.home,
        env: process.env,
        logger: true,
      })
    ).app;
    await listen(app, host, port);
  } catch (e) {
    // Let this worker exit with the error's status: the channel to the primary would keep it alive.
    process.channel?.unref();
    throw e;
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new DetenteError("UPSTREAM", `cannot listen on ${host}:${port} (${code})`);
  }
  const addr = app.server.address();
  return typeof addr === "object" && addr ? addr.port : port;
}

function printBanner(config: Config, store: Store, url: string, workers: number): void {
  const missing = Object.entries(config.ai.upstreams)
    .filter(([, u]) => u.apiKey && "env" in u.apiKey && !process.env[u.apiKey.env])
    .map(([name, u]) => `${name} (${u.apiKey && "env" in u.apiKey ? u.apiKey.env : ""})`);
  const processes = workers > 0 ? `, ${workers} worker${workers > 1 ? "s" : ""}` : "";
  process.stderr.write(
    [
      `detente gateway listening on ${url} (policy: ${config.source}, store: ${store.kind}${processes})`,
      `  Claude Code:  ANTHROPIC_BASE_URL=${url} ANTHROPIC_AUTH_TOKEN=<detente key> claude`,
      `  Codex, Cursor, Continue, OpenAI SDKs: base URL ${url}/v1 with a detente key as the API key`,
      `  Create a key: detente keys create --user you@example.com --team platform`,
      ...(missing.length > 0
        ? [color.dim(`  upstreams without a credential in the environment: ${missing.join(", ")}`)]
        : []),
      "",
    ].join("\n"),
  );
}

/**
 * Resolves on the first Ctrl-C or SIGTERM. Later ones only say that the gateway is still draining: a
 * second Ctrl-C must not cut the drain short and lose the audit trail's last events.
 */
function signalled(): Promise<"signal"> {
  return new Promise((resolve) => {
    let first = true;
    const onSignal = () => {
      if (first) resolve("signal");
      else process.stderr.write("detente gateway: still draining requests and flushing the audit trail\n");
      first = false;
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
