import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import { generatePassword } from "../services/auth/password.js";
import { ROLES, isRole } from "../services/auth/roles.js";
import { createUser, listUsers, updateUser } from "../services/auth/users.js";
import { withContext } from "./context.js";
import { color, table } from "./render.js";

/** The password for `users add` / `set-password`: DETENTE_PASSWORD, else a generated one printed once. */
function passwordFromEnv(): { password: string; generated: boolean } {
  const p = process.env.DETENTE_PASSWORD;
  return p ? { password: p, generated: false } : { password: generatePassword(), generated: true };
}

function role(value: string): (typeof ROLES)[number] {
  if (!isRole(value))
    throw new DetenteError("INVALID_INPUT", `--role: expected one of ${ROLES.join(", ")}, got "${value}"`);
  return value;
}

/** `detente users`: the server's sign-in accounts. */
export function registerUsers(program: Command): void {
  const users = program.command("users").description("Manage the server's users and their roles");
  users
    .command("add")
    .description("Create a user (password from DETENTE_PASSWORD, or a generated one printed once)")
    .argument("<username>")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .option("--name <display name>", "the name the dashboard shows")
    .action(async (username: string, opts: { role: string; name?: string }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const store = await ctx.store();
        const { password, generated } = passwordFromEnv();
        const user = await createUser({
          ctx: { store, now: ctx.now, actor: "cli" },
          input: { username, role: role(opts.role), password, displayName: opts.name ?? "" },
        });
        process.stdout.write(`Created ${color.bold(user.username)} (${user.role}).\n`);
        if (generated) process.stdout.write(`One-time password (shown only now): ${color.bold(password)}\n`);
      });
    });
  users
    .command("list")
    .description("List users and their roles")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const all = await listUsers(await ctx.store());
        if (opts.json) process.stdout.write(JSON.stringify(all, null, 2) + "\n");
        else
          process.stdout.write(
            table(
              ["USER", "ROLE", "NAME", "CREATED", "STATE"],
              all.map((u) => [
                u.username,
                u.role,
                u.displayName,
                u.createdAt.slice(0, 10),
                u.disabled ? "disabled" : "active",
              ]),
            ) + "\n",
          );
      });
    });
  users
    .command("set-role")
    .description("Change a user's role (ends their sessions)")
    .argument("<username>")
    .argument("<role>", ROLES.join(" | "))
    .action(async (username: string, newRole: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const u = await updateUser({
          ctx: { store: await ctx.store(), now: ctx.now, actor: "cli" },
          input: { username, changes: { role: role(newRole) } },
        });
        process.stdout.write(`${u.username} is now ${u.role}.\n`);
      });
    });
  users
    .command("set-password")
    .description(
      "Set a user's password (DETENTE_PASSWORD, or a generated one printed once); ends their sessions",
    )
    .argument("<username>")
    .action(async (username: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const { password, generated } = passwordFromEnv();
        await updateUser({
          ctx: { store: await ctx.store(), now: ctx.now, actor: "cli" },
          input: { username, changes: { password } },
        });
        process.stdout.write(`Password of ${username} changed.\n`);
        if (generated) process.stdout.write(`One-time password (shown only now): ${color.bold(password)}\n`);
      });
    });
  for (const [name, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    users
      .command(name)
      .description(
        disabled
          ? "Disable a user (ends their sessions; they stay in the audit log)"
          : "Enable a disabled user",
      )
      .argument("<username>")
      .action(async (username: string, _opts: unknown, cmd: Command) => {
        await withContext(cmd, async (ctx) => {
          await updateUser({
            ctx: { store: await ctx.store(), now: ctx.now, actor: "cli" },
            input: { username, changes: { disabled } },
          });
          process.stdout.write(`${username} ${disabled ? "disabled" : "enabled"}.\n`);
        });
      });
  }
}
