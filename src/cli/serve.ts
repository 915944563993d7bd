import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import { countUsers, createUser } from "../services/auth/users.js";
import { generatePassword } from "../services/auth/password.js";
import { buildServer } from "../server/app.js";
import { cliContext } from "./context.js";
import { color } from "./render.js";

/**
 * `detente serve`: the API, the dashboard and the AI gateway in one process, until Ctrl-C or SIGTERM,
 * which drain requests in flight and flush the AI audit trail. On a store without users it creates
 * `admin` with a one-time password and prints it once.
 */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the server: REST API (/api), dashboard (/), AI gateway (/v1), metrics and health checks",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", "8080")
    .option("--config <file>", "detente.yaml with the triage and AI policies")
    .action(async (opts: { host: string; port: string }, cmd: Command) => {
      await serve(cmd, opts);
    });
}

export async function serve(
  cmd: Command,
  opts: { host: string; port: string },
  before?: (ctx: ReturnType<typeof cliContext>) => Promise<void>,
): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new DetenteError("INVALID_INPUT", `--port: expected a port number, got "${opts.port}"`);
  const ctx = cliContext(cmd);
  const config = await ctx.config();
  const store = await ctx.store();
  await before?.(ctx);
  let firstPassword: string | null = null;
  if ((await countUsers(store)) === 0) {
    firstPassword = generatePassword();
    await createUser({
      ctx: { store, now: new Date(), actor: "detente serve" },
      input: { username: "admin", role: "admin", password: firstPassword, displayName: "Administrator" },
    });
  }
  const { app } = await buildServer({ store, config, home: ctx.env.home, env: process.env, logger: true });
  try {
    await app.listen({ host: opts.host, port });
  } catch (e) {
    await app.close();
    await ctx.close();
    throw new DetenteError(
      "UPSTREAM",
      `cannot listen on ${opts.host}:${port} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const addr = app.server.address();
  const url = `http://${opts.host}:${typeof addr === "object" && addr ? addr.port : port}`;
  process.stderr.write(
    [
      "",
      `${color.bold("detente")} is running at ${color.bold(url)} (store: ${store.location}, policy: ${config.source})`,
      firstPassword
        ? `  Sign in as ${color.bold("admin")} with the one-time password ${color.bold(firstPassword)}\n  (shown only now; change it with: detente users set-password admin)`
        : `  Sign in with your detente user (create one: detente users add NAME --role viewer)`,
      `  API docs: ${url}/api/docs   AI gateway: ${url}/v1   Ctrl-C stops`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stderr.write("detente: draining requests and flushing the audit trail...\n");
      void app
        .close()
        .then(() => ctx.close())
        .finally(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
