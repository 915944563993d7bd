import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { NOW, resetStore } from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { createKey } from "./keys.js";
import { createStoredResponses } from "./stored-responses.js";

const DAY = 24 * 60 * 60 * 1000;

describe.each(STORE_BACKENDS)("stored responses on $name", (backend) => {
  let t: TestStore;
  let at = NOW.getTime();
  const now = () => new Date(at);
  // Each key's user, as the gateway knows it from the key it verified.
  const users = new Map<string, string>();
  const keyOf = async (user: string, tool?: string) => {
    const { id } = await createKey({
      ctx: { store: t.store, now: NOW },
      input: { user, team: "payments", tool },
    });
    users.set(id, user);
    return id;
  };
  const owner = (keyId: string, upstream = "openai") => ({
    keyId,
    user: users.get(keyId) ?? "nobody",
    upstream,
    model: "gpt-5",
    modelRouted: "gpt-*",
  });

  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(async () => {
    await resetStore(t.store);
    at = NOW.getTime();
  });

  it("finds a response for the user who created it, with any of their keys, and for nobody else", async () => {
    const cursor = await keyOf("alice", "cursor");
    await keyOf("alice", "codex");
    await keyOf("bob");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_1", owner(cursor));
    expect(await stored.find("resp_1", "alice")).toEqual({
      upstream: "openai",
      model: "gpt-5",
      modelRouted: "gpt-*",
    });
    expect(await stored.find("resp_1", "bob")).toBeNull();
    expect(await stored.find("resp_2", "alice")).toBeNull();
  });

  it("keeps a hash of the id, never the id", async () => {
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_secretlooking_0123456789", owner(await keyOf("alice")));
    await stored.flush();
    const rows = await t.store.query(`SELECT * FROM ai_stored_responses`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("resp_secretlooking");
  });

  it("gives an id created again on the same upstream to its new owner, and keeps upstreams apart", async () => {
    const alice = await keyOf("alice");
    const bob = await keyOf("bob");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_1", owner(alice, "local"));
    stored.record("resp_1", owner(alice, "openai"));
    await stored.flush();
    at += 1000;
    // A self-hosted server that reuses its ids: the response is now bob's there.
    stored.record("resp_1", owner(bob, "local"));
    expect(await stored.find("resp_1", "bob")).toMatchObject({ upstream: "local" });
    expect(await stored.find("resp_1", "alice")).toMatchObject({ upstream: "openai" });
  });

  it("writes many at once in few statements, all findable", async () => {
    const alice = await keyOf("alice");
    let inserts = 0;
    const counted = {
      query: <T>(sql: string, params?: unknown[]) => {
        if (sql.includes("INSERT")) inserts++;
        return t.store.query<T>(sql, params);
      },
    };
    const stored = createStoredResponses({ store: counted, now });
    for (let i = 0; i < 1200; i++) stored.record(`resp_${i}`, owner(alice));
    expect(await stored.find("resp_1199", "alice")).not.toBeNull();
    // The first row goes at once; the 1,199 that came meanwhile in batches of up to 500.
    expect(inserts).toBe(4);
    const [row] = await t.store.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM ai_stored_responses`,
    );
    expect(Number(row?.n)).toBe(1200);
  });

  it("finds nothing older than 30 days, sweeps it, and forgets a deleted response", async () => {
    const alice = await keyOf("alice");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_old", owner(alice));
    stored.record("resp_gone", owner(alice));
    await stored.flush();
    stored.forget("resp_gone", "openai");
    await stored.flush(); // waits for the deletion too
    expect(await stored.find("resp_gone", "alice")).toBeNull();
    expect(await stored.find("resp_old", "alice")).not.toBeNull();
    at += 30 * DAY + 1;
    expect(await stored.find("resp_old", "alice")).toBeNull();
    stored.record("resp_new", owner(alice)); // a write sweeps what expired
    await stored.flush();
    expect(await stored.find("resp_new", "alice")).not.toBeNull();
    const rows = await t.store.query(`SELECT key_id FROM ai_stored_responses`);
    expect(rows).toHaveLength(1);
  });

  it("tells whose a response is on an upstream, for a request that continues it", async () => {
    const alice = await keyOf("alice");
    const bob = await keyOf("bob");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_a", owner(alice));
    stored.record("resp_b", owner(bob, "local"));
    expect(await stored.whose("resp_a", "alice", "openai")).toBe("mine");
    expect(await stored.whose("resp_a", "bob", "openai")).toBe("theirs");
    // The same id on another upstream is another response.
    expect(await stored.whose("resp_a", "bob", "local")).toBe("unknown");
    expect(await stored.whose("resp_b", "alice", "openai")).toBe("unknown");
    expect(await stored.whose("resp_b", "alice", "local")).toBe("theirs");
    expect(await stored.whose("resp_never", "alice", "openai")).toBe("unknown");
    at += 30 * DAY + 1;
    expect(await stored.whose("resp_a", "bob", "openai")).toBe("unknown");
  });

  it("tells whose a response is on several upstreams that are one server: its newest creation decides", async () => {
    const alice = await keyOf("alice");
    const bob = await keyOf("bob");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("resp_a", owner(alice, "openai"));
    await stored.flush();
    expect(await stored.whose("resp_a", "bob", "openai-zdr")).toBe("unknown");
    expect(await stored.whose("resp_a", "bob", ["openai-zdr", "openai"])).toBe("theirs");
    expect(await stored.whose("resp_a", "alice", ["openai-zdr", "openai"])).toBe("mine");
    // A server that reuses ids gave it to bob later, through the other name: his now, written or not.
    at += 1000;
    stored.record("resp_a", owner(bob, "openai-zdr"));
    expect(await stored.whose("resp_a", "alice", ["openai", "openai-zdr"])).toBe("theirs");
    await stored.flush();
    expect(await stored.whose("resp_a", "alice", ["openai", "openai-zdr"])).toBe("theirs");
    expect(await stored.whose("resp_a", "bob", ["openai", "openai-zdr"])).toBe("mine");
  });

  it("tells whose several items are at once: anyone else's among them makes them theirs", async () => {
    const alice = await keyOf("alice");
    const bob = await keyOf("bob");
    const stored = createStoredResponses({ store: t.store, now });
    stored.record("msg_a1", owner(alice));
    stored.record("msg_a2", owner(alice));
    stored.record("msg_b1", owner(bob));
    await stored.flush();
    // One waiting row (this instance has yet to write it) among written ones.
    stored.record("msg_a3", owner(alice));
    expect(await stored.whoseAll(["msg_a1", "msg_a2", "msg_a3"], "alice", "openai")).toBe("mine");
    expect(await stored.whoseAll(["msg_a1", "msg_never"], "alice", "openai")).toBe("mine");
    expect(await stored.whoseAll(["msg_a1", "msg_b1"], "alice", "openai")).toBe("theirs");
    expect(await stored.whoseAll(["msg_a3"], "bob", "openai")).toBe("theirs");
    expect(await stored.whoseAll(["msg_never", "msg_nor"], "alice", "openai")).toBe("unknown");
    expect(await stored.whoseAll(["msg_a1"], "alice", "local")).toBe("unknown");
    // More ids than one query takes: bob's is found in the second.
    const many = Array.from({ length: 1500 }, (_, i) => `msg_x${i}`);
    expect(await stored.whoseAll([...many, "msg_b1"], "alice", "openai")).toBe("theirs");
  });

  it("reports a failed write without throwing", async () => {
    let failures = 0;
    const broken = {
      query: () => Promise.reject(new Error("connection refused")),
    };
    const stored = createStoredResponses({ store: broken, now, onError: () => failures++ });
    stored.record("resp_1", owner("key_x"));
    await stored.flush();
    expect(failures).toBeGreaterThan(0);
    // What it cannot answer from memory (not this instance's row) needs the store, which is down.
    await expect(stored.find("resp_1", "alice")).rejects.toThrow();
    await expect(stored.whose("resp_2", "alice", "openai")).rejects.toThrow();
  });

  it("tries a failed row again after a pause, and once more on close, then never again", async () => {
    vi.useFakeTimers();
    try {
      let inserts = 0;
      const broken = {
        query: (sql: string) => {
          if (sql.includes("INSERT")) inserts++;
          return Promise.reject(new Error("connection refused"));
        },
      };
      const stored = createStoredResponses({ store: broken, now });
      stored.record("resp_1", owner("key_x"));
      await vi.advanceTimersByTimeAsync(0);
      expect(inserts).toBe(1);
      await vi.advanceTimersByTimeAsync(1000); // the first pause
      expect(inserts).toBe(2);
      await stored.close(); // one more try, without waiting for the next pause
      expect(inserts).toBe(3);
      await vi.advanceTimersByTimeAsync(10 * 60 * 1000);
      expect(inserts).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not let a late retry overwrite a newer owner another instance wrote", async () => {
    const alice = await keyOf("alice");
    const bob = await keyOf("bob");
    let down = true;
    const flaky = {
      query: <T>(sql: string, params?: unknown[]) =>
        down ? Promise.reject(new Error("connection refused")) : t.store.query<T>(sql, params),
    };
    const first = createStoredResponses({ store: flaky, now });
    first.record("resp_1", owner(alice, "local")); // fails, kept for later
    await first.flush();
    at += 1000;
    // A self-hosted server reuses the id; another instance notes its new owner.
    const second = createStoredResponses({ store: t.store, now });
    second.record("resp_1", owner(bob, "local"));
    await second.flush();
    down = false;
    await first.flush(); // the older row, written late
    expect(await second.whose("resp_1", "bob", "local")).toBe("mine");
  });

  it("does not bring back a response deleted while its failing write was under way", async () => {
    const alice = await keyOf("alice");
    let fail: (() => void) | undefined;
    const gated = {
      query: <T>(sql: string, params?: unknown[]): Promise<T[]> =>
        sql.includes("INSERT") && fail === undefined
          ? new Promise<T[]>((_, reject) => {
              fail = () => {
                reject(new Error("connection reset"));
              };
            })
          : t.store.query<T>(sql, params),
    };
    const stored = createStoredResponses({ store: gated, now });
    stored.record("resp_1", owner(alice)); // its INSERT is under way...
    stored.forget("resp_1", "openai"); // ...when the response is deleted
    fail!();
    await stored.flush();
    expect(await stored.whose("resp_1", "bob", "openai")).toBe("unknown");
    await stored.flush();
    expect(await t.store.query(`SELECT key_id FROM ai_stored_responses`)).toEqual([]);
  });

  it("keeps a row it could not write, answers for it meanwhile, and writes it when the store is back", async () => {
    const alice = await keyOf("alice");
    let down = true;
    let failures = 0;
    const flaky = {
      query: <T>(sql: string, params?: unknown[]) =>
        down ? Promise.reject(new Error("connection refused")) : t.store.query<T>(sql, params),
    };
    const stored = createStoredResponses({ store: flaky, now, onError: () => failures++ });
    stored.record("resp_1", owner(alice));
    await stored.flush();
    expect(failures).toBe(1);
    // Not "unknown" (which anyone may continue): this instance still knows whose it is.
    expect(await stored.whose("resp_1", "bob", "openai")).toBe("theirs");
    expect(await stored.whose("resp_1", "alice", "openai")).toBe("mine");
    expect(await stored.find("resp_1", "alice")).toMatchObject({ upstream: "openai" });
    down = false;
    await stored.flush(); // tries the kept row again now
    const rows = await t.store.query(`SELECT key_id FROM ai_stored_responses`);
    expect(rows).toEqual([{ key_id: alice }]);
    // Every instance sees it now.
    const other = createStoredResponses({ store: t.store, now });
    expect(await other.whose("resp_1", "bob", "openai")).toBe("theirs");
    expect(failures).toBe(1);
  });
});
