import { createHash, randomBytes } from "node:crypto";
import { DetenteError } from "../../errors.js";
import type { Queryable, Store } from "../../store/open.js";
import { decoyHash, verifyPassword } from "./password.js";
import { scopesOf, type Role, type Scope } from "./roles.js";

/** Who is making a request, and what they may do. */
export interface Principal {
  readonly via: "session" | "token";
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly scopes: readonly Scope[];
  /** The API token's id when `via` is "token". */
  readonly tokenId?: string;
}

/** A session lasts this long after sign-in, however active. */
export const SESSION_HOURS = 12;
/** Failed sign-ins for one user name, or from one address, within the window, before sign-in is refused. */
export const LOGIN_LIMIT = { perUser: 5, perIp: 30, windowMinutes: 15 };

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The CSRF token of a session: derived from the session token, so nothing more is stored, and readable
 * by the page (a cookie without HttpOnly) but not by other sites. Cookie-authenticated writes must send
 * it back in `x-csrf-token`.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256")
    .update("detente-csrf\0" + sessionToken)
    .digest("base64url");
}

export interface LoginResult {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
  readonly principal: Principal;
}

/**
 * Sign in with a user name and password. Unknown names, wrong passwords and disabled users get the same
 * answer and take as long; every attempt is audited, and after `LOGIN_LIMIT` failures in the window for
 * a user or from an address, attempts are refused (not checked, not recorded) until the window passes.
 * Failures are counted in the audit log, so the limit holds across server instances.
 */
export async function login({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date; ip: string | null };
  input: { username: string; password: string };
}): Promise<LoginResult> {
  const name = input.username.trim().slice(0, 64);
  const [row] = await ctx.store.query<{
    id: string;
    username: string;
    role: Role;
    password_hash: string;
    disabled_at: Date | null;
  }>(`SELECT id, username, role, password_hash, disabled_at FROM users WHERE lower(username) = lower($1)`, [
    name,
  ]);
  // The audit log names the user only when the name is one: people type passwords into the name field.
  const target = row?.username ?? null;
  const since = new Date(ctx.now.getTime() - LOGIN_LIMIT.windowMinutes * 60_000);
  // Count and record the attempt in one step per name (or address), before the password is checked, so
  // that a burst of parallel guesses is counted guess by guess, on every instance. An attempt stays a
  // failure until it succeeds.
  const attempt = await ctx.store.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      target ? `detente-login:${target.toLowerCase()}` : `detente-login-ip:${ctx.ip ?? ""}`,
    ]);
    const [counts] = await tx.query<{ by_user: string; by_ip: string }>(
      `SELECT count(*) FILTER (WHERE $2::text IS NOT NULL AND lower(target) = lower($2)) AS by_user,
              count(*) FILTER (WHERE ip = $3) AS by_ip
         FROM audit_log WHERE action = 'login.failed' AND at > $1`,
      [since, target, ctx.ip],
    );
    if (
      Number(counts?.by_user ?? 0) >= LOGIN_LIMIT.perUser ||
      Number(counts?.by_ip ?? 0) >= LOGIN_LIMIT.perIp
    )
      return null;
    const [a] = await tx.query<{ id: string }>(
      `INSERT INTO audit_log (at, action, actor, target, ip, details)
       VALUES ($1, 'login.failed', NULL, $2, $3, '{"reason":"checking"}'::jsonb) RETURNING id`,
      [ctx.now, target, ctx.ip],
    );
    return a!.id;
  });
  if (attempt === null) {
    throw new DetenteError(
      "RATE_LIMITED",
      `too many failed sign-ins: try again in ${LOGIN_LIMIT.windowMinutes} minutes`,
      { retryAfterSeconds: LOGIN_LIMIT.windowMinutes * 60 },
    );
  }
  const ok = await verifyPassword(input.password, row?.password_hash ?? (await decoyHash()));
  if (!row || !ok || row.disabled_at !== null) {
    const reason = !row ? "unknown user" : !ok ? "wrong password" : "disabled";
    await ctx.store.query(`UPDATE audit_log SET details = $2::jsonb WHERE id = $1`, [
      attempt,
      JSON.stringify({ reason }),
    ]);
    throw new DetenteError("UNAUTHENTICATED", "wrong user name or password");
  }
  await ctx.store.query(
    `UPDATE audit_log SET action = 'login.succeeded', actor = $2, details = '{}'::jsonb WHERE id = $1`,
    [attempt, row.username],
  );
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(ctx.now.getTime() + SESSION_HOURS * 3_600_000);
  await ctx.store.query(
    `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)`,
    [sha256(token), row.id, ctx.now, expiresAt],
  );
  return {
    token,
    csrfToken: csrfTokenFor(token),
    expiresAt,
    principal: {
      via: "session",
      userId: row.id,
      username: row.username,
      role: row.role,
      scopes: scopesOf(row.role),
    },
  };
}

/** The principal of a session token, or null when it is unknown, expired or its user disabled. */
export async function sessionPrincipal(db: Queryable, token: string, now: Date): Promise<Principal | null> {
  if (token.length < 20 || token.length > 100) return null;
  const [row] = await db.query<{ id: string; username: string; role: Role; last_seen_at: Date }>(
    `SELECT u.id, u.username, u.role, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [sha256(token), now],
  );
  if (!row) return null;
  if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000)
    await db.query(`UPDATE sessions SET last_seen_at = $2 WHERE hash = $1`, [sha256(token), now]);
  return {
    via: "session",
    userId: row.id,
    username: row.username,
    role: row.role,
    scopes: scopesOf(row.role),
  };
}

/** End a session (sign out). */
export async function logout(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE hash = $1`, [sha256(token)]);
}
