import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { NOW, daysAfterNow, resetStore } from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { generateKey } from "./key-material.js";
import { createKey, createKeyVerifier, revokeKey, type CreatedKey } from "./keys.js";

/** A clock the test moves by hand. */
function manualClock(start: Date): {
  now: () => Date;
  set: (d: Date) => void;
  advance: (ms: number) => void;
} {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    set: (d) => (at = d.getTime()),
    advance: (ms) => (at += ms),
  };
}

describe.each(STORE_BACKENDS)("key verifier on $name", (backend) => {
  let t: TestStore;
  const create = (input: Parameters<typeof createKey>[0]["input"], now = NOW): Promise<CreatedKey> =>
    createKey({ ctx: { store: t.store, now }, input });
  const lastUsed = async (id: string): Promise<Date | null> => {
    const [row] = await t.store.query<{ at: Date | string | null }>(
      `SELECT last_used_at AS at FROM ai_keys WHERE id = $1`,
      [id],
    );
    return row?.at ? new Date(row.at) : null;
  };

  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(async () => {
    await resetStore(t.store);
  });

  it("verifies a created key to its principal, and anything else to null", async () => {
    const k = await create({ user: "alice", team: "payments", tool: "cursor" });
    const any = await create({ user: "bob", team: "web" });
    const keys = createKeyVerifier({ store: t.store, now: () => NOW });
    try {
      expect(await keys.verify(k.key)).toEqual({
        keyId: k.id,
        user: "alice",
        team: "payments",
        tool: "cursor",
      });
      expect(await keys.verify(any.key)).toEqual({ keyId: any.id, user: "bob", team: "web", tool: null });
      const unknown = generateKey().key;
      for (const presented of [
        unknown,
        k.key.slice(0, -1),
        k.key + "x",
        k.key.toUpperCase(),
        k.prefix,
        "sk-proj-" + "a".repeat(40),
        "",
        "dtk_" + "é".repeat(43),
        "x".repeat(1_000_000),
      ]) {
        expect(await keys.verify(presented), presented.slice(0, 20)).toBeNull();
      }
      // Many requests with one key at once all get the same answer.
      const answers = await Promise.all(Array.from({ length: 50 }, () => keys.verify(k.key)));
      expect(new Set(answers.map((p) => p?.keyId))).toEqual(new Set([k.id]));
    } finally {
      await keys.close();
    }
  });

  it("refuses revoked keys and keys past their expiry", async () => {
    const revoked = await create({ user: "alice", team: "payments" });
    await revokeKey({ ctx: { store: t.store, now: NOW }, input: { id: revoked.id } });
    const expiring = await create({ user: "bob", team: "web", expiresInDays: 1 });
    const clock = manualClock(NOW);
    // A cache that outlives the expiry: expiry is checked on every verify, not only on a lookup.
    const keys = createKeyVerifier({ store: t.store, now: clock.now, ttlMs: 7 * 86_400_000 });
    try {
      expect(await keys.verify(revoked.key)).toBeNull();
      expect(await keys.verify(expiring.key)).toMatchObject({ keyId: expiring.id });
      clock.set(new Date(daysAfterNow(1).getTime() - 1));
      expect(await keys.verify(expiring.key)).toMatchObject({ keyId: expiring.id });
      clock.set(daysAfterNow(1));
      expect(await keys.verify(expiring.key)).toBeNull();
    } finally {
      await keys.close();
    }
    const fresh = createKeyVerifier({ store: t.store, now: () => daysAfterNow(2) });
    expect(await fresh.verify(expiring.key)).toBeNull();
    await fresh.close();
  });

  it("sees a revoke made elsewhere once the cache TTL has passed, not before", async () => {
    const k = await create({ user: "alice", team: "payments" });
    const clock = manualClock(NOW);
    const keys = createKeyVerifier({ store: t.store, now: clock.now, ttlMs: 5_000 });
    try {
      expect(await keys.verify(k.key)).not.toBeNull();
      await revokeKey({ ctx: { store: t.store, now: NOW }, input: { id: k.id } });
      clock.advance(4_999);
      expect(await keys.verify(k.key)).not.toBeNull(); // the documented window: still cached
      clock.advance(1);
      expect(await keys.verify(k.key)).toBeNull();
    } finally {
      await keys.close();
    }
  });

  it("refuses a key revoked through this process at once once told (forget), other keys staying cached", async () => {
    const k = await create({ user: "alice", team: "payments" });
    const other = await create({ user: "bob", team: "payments" });
    const clock = manualClock(NOW);
    const keys = createKeyVerifier({ store: t.store, now: clock.now, ttlMs: 5_000 });
    try {
      expect(await keys.verify(k.key)).not.toBeNull();
      expect(await keys.verify(other.key)).not.toBeNull();
      await revokeKey({ ctx: { store: t.store, now: NOW }, input: { id: k.id } });
      keys.forget(k.id);
      expect(await keys.verify(k.key)).toBeNull();
      // Bob's stays cached: a revoke of it elsewhere is not seen before the TTL.
      await revokeKey({ ctx: { store: t.store, now: NOW }, input: { id: other.id } });
      expect(await keys.verify(other.key)).not.toBeNull();

      // A lookup under way when a key is forgotten answers, but what it read is not kept, and a
      // verification after the forget does not join it.
      const late = await create({ user: "carol", team: "payments" });
      const reading = keys.verify(late.key);
      await revokeKey({ ctx: { store: t.store, now: NOW }, input: { id: late.id } });
      keys.forget(late.id);
      const after = keys.verify(late.key);
      await reading;
      expect(await after).toBeNull();
      expect(await keys.verify(late.key)).toBeNull();
    } finally {
      await keys.close();
    }
  });

  it("caches unknown keys for the TTL too", async () => {
    const clock = manualClock(NOW);
    const keys = createKeyVerifier({ store: t.store, now: clock.now, ttlMs: 5_000 });
    try {
      const later = generateKey();
      expect(await keys.verify(later.key)).toBeNull();
      // The key appears in the store (created by another instance) after this instance looked it up.
      await t.store.query(
        `INSERT INTO ai_keys (id, hash, prefix, user_name, team, created_at) VALUES ('key_0000beef', $1, $2, 'eve', 'data', $3)`,
        [later.hash, later.prefix, NOW],
      );
      expect(await keys.verify(later.key)).toBeNull();
      clock.advance(5_000);
      expect(await keys.verify(later.key)).toMatchObject({ keyId: "key_0000beef", user: "eve" });
    } finally {
      await keys.close();
    }
  });

  it("records last use off the request path, at most once a minute per key", async () => {
    const k = await create({ user: "alice", team: "payments" });
    const clock = manualClock(daysAfterNow(1));
    const keys = createKeyVerifier({ store: t.store, now: clock.now });
    await keys.verify(k.key);
    // Written in the background, without close(): wait for it to land (no timing is asserted).
    await vi.waitFor(
      async () => {
        expect(await lastUsed(k.id)).toEqual(daysAfterNow(1));
      },
      { timeout: 20_000 },
    );
    clock.advance(30_000);
    await keys.verify(k.key);
    await keys.close(); // writes whatever is pending: nothing, within the minute
    expect(await lastUsed(k.id)).toEqual(daysAfterNow(1));

    const next = createKeyVerifier({ store: t.store, now: clock.now });
    clock.advance(31_000);
    await next.verify(k.key);
    await next.close();
    expect(await lastUsed(k.id)).toEqual(new Date(daysAfterNow(1).getTime() + 61_000));
  });

  it("fails closed with UPSTREAM when the store cannot answer, quoting nothing of the key", async () => {
    const k = await create({ user: "alice", team: "payments" });
    const keys = createKeyVerifier({ store: t.store, now: () => NOW });
    await t.store.query(`ALTER TABLE ai_keys RENAME TO ai_keys_away`);
    try {
      const error = await keys.verify(k.key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DetenteError);
      expect((error as DetenteError).code).toBe("UPSTREAM");
      expect((error as DetenteError).message).not.toContain(k.key.slice(4, 20));
    } finally {
      await t.store.query(`ALTER TABLE ai_keys_away RENAME TO ai_keys`);
    }
    expect(await keys.verify(k.key)).toMatchObject({ keyId: k.id });
    await keys.close();
  });
});
