import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NOW, daysAfterNow, resetStore, tableRows } from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { createKey, listKeys, revokeKey, type CreateKeyInput } from "./keys.js";

describe.each(STORE_BACKENDS)("gateway keys on $name", (backend) => {
  let t: TestStore;
  const ctx = (now = NOW) => ({ store: t.store, now });
  const create = (input: CreateKeyInput, now = NOW) => createKey({ ctx: ctx(now), input });

  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(async () => {
    await resetStore(t.store);
  });

  it("creates a dtk_ key with a short id, a display prefix and the principal it names", async () => {
    const k = await create({
      user: " alice ",
      team: "payments",
      tool: "Cursor",
      name: "laptop",
      expiresInDays: 90,
    });
    expect(k.key).toMatch(/^dtk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(k.key.slice(4), "base64url")).toHaveLength(32);
    expect(k.id).toMatch(/^key_[0-9a-f]{8}$/);
    expect(k.prefix).toBe(k.key.slice(0, 12));
    expect(k).toMatchObject({
      name: "laptop",
      user: "alice",
      team: "payments",
      tool: "cursor",
      createdAt: NOW,
      expiresAt: daysAfterNow(90),
      revokedAt: null,
      lastUsedAt: null,
      status: "active",
    });
    const other = await create({ user: "alice", team: "payments" });
    expect(other.key).not.toBe(k.key);
    expect(other.id).not.toBe(k.id);
    expect(other).toMatchObject({ tool: null, expiresAt: null, name: "" });
  });

  it("stores the key's SHA-256 and never the key: no column of ai_keys holds it or its secret part", async () => {
    const k = await create({ user: "alice", team: "payments", tool: "cursor" });
    const rows = await tableRows(t.store, "ai_keys");
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.hash).toBe(createHash("sha256").update(k.key).digest("hex"));
    const secretPart = k.key.slice(12); // everything the prefix does not show
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : JSON.stringify(value);
      expect(text, column).not.toContain(k.key);
      expect(text, column).not.toContain(secretPart);
      expect(text, column).not.toContain(secretPart.slice(0, 16));
    }
    // And what lists return has neither the key nor its hash.
    const listed = JSON.stringify(await listKeys({ ctx: ctx(), input: { includeRevoked: true } }));
    expect(listed).toContain(k.id);
    expect(listed).not.toContain(secretPart);
    expect(listed).not.toContain(String(row.hash));
  });

  it("rejects a missing, empty, over-long or control-character user or team, and a bad tool or expiry", async () => {
    const bad: unknown[] = [
      { team: "payments" },
      { user: "alice" },
      { user: "", team: "payments" },
      { user: "   ", team: "payments" },
      { user: "alice", team: "x".repeat(201) },
      { user: "alice\u001b[31m", team: "payments" },
      { user: "alice", team: "payments", tool: "my tool" },
      { user: "alice", team: "payments", tool: "" },
      { user: "alice", team: "payments", expiresInDays: 0 },
      { user: "alice", team: "payments", expiresInDays: 1.5 },
      { user: "alice", team: "payments", expiresInDays: 100_000 },
    ];
    for (const input of bad) {
      const error = await create(input as CreateKeyInput).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(DetenteError);
      expect((error as DetenteError).code, JSON.stringify(input)).toBe("INVALID_INPUT");
    }
    expect(await tableRows(t.store, "ai_keys")).toEqual([]);
  });

  it("lists usable keys newest first; with includeRevoked also revoked and expired ones, with their status", async () => {
    const old = await create({ user: "alice", team: "payments", expiresInDays: 1 }, daysAfterNow(-10));
    const revoked = await create({ user: "bob", team: "web" }, daysAfterNow(-5));
    const active = await create({ user: "chen", team: "data", tool: "codex" }, daysAfterNow(-1));
    const newest = await create({ user: "dana", team: "data" });
    await revokeKey({ ctx: ctx(), input: { id: revoked.id } });

    const usable = await listKeys({ ctx: ctx() });
    expect(usable.map((k) => k.id)).toEqual([newest.id, active.id]);
    const all = await listKeys({ ctx: ctx(), input: { includeRevoked: true } });
    expect(all.map((k) => [k.id, k.status])).toEqual([
      [newest.id, "active"],
      [active.id, "active"],
      [revoked.id, "revoked"],
      [old.id, "expired"],
    ]);
    expect(all.find((k) => k.id === revoked.id)?.revokedAt).toEqual(NOW);
  });

  it("revokes by id, by prefix or by the whole key; a second revoke keeps the first time", async () => {
    const a = await create({ user: "alice", team: "payments" });
    const b = await create({ user: "bob", team: "web" });
    const c = await create({ user: "chen", team: "data" });
    expect(await revokeKey({ ctx: ctx(), input: { id: a.id } })).toMatchObject({
      id: a.id,
      status: "revoked",
    });
    expect(await revokeKey({ ctx: ctx(), input: { id: b.prefix } })).toMatchObject({
      id: b.id,
      revokedAt: NOW,
    });
    expect(await revokeKey({ ctx: ctx(), input: { id: c.key } })).toMatchObject({
      id: c.id,
      status: "revoked",
    });
    const again = await revokeKey({ ctx: ctx(daysAfterNow(1)), input: { id: a.id } });
    expect(again.revokedAt).toEqual(NOW);
    expect(await listKeys({ ctx: ctx() })).toEqual([]);
  });

  it("refuses an unknown id with NOT_FOUND and a prefix two keys share with CONFLICT, naming no key", async () => {
    const a = await create({ user: "alice", team: "payments" });
    const unknown = await revokeKey({ ctx: ctx(), input: { id: "key_00000000" } }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(DetenteError);
    expect((unknown as DetenteError).code).toBe("NOT_FOUND");
    // A whole key that is not ours is echoed only as far as its prefix.
    const stranger = "dtk_" + "Q".repeat(43);
    const error = await revokeKey({ ctx: ctx(), input: { id: stranger } }).catch((e: unknown) => e);
    expect((error as DetenteError).code).toBe("NOT_FOUND");
    expect((error as DetenteError).message).not.toContain(stranger);

    // 48 bits of prefix make a clash unlikely, not impossible: a second row with the same prefix.
    await t.store.query(
      `INSERT INTO ai_keys (id, hash, prefix, user_name, team, created_at) VALUES ('key_ffffffff', $1, $2, 'x', 'y', $3)`,
      ["0".repeat(64), a.prefix, NOW],
    );
    const clash = await revokeKey({ ctx: ctx(), input: { id: a.prefix } }).catch((e: unknown) => e);
    expect((clash as DetenteError).code).toBe("CONFLICT");
    expect((clash as DetenteError).message).toContain(a.id);
    expect((await listKeys({ ctx: ctx() })).map((k) => k.status)).toEqual(["active", "active"]);
  });
});
