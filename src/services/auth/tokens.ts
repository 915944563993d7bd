import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { DetenteError } from "../../errors.js";
import { parseInput } from "../ai/input.js";
import type { Queryable } from "../../store/open.js";
import { audit } from "./audit.js";
import { scopesOf, SCOPES, type Role, type Scope } from "./roles.js";
import { sha256, type Principal } from "./sessions.js";

/** API tokens start with this, so that secret scanners and people recognise them. */
export const TOKEN_PREFIX = "dtt_";

export const createTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(SCOPES)).min(1),
  /** Days until the token stops working: 1 to 366, default 90. */
  expiresInDays: z.number().int().min(1).max(366).default(90),
});
export type CreateTokenInput = z.input<typeof createTokenInput>;

export interface ApiToken {
  readonly id: string;
  readonly prefix: string;
  readonly name: string;
  readonly username: string;
  readonly scopes: Scope[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revoked: boolean;
  readonly lastUsedAt: string | null;
}

/**
 * Create an API token for `owner`, limited to scopes the owner's role has. The token is returned once;
 * only its SHA-256 is stored.
 */
export async function createToken({
  ctx,
  input,
}: {
  ctx: {
    store: Queryable;
    now: Date;
    owner: { id: string; username: string; role: Role };
    ip?: string | null;
  };
  input: CreateTokenInput;
}): Promise<{ token: string; info: ApiToken }> {
  const q = parseInput(createTokenInput, input);
  const allowed = scopesOf(ctx.owner.role);
  const extra = q.scopes.filter((s) => !allowed.includes(s));
  if (extra.length > 0)
    throw new DetenteError("FORBIDDEN", `the ${ctx.owner.role} role cannot grant ${extra.join(", ")}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const id = randomUUID();
  const expiresAt = new Date(ctx.now.getTime() + q.expiresInDays * 86_400_000);
  const scopes = [...new Set(q.scopes)];
  await ctx.store.query(
    `INSERT INTO api_tokens (id, hash, prefix, name, user_id, scopes, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8)`,
    [id, sha256(token), token.slice(0, 10), q.name, ctx.owner.id, scopes, ctx.now, expiresAt],
  );
  await audit(ctx.store, ctx.now, {
    action: "token.created",
    actor: ctx.owner.username,
    target: id,
    ip: ctx.ip ?? null,
    details: { name: q.name, scopes, expiresAt: expiresAt.toISOString() },
  });
  return {
    token,
    info: {
      id,
      prefix: token.slice(0, 10),
      name: q.name,
      username: ctx.owner.username,
      scopes,
      createdAt: ctx.now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      revoked: false,
      lastUsedAt: null,
    },
  };
}

/** Tokens, of one user or (for admins) everyone's. */
export async function listTokens(db: Queryable, userId: string | null): Promise<ApiToken[]> {
  const rows = await db.query(
    `SELECT t.id, t.prefix, t.name, u.username, t.scopes, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE ($1::text IS NULL OR t.user_id = $1) ORDER BY t.created_at DESC`,
    [userId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    prefix: String(r.prefix),
    name: String(r.name),
    username: String(r.username),
    scopes: r.scopes as Scope[],
    createdAt: new Date(r.created_at as string).toISOString(),
    expiresAt: new Date(r.expires_at as string).toISOString(),
    revoked: r.revoked_at !== null,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at as string).toISOString() : null,
  }));
}

/** Revoke a token: its owner's, or anyone's for an admin. */
export async function revokeToken({
  ctx,
  input,
}: {
  ctx: { store: Queryable; now: Date; actor: Principal; ip?: string | null };
  input: { id: string };
}): Promise<void> {
  const admin = ctx.actor.scopes.includes("admin");
  const rows = await ctx.store.query(
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $3)
      WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) RETURNING id`,
    [input.id, admin ? null : ctx.actor.userId, ctx.now],
  );
  if (rows.length === 0) throw new DetenteError("NOT_FOUND", `no token with id ${input.id.slice(0, 40)}`);
  await audit(ctx.store, ctx.now, {
    action: "token.revoked",
    actor: ctx.actor.username,
    target: input.id,
    ip: ctx.ip ?? null,
  });
}

/** The principal of an API token, or null when unknown, revoked, expired or its user disabled. */
export async function tokenPrincipal(db: Queryable, token: string, now: Date): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  const [row] = await db.query<{
    id: string;
    user_id: string;
    username: string;
    role: Role;
    scopes: Scope[];
    last_used_at: Date | null;
  }>(
    `SELECT t.id, t.user_id, u.username, u.role, t.scopes, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL`,
    [sha256(token), now],
  );
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000)
    await db.query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, [row.id, now]);
  // A token never does more than its user's role allows now, whatever it was created with.
  const role = scopesOf(row.role);
  return {
    via: "token",
    userId: row.user_id,
    username: row.username,
    role: row.role,
    scopes: row.scopes.filter((s) => role.includes(s)),
    tokenId: row.id,
  };
}
