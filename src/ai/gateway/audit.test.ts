import { describe, expect, it } from "vitest";
import type { Detection } from "../inspect/types.js";
import { DetectionTally } from "./audit.js";

/** Detections of one class and type whose keyed hashes are `hashes`, counting how often a hash is read. */
function detections(dataClass: Detection["dataClass"], type: string, hashes: readonly string[]) {
  const reads = { n: 0 };
  const list = hashes.map((h, i): Detection => {
    const d = { dataClass, type, start: i, end: i + 1, confidence: 0.9 } as Omit<Detection, "hash">;
    Object.defineProperty(d, "hash", {
      enumerable: true,
      get: () => {
        reads.n++;
        return h;
      },
    });
    return d as Detection;
  });
  return { list, reads };
}

describe("the audit event's detections", () => {
  it("keeps every count, and up to 20 distinct hashes of a value type out of at most 80 worked out", () => {
    // One password repeated 30 times, then two others: all three kept.
    const { list, reads } = detections("secret", "password", [...Array<string>(30).fill("A"), "B", "C"]);
    const tally = new DetectionTally();
    tally.add("request", list);
    expect(tally.list()).toEqual([
      { dataClass: "secret", type: "password", count: 32, where: "request", hashes: ["A", "B", "C"] },
    ]);
    expect(reads.n).toBe(32);

    // A value repeated 10,000 times costs at most 80 hashes, and one found after them is not hashed.
    const many = detections("pii", "email", [...Array<string>(10_000).fill("X"), "Y"]);
    const again = new DetectionTally();
    again.add("request", many.list);
    expect(again.list()[0]).toMatchObject({ count: 10_001, hashes: ["X"] });
    expect(many.reads.n).toBe(80);

    // 25 distinct values: the first 20.
    const distinct = Array.from({ length: 25 }, (_, i) => `h${i}`);
    const d = detections("secret", "github-token", distinct);
    const third = new DetectionTally();
    third.add("request", d.list);
    expect(third.list()[0]!.hashes).toEqual(distinct.slice(0, 20));
    expect(d.reads.n).toBe(20);
  });

  it("keeps the hashes of the first 3 detections of a span type, and counts every one", () => {
    const blocks = detections("source-code", "source-code", [...Array<string>(29).fill("S"), "T"]);
    const tally = new DetectionTally();
    tally.add("request", blocks.list);
    expect(tally.list()[0]).toMatchObject({ count: 30, hashes: ["S"] });
    expect(blocks.reads.n).toBe(3);
    // Request and answer are kept apart, each with its own bound.
    const answer = detections("unsafe-code", "tls-verification-disabled", ["U", "V", "W", "Z"]);
    tally.add("response", answer.list);
    expect(tally.list()[1]).toMatchObject({ where: "response", count: 4, hashes: ["U", "V", "W"] });
    expect(tally.summary("request")).toBe("source-code=30");
  });
});
