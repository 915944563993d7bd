import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import { createKey, listKeys, revokeKey, type KeyInfo } from "../services/ai/keys.js";
import { withContext } from "./context.js";
import { color, table } from "./render.js";

interface CreateOptions {
  user: string;
  team: string;
  tool?: string;
  name?: string;
  expires?: string;
  json?: boolean;
}

/**
 * `detente keys create|list|revoke`: the keys coding assistants present to the AI gateway.
 *
 * @example registerKeys(program); // detente keys create --user alice --team payments --tool cursor
 */
export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("Gateway keys: who a coding assistant's requests to the detente AI gateway are from");

  keys
    .command("create")
    .description("Create a key for a user in a team, optionally for one tool only; it is shown once")
    .requiredOption("--user <user>", "the person the key is for")
    .requiredOption("--team <team>", "their team")
    .option(
      "--tool <tool>",
      "the tool this key is for (claude-code, cursor, codex, ...): its requests are recorded as this tool, and refused when their User-Agent names another tool (a generic SDK or curl names none)",
    )
    .option("--name <name>", "a label, such as the machine the key is for")
    .option("--expires <days>", 'expire after this many days, e.g. "90d"')
    .option("--json", "print JSON (the key included)")
    .action(async (opts: CreateOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const created = await createKey({
          ctx: { store: await ctx.store(), now: ctx.now },
          input: {
            user: opts.user,
            team: opts.team,
            tool: opts.tool,
            name: opts.name,
            expiresInDays: opts.expires === undefined ? undefined : days(opts.expires),
          },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(created, null, 2) + "\n");
          return;
        }
        const scope = [`team ${created.team}`, created.tool ? `${created.tool} only` : "any tool"];
        const expiry = created.expiresAt ? `expires ${day(created.expiresAt)}` : "does not expire";
        process.stdout.write(
          [
            `Created key ${color.bold(created.id)} for ${created.user} (${scope.join(", ")}); it ${expiry}.`,
            "",
            `    ${created.key}`,
            "",
            color.yellow("This key will not be shown again: detente keeps only its hash. Copy it now."),
            "Point the assistant at the detente gateway (`detente gateway` prints its URL,",
            "http://127.0.0.1:8787 by default) and give it this key as its API key:",
            "  Claude Code:  ANTHROPIC_BASE_URL=<gateway URL>  ANTHROPIC_AUTH_TOKEN=<this key>",
            "  Codex, Cursor, Continue, OpenAI SDKs:  OPENAI_BASE_URL=<gateway URL>/v1  OPENAI_API_KEY=<this key>",
            `Revoke it with \`detente keys revoke ${created.id}\`.`,
          ].join("\n") + "\n",
        );
      });
    });

  keys
    .command("list")
    .description("List keys (never the keys themselves): usable ones, or all with --all")
    .option("--all", "include revoked and expired keys")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const list = await listKeys({
          ctx: { store: await ctx.store(), now: ctx.now },
          input: { includeRevoked: opts.all === true },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + "\n");
          return;
        }
        if (list.length === 0) {
          process.stdout.write(
            opts.all
              ? "No keys. Create one with `detente keys create --user U --team T`.\n"
              : "No usable keys (`--all` lists revoked and expired ones). Create one with `detente keys create --user U --team T`.\n",
          );
          return;
        }
        process.stdout.write(
          table(
            ["ID", "PREFIX", "USER", "TEAM", "TOOL", "NAME", "CREATED", "EXPIRES", "LAST USED", "STATUS"],
            list.map((k) => [
              k.id,
              k.prefix + "…",
              k.user,
              k.team,
              k.tool ?? "any",
              k.name || "—",
              day(k.createdAt),
              k.expiresAt ? day(k.expiresAt) : "never",
              k.lastUsedAt ? day(k.lastUsedAt) : "never",
              paintStatus(k),
            ]),
            40,
          ) + "\n",
        );
      });
    });

  keys
    .command("revoke")
    .description("Revoke a key; gateways refuse it within seconds")
    .argument("<id>", "the key's id (key_...) or prefix (dtk_...)")
    .option("--json", "print the revoked key as JSON")
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const info = await revokeKey({ ctx: { store: await ctx.store(), now: ctx.now }, input: { id } });
        if (opts.json) {
          process.stdout.write(JSON.stringify(info, null, 2) + "\n");
          return;
        }
        process.stdout.write(
          `Revoked ${info.id} (${info.prefix}…, ${info.user}, team ${info.team}) at ${info.revokedAt?.toISOString() ?? "?"}; ` +
            "gateways refuse it within 5 seconds.\n",
        );
      });
    });
}

/** "90d" or "90": whole days. */
function days(text: string): number {
  const m = /^(\d{1,5})d?$/i.exec(text.trim());
  if (!m) throw new DetenteError("INVALID_INPUT", `--expires: expected a number of days such as 90d`);
  return Number(m[1]);
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function paintStatus(k: KeyInfo): string {
  return k.status === "active" ? color.green(k.status) : color.dim(k.status);
}
