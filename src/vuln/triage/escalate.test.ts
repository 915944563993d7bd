import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { formatBudget, parseBudget } from "./budget.js";
import { escalate, escalateRanked, type EscalationCandidate } from "./escalate.js";
import type { CisaOutcome } from "./types.js";

function c(outcome: CisaOutcome, score: number, escalatable = true): EscalationCandidate {
  return { outcome, score, escalatable };
}

const mixed = [
  c("track", 90), // 0
  c("attend", 40), // 1
  c("act", 20), // 2
  c("track*", 70), // 3
  c("attend", 80), // 4
  c("act", 60), // 5
  c("track", 10), // 6
  c("attend", 40), // 7: ties with 1
  c("act", 99, false), // 8: closed
  c("track*", 5), // 9
];

describe("escalate", () => {
  it("takes the top of the order: outcome first, then score, then input order", () => {
    const r = escalate(mixed, { count: 5 });
    expect([...r.escalated]).toEqual([5, 2, 4, 1, 7]);
    expect(r).toMatchObject({ limit: 5, escalatable: 9, acts: 2, actOverflow: 0 });
  });

  it("escalates nothing but Acts at 0%", () => {
    const r = escalate(mixed, { percent: 0 });
    expect([...r.escalated]).toEqual([5, 2]);
    expect([r.limit, r.actOverflow]).toEqual([0, 2]);
  });

  it("escalates every escalatable finding at 100%, never a closed one", () => {
    const r = escalate(mixed, { percent: 100 });
    expect([...r.escalated]).toEqual([5, 2, 4, 1, 7, 3, 9, 0, 6]);
    expect(r.limit).toBe(9);
  });

  it("rounds a percentage up, so a non-zero budget escalates at least one", () => {
    const ten = Array.from({ length: 10 }, (_, i) => c("attend", i));
    expect(escalate(ten, { percent: 5 }).limit).toBe(1);
    expect(escalate(ten, { percent: 20 }).limit).toBe(2);
    expect(escalate(ten, { percent: 21 }).limit).toBe(3);
    expect([...escalate(ten, { percent: 5 }).escalated]).toEqual([9]);
  });

  it("takes everything when the count is larger than the list", () => {
    const r = escalate([c("track", 1), c("attend", 2)], { count: 25 });
    expect([...r.escalated]).toEqual([1, 0]);
    expect(r.limit).toBe(25);
  });

  it("escalates all Acts past the budget and reports the overflow", () => {
    const acts = Array.from({ length: 6 }, (_, i) => c("act", i * 10));
    const r = escalate([...acts, c("attend", 100)], { count: 4 });
    expect([...r.escalated]).toEqual([5, 4, 3, 2, 1, 0]);
    expect([r.acts, r.actOverflow]).toEqual([6, 2]);
  });

  it("keeps input order among equal keys", () => {
    const ties = Array.from({ length: 8 }, () => c("attend", 50));
    expect([...escalate(ties, { count: 3 }).escalated]).toEqual([0, 1, 2]);
  });

  it("fills the budget only from the policy's lowest outcome up", () => {
    const r = escalate(mixed, { count: 8 }, { from: "attend" });
    expect([...r.escalated]).toEqual([5, 2, 4, 1, 7]);
  });

  it("handles an empty list", () => {
    expect(escalate([], { percent: 5 })).toMatchObject({ limit: 0, acts: 0, actOverflow: 0, escalatable: 0 });
  });

  it("gives the same answer from parallel typed arrays", () => {
    const ranks = Int8Array.from(mixed, (m) =>
      m.escalatable === false ? -1 : ["track", "track*", "attend", "act"].indexOf(m.outcome),
    );
    const scores = Float32Array.from(mixed, (m) => m.score);
    expect([...escalateRanked(ranks, scores, { count: 5 }).escalated]).toEqual([5, 2, 4, 1, 7]);
    expect(() => escalateRanked(ranks, new Float32Array(3), { count: 1 })).toThrow(RangeError);
  });

  it("agrees with a full sort on a large random list", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const outcomes: CisaOutcome[] = ["track", "track*", "attend", "act"];
    const items = Array.from({ length: 20_000 }, () =>
      c(outcomes[Math.floor(rand() * rand() * 4)]!, Math.round(rand() * 1000) / 10, rand() > 0.1),
    );
    const r = escalate(items, { percent: 5 });
    const rank = (x: EscalationCandidate) => ["track", "track*", "attend", "act"].indexOf(x.outcome);
    const sorted = items
      .map((x, i) => i)
      .filter((i) => items[i]!.escalatable !== false)
      .sort(
        (a, b) =>
          rank(items[b]!) * 1000 + items[b]!.score - (rank(items[a]!) * 1000 + items[a]!.score) || a - b,
      );
    const acts = sorted.filter((i) => items[i]!.outcome === "act").length;
    expect([...r.escalated]).toEqual(sorted.slice(0, Math.max(r.limit, acts)));
  });
});

describe("parseBudget", () => {
  it.each([
    ["5%", { percent: 5 }],
    ["2.5%", { percent: 2.5 }],
    ["100%", { percent: 100 }],
    ["0%", { percent: 0 }],
    ["25", { count: 25 }],
    [" 0 ", { count: 0 }],
  ])("reads %j", (text, budget) => {
    expect(parseBudget(text, "--budget")).toEqual(budget);
    expect(parseBudget(formatBudget(budget), "--budget")).toEqual(budget);
  });

  it.each(["", "five", "-5", "5.5", "101%", "5%%", "1e3", "%"])("rejects %j naming the flag", (text) => {
    try {
      parseBudget(text, "--budget");
      expect.unreachable();
    } catch (e) {
      expect(isDetenteError(e, "INVALID_INPUT")).toBe(true);
      expect((e as Error).message).toMatch(
        /^--budget: expected a percentage like "5%" \(0% to 100%\) or a count like "25"/,
      );
    }
  });
});
