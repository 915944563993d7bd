import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { countRows, resetStore } from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import { createEventWriter, listEvents, type AiEvent } from "./events.js";
import { anEvent, eventMix } from "./testing.js";

const START = new Date("2026-11-20T00:00:00Z");

describe.each(STORE_BACKENDS)("AI event writer on $name", (backend) => {
  let t: TestStore;
  const stored = () => countRows(t.store, "ai_events");

  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(async () => {
    await resetStore(t.store);
  });

  it("queues without waiting for the database, writes full batches, and flush() waits for the rest", async () => {
    const events = eventMix(1234, START);
    const writer = createEventWriter({ store: t.store, batchSize: 100, flushMs: 60_000 });
    for (const e of events) writer.write(e);
    // write() returned 1,234 times without a single await: nothing can have been stored yet.
    expect(writer.stats).toEqual({ written: 0, dropped: 0, queued: 1234 });
    await writer.flush();
    expect(writer.stats).toEqual({ written: 1234, dropped: 0, queued: 0 });
    expect(await stored()).toBe(1234);
    const listed = await listEvents({ ctx: { store: t.store }, input: { limit: 10_000 } });
    expect(listed.map((e) => e.requestId)).toEqual(events.map((e) => e.requestId).reverse());
    await writer.close();
  });

  it("writes a small batch on its own once flushMs has passed", async () => {
    const writer = createEventWriter({ store: t.store, batchSize: 1000, flushMs: 20 });
    for (const e of eventMix(3, START)) writer.write(e);
    await vi.waitFor(
      async () => {
        expect(await stored()).toBe(3);
      },
      { timeout: 20_000 },
    );
    expect(writer.stats).toEqual({ written: 3, dropped: 0, queued: 0 });
    await writer.close();
  });

  it("close() flushes what is queued; events written after close are counted as dropped", async () => {
    const writer = createEventWriter({ store: t.store, batchSize: 1000, flushMs: 600_000 });
    for (const e of eventMix(10, START)) writer.write(e);
    await writer.close();
    expect(await stored()).toBe(10);
    writer.write(anEvent());
    expect(writer.stats).toEqual({ written: 10, dropped: 1, queued: 0 });
    expect(await stored()).toBe(10);
  });

  it("bounds the queue: what does not fit is dropped and counted", async () => {
    const writer = createEventWriter({ store: t.store, batchSize: 1000, flushMs: 600_000, maxQueue: 5 });
    for (const e of eventMix(8, START)) writer.write(e);
    expect(writer.stats).toEqual({ written: 0, dropped: 3, queued: 5 });
    await writer.close();
    expect(writer.stats).toEqual({ written: 5, dropped: 3, queued: 0 });
    expect(await stored()).toBe(5);
  });

  it("a database failure drops the batch after one retry, counts it, reports no content and throws nothing", async () => {
    const errors: unknown[] = [];
    const writer = createEventWriter({
      store: t.store,
      batchSize: 1000,
      flushMs: 600_000,
      onError: (e) => errors.push(e),
    });
    const secretish = anEvent({
      requestId: "req_SENTINEL_1",
      modelRequested: "model-SENTINEL-2",
      reasons: ["SENTINEL-3"],
    });
    await t.store.query(`ALTER TABLE ai_events RENAME TO ai_events_away`);
    try {
      for (let i = 0; i < 7; i++) writer.write(secretish);
      await expect(writer.flush()).resolves.toBeUndefined();
    } finally {
      await t.store.query(`ALTER TABLE ai_events_away RENAME TO ai_events`);
    }
    expect(writer.stats).toEqual({ written: 0, dropped: 7, queued: 0 });
    expect(errors).toHaveLength(1);
    const error = errors[0] as DetenteError;
    expect(error).toBeInstanceOf(DetenteError);
    expect(error.code).toBe("UPSTREAM");
    expect(error.message).toMatch(/^dropped 7 AI events/);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain("SENTINEL");
    expect(await stored()).toBe(0);

    // The writer carries on once the store is back.
    writer.write(anEvent({ requestId: "req_after" }));
    await writer.close();
    expect(writer.stats).toEqual({ written: 1, dropped: 7, queued: 0 });
    expect(await stored()).toBe(1);
  });

  it("stores every field as given, and bounds or cleans what the store could not take", async () => {
    const exact = eventMix(9, START);
    const odd: AiEvent = anEvent({
      at: new Date("2026-11-20T01:00:00Z"),
      requestId: "req_odd",
      modelRequested: 'tab\there\nnewline \\ back\\slash "quoted" ünïcödé 🙂 \ud800 nul\0',
      modelUsed: "m".repeat(100_000),
      reasons: ['{braces}, "commas"', "back\\slash", "nul\0byte"],
      detections: [
        {
          dataClass: "secret",
          type: "github-token",
          count: 2,
          where: "response",
          // A value passed by mistake where a keyed hash belongs is not kept.
          hashes: ["0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ghp_not-a-hash-but-a-token"],
        },
      ],
      latencyMs: Number.NaN,
      overheadMs: -1,
      ttftMs: Number.POSITIVE_INFINITY,
      tokensIn: 2 ** 40,
      tokensOut: 12.7,
    });
    const invalid = anEvent({ requestId: "req_bad_time", at: new Date("not a date") });
    const errors: unknown[] = [];
    const writer = createEventWriter({ store: t.store, onError: (e) => errors.push(e) });
    for (const e of [...exact, odd, invalid]) writer.write(e);
    await writer.close();
    expect(writer.stats).toEqual({ written: 10, dropped: 1, queued: 0 });
    expect((errors[0] as DetenteError).code).toBe("INVALID_INPUT");

    const listed = await listEvents({ ctx: { store: t.store }, input: { limit: 100 } });
    const byRequest = new Map(listed.map(({ id, ...e }) => [e.requestId, { id, e }]));
    for (const e of exact) expect(byRequest.get(e.requestId)?.e, e.requestId).toEqual(e);
    expect(new Set(listed.map((e) => e.id)).size).toBe(10);

    const got = byRequest.get("req_odd")!.e;
    expect(got.modelRequested).toBe('tab\there\nnewline \\ back\\slash "quoted" ünïcödé 🙂 \ufffd nul');
    expect(got.modelUsed).toBe("m".repeat(200));
    expect(got.reasons).toEqual(['{braces}, "commas"', "back\\slash", "nulbyte"]);
    expect(got.detections).toEqual([
      {
        dataClass: "secret",
        type: "github-token",
        count: 2,
        where: "response",
        hashes: ["0a1b2c3d4e5f60718293a4b5c6d7e8f9"],
      },
    ]);
    expect(got).toMatchObject({
      latencyMs: 0,
      overheadMs: 0,
      ttftMs: null,
      tokensIn: 2_147_483_647,
      tokensOut: 12,
    });
  });
});
