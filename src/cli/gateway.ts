import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import { buildGatewayServer } from "../ai/gateway/server.js";
import { cliContext } from "./context.js";
import { color } from "./render.js";

/**
 * `detente gateway`: the AI gateway alone, until Ctrl-C or SIGTERM, which drain requests in flight and
 * flush the audit trail before exiting.
 */
export function registerGateway(program: Command): void {
  program
    .command("gateway")
    .description("Run the AI gateway (LLM firewall) that coding assistants point their base URL at")
    .option("--host <host>", "address to listen on (default ai.gateway.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default ai.gateway.port, 8787)")
    .option("--config <file>", "detente.yaml with the AI policy")
    .action(async (opts: { host?: string; port?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const config = await ctx.config();
      const store = await ctx.store();
      const port = opts.port === undefined ? config.ai.gateway.port : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new DetenteError("INVALID_INPUT", `--port: expected a port number, got "${opts.port ?? ""}"`);
      const host = opts.host ?? config.ai.gateway.host;
      const { app } = await buildGatewayServer({
        policy: config.ai,
        store,
        home: ctx.env.home,
        env: process.env,
        logger: true,
      });
      try {
        await app.listen({ host, port });
      } catch (e) {
        await app.close();
        await ctx.close();
        const code = (e as NodeJS.ErrnoException).code ?? "error";
        throw new DetenteError("UPSTREAM", `cannot listen on ${host}:${port} (${code})`);
      }
      const addr = app.server.address();
      const url = `http://${host}:${typeof addr === "object" && addr ? addr.port : port}`;
      const missing = Object.entries(config.ai.upstreams)
        .filter(([, u]) => u.apiKey && "env" in u.apiKey && !process.env[u.apiKey.env])
        .map(([name, u]) => `${name} (${u.apiKey && "env" in u.apiKey ? u.apiKey.env : ""})`);
      process.stderr.write(
        [
          `detente gateway listening on ${url} (policy: ${config.source}, store: ${store.kind})`,
          `  Claude Code:  ANTHROPIC_BASE_URL=${url} ANTHROPIC_AUTH_TOKEN=<detente key> claude`,
          `  Codex, Cursor, Continue, OpenAI SDKs: base URL ${url}/v1 with a detente key as the API key`,
          `  Create a key: detente keys create --user you@example.com --team platform`,
          ...(missing.length > 0
            ? [color.dim(`  upstreams without a credential in the environment: ${missing.join(", ")}`)]
            : []),
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          process.stderr.write("detente gateway: draining requests and flushing the audit trail...\n");
          void app
            .close()
            .then(() => ctx.close())
            .finally(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
