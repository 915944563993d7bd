import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DetenteError } from "../../errors.js";
import { parseInput } from "../ai/input.js";
import type { Queryable, Store } from "../../store/open.js";
import { audit } from "./audit.js";
import { hashPassword, passwordProblem } from "./password.js";
import { ROLES, type Role } from "./roles.js";

export interface User {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabled: boolean;
}

const username = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/i, "use 1-64 letters, digits, '.', '_', '@' or '-'");

export const createUserInput = z.object({
  username,
  displayName: z.string().trim().max(200).default(""),
  role: z.enum(ROLES),
  password: z.string(),
});
export type CreateUserInput = z.input<typeof createUserInput>;

/**
 * Create a user with a password (hashed with scrypt; the password itself is never stored or logged).
 *
 * @example await createUser({ ctx: { store, now, actor: "admin" }, input: { username: "ana", role: "security", password } });
 */
export async function createUser({
  ctx,
  input,
}: {
  ctx: { store: Queryable; now: Date; actor: string | null; ip?: string | null };
  input: CreateUserInput;
}): Promise<User> {
  const q = parseInput(createUserInput, input);
  const problem = passwordProblem(q.password);
  if (problem) throw new DetenteError("INVALID_INPUT", `password: ${problem}`);
  const [taken] = await ctx.store.query(`SELECT 1 FROM users WHERE lower(username) = lower($1)`, [
    q.username,
  ]);
  if (taken) throw new DetenteError("CONFLICT", `a user named "${q.username}" already exists`);
  const id = randomUUID();
  const passwordHash = await hashPassword(q.password);
  try {
    await ctx.store.query(
      `INSERT INTO users (id, username, display_name, role, password_hash, created_at, password_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [id, q.username, q.displayName, q.role, passwordHash, ctx.now],
    );
  } catch (e) {
    // Two creations of the same name (in any case) at once: the unique index decides.
    if ((e as { code?: string }).code === "23505")
      throw new DetenteError("CONFLICT", `a user named "${q.username}" already exists`);
    throw e;
  }
  await audit(ctx.store, ctx.now, {
    action: "user.created",
    actor: ctx.actor,
    target: q.username,
    ip: ctx.ip ?? null,
    details: { role: q.role },
  });
  return {
    id,
    username: q.username,
    displayName: q.displayName,
    role: q.role,
    createdAt: ctx.now.toISOString(),
    disabled: false,
  };
}

function toUser(r: Record<string, unknown>): User {
  return {
    id: String(r.id),
    username: String(r.username),
    displayName: typeof r.display_name === "string" ? r.display_name : "",
    role: r.role as Role,
    createdAt: new Date(r.created_at as string).toISOString(),
    disabled: r.disabled_at !== null && r.disabled_at !== undefined,
  };
}

export async function listUsers(store: Queryable): Promise<User[]> {
  const rows = await store.query(
    `SELECT id, username, display_name, role, created_at, disabled_at FROM users ORDER BY username`,
  );
  return rows.map(toUser);
}

export async function countUsers(store: Queryable): Promise<number> {
  const [r] = await store.query<{ n: string }>(`SELECT count(*) AS n FROM users`);
  return Number(r?.n ?? 0);
}

export async function findUser(store: Queryable, name: string): Promise<User | null> {
  const [r] = await store.query(
    `SELECT id, username, display_name, role, created_at, disabled_at FROM users WHERE lower(username) = lower($1)`,
    [name],
  );
  return r ? toUser(r) : null;
}

export const updateUserInput = z.object({
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().optional(),
  password: z.string().optional(),
  displayName: z.string().trim().max(200).optional(),
});
export type UpdateUserInput = z.input<typeof updateUserInput>;

/**
 * Change a user's role, display name or password, or disable or enable them. Each change is audited;
 * disabling a user or changing their role or password ends their sessions. The last enabled admin cannot
 * be demoted or disabled.
 */
export async function updateUser({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date; actor: string | null; ip?: string | null };
  input: { username: string; changes: UpdateUserInput };
}): Promise<User> {
  const changes = parseInput(updateUserInput, input.changes);
  if (changes.password !== undefined) {
    const problem = passwordProblem(changes.password);
    if (problem) throw new DetenteError("INVALID_INPUT", `password: ${problem}`);
  }
  const passwordHash = changes.password !== undefined ? await hashPassword(changes.password) : null;
  return ctx.store.transaction(async (tx) => {
    const [row] = await tx.query(
      `SELECT id, username, display_name, role, created_at, disabled_at FROM users WHERE lower(username) = lower($1) FOR UPDATE`,
      [input.username],
    );
    if (!row) throw new DetenteError("NOT_FOUND", `no user named "${input.username}"`);
    const user = toUser(row);
    const demoting = changes.role !== undefined && changes.role !== "admin" && user.role === "admin";
    const disabling = changes.disabled === true && !user.disabled && user.role === "admin";
    if (demoting || disabling) {
      // Serialize admin changes so that two of them cannot both leave the last admin out.
      await tx.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
      const [n] = await tx.query<{ n: string }>(
        `SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
        [user.id],
      );
      if (Number(n?.n ?? 0) === 0)
        throw new DetenteError("CONFLICT", `"${user.username}" is the last admin: make another admin first`);
    }
    const entry = (action: Parameters<typeof audit>[2]["action"], details?: Record<string, unknown>) =>
      audit(tx, ctx.now, { action, actor: ctx.actor, target: user.username, ip: ctx.ip ?? null, details });
    let endSessions = false;
    if (changes.role !== undefined && changes.role !== user.role) {
      await tx.query(`UPDATE users SET role = $2 WHERE id = $1`, [user.id, changes.role]);
      await entry("user.role_changed", { from: user.role, to: changes.role });
      endSessions = true;
    }
    if (changes.displayName !== undefined)
      await tx.query(`UPDATE users SET display_name = $2 WHERE id = $1`, [user.id, changes.displayName]);
    if (passwordHash !== null) {
      await tx.query(`UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1`, [
        user.id,
        passwordHash,
        ctx.now,
      ]);
      await entry("user.password_changed");
      endSessions = true;
    }
    if (changes.disabled !== undefined && changes.disabled !== user.disabled) {
      await tx.query(`UPDATE users SET disabled_at = $2 WHERE id = $1`, [
        user.id,
        changes.disabled ? ctx.now : null,
      ]);
      await entry(changes.disabled ? "user.disabled" : "user.enabled");
      endSessions ||= changes.disabled;
    }
    if (endSessions) await tx.query(`DELETE FROM sessions WHERE user_id = $1`, [user.id]);
    const [after] = await tx.query(
      `SELECT id, username, display_name, role, created_at, disabled_at FROM users WHERE id = $1`,
      [user.id],
    );
    return toUser(after!);
  });
}
