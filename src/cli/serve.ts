import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import { countUsers, createUser } from "../services/auth/users.js";
import { generatePassword } from "../services/auth/password.js";
import { buildServer } from "../server/app.js";
import type { Config } from "../config/load.js";
import type { Store } from "../store/open.js";
import { cliContext, type CliContext } from "./context.js";
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
      const ctx = cliContext(cmd);
      await serve(ctx, opts);
    });
}

/** What `detente demo --serve` changes in `serve`. */
export interface ServeHooks {
  /** The configuration to serve with instead of detente.yaml's (the demo's policy). */
  readonly config?: Config;
  /** The sign-in lines to print (the demo's users), instead of creating a first admin. */
  readonly signIn?: string[];
  /** Run once the server listens (the demo sends its AI traffic then). */
  readonly ready?: (url: string, store: Store) => Promise<void>;
  /** Run after the server has closed. */
  readonly closed?: () => Promise<void>;
}

/**
 * Serve until Ctrl-C or SIGTERM, which stop accepting connections, drain requests in flight, flush the
 * AI audit trail and close the store.
 */
export async function serve(
  ctx: CliContext,
  opts: { host: string; port: string },
  hooks: ServeHooks = {},
): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new DetenteError("INVALID_INPUT", `--port: expected a port number, got "${opts.port}"`);
  const config = hooks.config ?? (await ctx.config());
  const store = await ctx.store();
  const { app } = await buildServer({ store, config, home: ctx.env.home, env: process.env, logger: true });
  // Everything this command opened, closed once, in order, whatever fails on the way.
  let closing: Promise<void> | undefined;
  const closeAll = () =>
    (closing ??= (async () => {
      // Requests in flight get DRAIN_MS to finish (a streamed AI answer can be long); then connections are cut.
      const deadline = setTimeout(() => {
        app.server.closeAllConnections();
      }, DRAIN_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(deadline);
        try {
          await ctx.close();
        } finally {
          await hooks.closed?.();
        }
      }
    })());
  try {
    await app.listen({ host: opts.host, port });
  } catch (e) {
    await closeAll();
    throw new DetenteError(
      "UPSTREAM",
      `cannot listen on ${opts.host}:${port} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stderr.write("detente: draining requests and flushing the audit trail...\n");
      void closeAll()
        .catch((e: unknown) => {
          process.stderr.write(`detente: while stopping: ${e instanceof Error ? e.name : "error"}\n`);
          process.exitCode = 3;
        })
        .finally(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  const addr = app.server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  const url = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${bound}`;
  let signIn = hooks.signIn;
  try {
    if (!signIn) signIn = await firstSignIn(store);
    // Listening on every address, the demo talks to the gateway over loopback.
    const own = opts.host === "0.0.0.0" || opts.host === "::" ? `http://127.0.0.1:${bound}` : url;
    await hooks.ready?.(own, store);
  } catch (e) {
    await closeAll();
    throw e;
  }
  process.stderr.write(
    [
      "",
      `${color.bold("detente")} is running at ${color.bold(url)} (store: ${store.location}, policy: ${config.source})`,
      ...signIn,
      `  API docs: ${url}/api/docs   AI gateway: ${url}/v1   Ctrl-C stops`,
      "",
    ].join("\n"),
  );
  await stopped;
}

/** How long requests in flight may take to finish after Ctrl-C or SIGTERM. */
const DRAIN_MS = 30_000;

/** On a store without users, an admin with a one-time password (created once the server listens). */
async function firstSignIn(store: Store): Promise<string[]> {
  if ((await countUsers(store)) > 0)
    return [`  Sign in with your detente user (an admin adds one: detente users add NAME --role viewer)`];
  const password = generatePassword();
  await createUser({
    ctx: { store, now: new Date(), actor: "detente serve" },
    input: { username: "admin", role: "admin", password, displayName: "Administrator" },
  });
  return [
    `  Sign in as ${color.bold("admin")} with the one-time password ${color.bold(password)}`,
    `  (shown only now; change it with: DETENTE_PASSWORD=... detente users set-password admin)`,
  ];
}
