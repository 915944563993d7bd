import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { DetenteError } from "../../errors.js";
import {
  NONE,
  createEventWriter,
  listEvents,
  summarizeEvents,
  type AiEvent,
  type ListEventsInput,
} from "./events.js";
import { eventMix } from "./testing.js";

const START = new Date("2026-11-20T00:00:00Z");
const COUNT = 360; // six hours, one event a minute
const minutes = (n: number): Date => new Date(START.getTime() + n * 60_000);

/** Counts of `key(e)` over events, with null counted under NONE. */
function countBy(events: readonly AiEvent[], key: (e: AiEvent) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const k = key(e) ?? NONE;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = p * (s.length - 1);
  const lo = Math.floor(rank);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (rank - lo);
}

describe.each(STORE_BACKENDS)("AI events list and summary on $name", (backend) => {
  let t: TestStore;
  const events = eventMix(COUNT, START);
  const newestFirst = [...events].reverse();
  const list = (input: ListEventsInput) =>
    listEvents({ ctx: { store: t.store }, input: { limit: 10_000, ...input } });
  const ids = (list: readonly AiEvent[]): string[] => list.map((e) => e.requestId);

  beforeAll(async () => {
    t = await backend.open();
    const writer = createEventWriter({ store: t.store, batchSize: 64 });
    for (const e of events) writer.write(e);
    await writer.close();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("lists newest first, up to the limit (50 by default)", async () => {
    expect(ids(await list({}))).toEqual(ids(newestFirst));
    expect(ids(await listEvents({ ctx: { store: t.store }, input: {} }))).toEqual(
      ids(newestFirst.slice(0, 50)),
    );
    expect(ids(await list({ limit: 7 }))).toEqual(ids(newestFirst.slice(0, 7)));
  });

  it("filters by time, user, team, tool, upstream, model and actions, alone and together", async () => {
    const cases: [ListEventsInput, (e: AiEvent) => boolean][] = [
      [{ since: minutes(300) }, (e) => e.at >= minutes(300)],
      [{ until: minutes(10) }, (e) => e.at < minutes(10)],
      [{ since: minutes(60), until: minutes(120) }, (e) => e.at >= minutes(60) && e.at < minutes(120)],
      [{ user: "bob" }, (e) => e.user === "bob"],
      [{ team: "payments" }, (e) => e.team === "payments"],
      [{ tool: "cursor" }, (e) => e.tool === "cursor"],
      [{ upstream: "azure-eu" }, (e) => e.upstream === "azure-eu"],
      // A model matches what was asked for, the models entry it went to (a reroute changes it), or the
      // name the upstream got (the entry's `as`).
      [{ model: "local-llama" }, (e) => e.modelUsed === "local-llama"],
      [{ model: "local-coder" }, (e) => e.modelRouted === "local-coder"],
      [{ model: "gpt-5" }, (e) => e.modelRequested === "gpt-5" || e.modelUsed === "gpt-5"],
      [{ action: ["block", "redact"] }, (e) => e.action === "block" || e.action === "redact"],
      [
        { team: "web", tool: "claude-code", action: ["allow"], since: minutes(100) },
        (e) => e.team === "web" && e.tool === "claude-code" && e.action === "allow" && e.at >= minutes(100),
      ],
    ];
    for (const [input, keep] of cases) {
      const expected = newestFirst.filter(keep);
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(input)).toBeLessThan(COUNT);
      expect(ids(await list(input)), JSON.stringify(input)).toEqual(ids(expected));
    }
    expect(await list({ user: "nobody" })).toEqual([]);
  });

  it("summarizes counts by action, tool, team and upstream, detections by type and class, and timings", async () => {
    const inRange = events.filter((e) => e.at >= minutes(30) && e.at < minutes(330));
    const summary = await summarizeEvents({
      ctx: { store: t.store },
      input: { since: minutes(30), until: minutes(330) },
    });
    expect(summary.total).toBe(300);
    expect(summary.byAction).toEqual(countBy(inRange, (e) => e.action));
    expect(summary.byTool).toEqual(countBy(inRange, (e) => e.tool));
    expect(summary.byTeam).toEqual(countBy(inRange, (e) => e.team));
    expect(summary.byUpstream).toEqual(countBy(inRange, (e) => e.upstream));
    const byType: Record<string, number> = {};
    const byClass: Record<string, number> = {};
    for (const d of inRange.flatMap((e) => e.detections)) {
      byType[d.type] = (byType[d.type] ?? 0) + d.count;
      byClass[d.dataClass] = (byClass[d.dataClass] ?? 0) + d.count;
    }
    expect(summary.detectionsByType).toEqual(byType);
    expect(summary.detectionsByClass).toEqual(byClass);
    expect(Object.values(summary.byAction)).toEqual(
      [...Object.values(summary.byAction)].sort((a, b) => b - a),
    );
    const latency = inRange.map((e) => e.latencyMs);
    expect(summary.latencyMs?.p50).toBeCloseTo(percentile(latency, 0.5), 6);
    expect(summary.latencyMs?.p95).toBeCloseTo(percentile(latency, 0.95), 6);
    expect(summary.overheadMs?.p95).toBeCloseTo(
      percentile(
        inRange.map((e) => e.overheadMs),
        0.95,
      ),
      6,
    );

    const all = await summarizeEvents({ ctx: { store: t.store }, input: {} });
    expect(all.total).toBe(COUNT);
    expect(all.byTool).toEqual(countBy(events, (e) => e.tool));
  });

  it("summarizes an empty range as zeros", async () => {
    expect(await summarizeEvents({ ctx: { store: t.store }, input: { since: minutes(COUNT) } })).toEqual({
      total: 0,
      byAction: {},
      byTool: {},
      byTeam: {},
      byUpstream: {},
      detectionsByType: {},
      detectionsByClass: {},
      latencyMs: null,
      overheadMs: null,
    });
  });

  it("rejects malformed filters with INVALID_INPUT", async () => {
    for (const input of [
      { limit: 0 },
      { limit: 10_001 },
      { action: ["maybe"] },
      { action: [] },
      { team: "" },
      { since: new Date("nope") },
    ]) {
      const error = await list(input as ListEventsInput).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(DetenteError);
      expect((error as DetenteError).code).toBe("INVALID_INPUT");
    }
  });
});
