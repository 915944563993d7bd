import { z } from "zod";
import { DetenteError } from "../../errors.js";
import type { Queryable, Store } from "../../store/open.js";
import { CONTROL_CHARACTER, parseInput, toDate } from "./input.js";
import { PREFIX_LENGTH, generateKey, hashKey, looksLikeKey, newKeyId } from "./key-material.js";

export { createKeyVerifier } from "./key-verifier.js";

/** Who a verified gateway key speaks for. A key with a `tool` works only for that tool. */
export interface Principal {
  readonly keyId: string;
  readonly user: string;
  readonly team: string;
  readonly tool: string | null;
}

export type KeyStatus = "active" | "expired" | "revoked";

/** A stored key as lists show it: never the key itself, nor its hash. */
export interface KeyInfo {
  readonly id: string;
  /** The first characters of the key (`dtk_` and 8 more), to recognise it. */
  readonly prefix: string;
  readonly name: string;
  readonly user: string;
  readonly team: string;
  readonly tool: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly status: KeyStatus;
}

/** A new key: its plaintext (shown once, never stored) and what is stored about it. */
export interface CreatedKey extends KeyInfo {
  readonly key: string;
}

const label = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_CHARACTER.test(s), "must not contain control characters");

/** Tool ids as the gateway names tools from their User-Agent: `claude-code`, `cursor`, `codex`. */
const TOOL_ID = /^[a-z0-9][a-z0-9._-]*$/;

export const createKeyInput = z.object({
  name: z
    .string()
    .trim()
    .max(200)
    .refine((s) => !CONTROL_CHARACTER.test(s), "must not contain control characters")
    .optional(),
  user: label(200),
  team: label(200),
  tool: z
    .string()
    .trim()
    .toLowerCase()
    .min(1)
    .max(64)
    .regex(TOOL_ID, "must be a tool id such as claude-code or cursor")
    .optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateKeyInput = z.input<typeof createKeyInput>;

const COLUMNS = `id, prefix, name, user_name, team, tool, created_at, expires_at, revoked_at, last_used_at`;
const DAY_MS = 86_400_000;
/** Ids are 32 random bits; a clash is rare enough that a few new draws always settle it. */
const ID_ATTEMPTS = 8;

/**
 * Create a gateway key for a user in a team, optionally bound to one tool and expiring after some days.
 * The returned `key` is the only copy of the plaintext: the store keeps its SHA-256 and a short prefix.
 *
 * @example
 * const created = await createKey({ ctx: { store, now }, input: { user: "alice", team: "payments", tool: "cursor", expiresInDays: 90 } });
 * console.log(created.key); // "dtk_..." — show once
 */
export async function createKey({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date };
  input: CreateKeyInput;
}): Promise<CreatedKey> {
  const q = parseInput(createKeyInput, input);
  const { key, hash, prefix } = generateKey();
  const expiresAt =
    q.expiresInDays === undefined ? null : new Date(ctx.now.getTime() + q.expiresInDays * DAY_MS);
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
    const rows = await ctx.store.query(
      `INSERT INTO ai_keys (id, hash, prefix, name, user_name, team, tool, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [newKeyId(), hash, prefix, q.name ?? "", q.user, q.team, q.tool ?? null, ctx.now, expiresAt],
    );
    const row = rows[0];
    if (row) return { key, ...toKeyInfo(row, ctx.now) };
  }
  throw new Error(`no free key id after ${ID_ATTEMPTS} attempts`);
}

/**
 * The stored keys, newest first: usable ones, or every key (revoked and expired too) with
 * `includeRevoked`. Never returns a key or its hash.
 *
 * @example const keys = await listKeys({ ctx: { store, now }, input: { includeRevoked: true } });
 */
export async function listKeys({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date };
  input?: { includeRevoked?: boolean };
}): Promise<KeyInfo[]> {
  const q = parseInput(z.object({ includeRevoked: z.boolean().default(false) }), input ?? {});
  const rows = q.includeRevoked
    ? await ctx.store.query(`SELECT ${COLUMNS} FROM ai_keys ORDER BY created_at DESC, id`)
    : await ctx.store.query(
        `SELECT ${COLUMNS} FROM ai_keys
          WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
          ORDER BY created_at DESC, id`,
        [ctx.now],
      );
  return rows.map((r) => toKeyInfo(r, ctx.now));
}

/**
 * Revoke a key by its id (`key_8f3a2c1d`), its prefix (`dtk_8f3a2c1d`) or the whole key (one that leaked
 * can be revoked without first looking up which it is). Gateways stop accepting it once
 * their cache entry expires (5 seconds by default). Revoking a revoked key changes nothing and returns it;
 * an unknown id is NOT_FOUND, a prefix two keys share is CONFLICT.
 *
 * @example const info = await revokeKey({ ctx: { store, now }, input: { id: "key_8f3a2c1d" } });
 */
export async function revokeKey({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date };
  input: { id: string };
}): Promise<KeyInfo> {
  const q = parseInput(z.object({ id: z.string().trim().min(1).max(100) }), input);
  return ctx.store.transaction(async (tx) => {
    const found = await matching(tx, q.id);
    if (found.length === 0)
      throw new DetenteError(
        "NOT_FOUND",
        `no key with id or prefix "${printable(q.id)}" (see \`detente keys list --all\`)`,
      );
    if (found.length > 1)
      throw new DetenteError(
        "CONFLICT",
        `${found.length} keys start with "${printable(q.id)}": revoke by id (${found.map((r) => String(r.id)).join(", ")})`,
      );
    const [row] = await tx.query(
      `UPDATE ai_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [found[0]!.id, ctx.now],
    );
    return toKeyInfo(row!, ctx.now);
  });
}

function matching(tx: Queryable, idOrPrefix: string): Promise<Record<string, unknown>[]> {
  // FOR UPDATE: two revokes of one key at once both see it and agree on one revoked_at.
  if (looksLikeKey(idOrPrefix))
    return tx.query(`SELECT id FROM ai_keys WHERE hash = $1 FOR UPDATE`, [hashKey(idOrPrefix)]);
  return tx.query(`SELECT id FROM ai_keys WHERE id = $1 OR prefix = $1 FOR UPDATE`, [idOrPrefix]);
}

/**
 * An id as typed, safe to echo in a message: its first 12 characters, as long as an id (`key_` and 8)
 * or a prefix (`dtk_` and 8), so that a key pasted by mistake, even after other text (`Bearer dtk_…`),
 * is never echoed beyond its prefix.
 */
function printable(s: string): string {
  return s.slice(0, PREFIX_LENGTH).replace(/[^\x20-\x7e]/g, "?");
}

function toKeyInfo(r: Record<string, unknown>, now: Date): KeyInfo {
  const expiresAt = toDate(r.expires_at);
  const revokedAt = toDate(r.revoked_at);
  return {
    id: String(r.id),
    prefix: String(r.prefix),
    name: String(r.name),
    user: String(r.user_name),
    team: String(r.team),
    tool: typeof r.tool === "string" ? r.tool : null,
    createdAt: toDate(r.created_at)!,
    expiresAt,
    revokedAt,
    lastUsedAt: toDate(r.last_used_at),
    status: revokedAt ? "revoked" : expiresAt && expiresAt <= now ? "expired" : "active",
  };
}
