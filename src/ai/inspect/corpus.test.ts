import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createInspector, type InspectorOptions } from "./index.js";
import type { TextRole } from "./types.js";

/**
 * The labelled corpus in test/fixtures/inspect/ (see its README): every positive must be found with its
 * labelled type, and no negative may produce a secret or PII detection.
 */
interface Case {
  readonly id: string;
  readonly text: string;
  readonly role?: TextRole;
  readonly expect: readonly { readonly type: string; readonly dataClass: string }[];
}

const dir = new URL("../../../test/fixtures/inspect/", import.meta.url);
const cases = readFileSync(new URL("corpus.jsonl", dir), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Case);
const options = JSON.parse(readFileSync(new URL("options.json", dir), "utf8")) as Omit<
  InspectorOptions,
  "hashKey"
>;
const inspector = createInspector({ ...options, hashKey: "corpus" });

describe("inspection corpus", () => {
  it("has at least 300 positives and 300 hard negatives", () => {
    expect(cases.filter((c) => c.expect.length > 0).length).toBeGreaterThanOrEqual(300);
    expect(cases.filter((c) => c.expect.length === 0).length).toBeGreaterThanOrEqual(300);
  });

  it("finds every positive with its labelled type", () => {
    const missed: string[] = [];
    for (const c of cases.filter((k) => k.expect.length > 0)) {
      const types = new Set(inspector.inspect(c.text, c.role ?? "user").map((d) => d.type));
      for (const e of c.expect)
        if (!types.has(e.type)) missed.push(`${c.id}: expected ${e.type}, found [${[...types].join(", ")}]`);
    }
    expect(missed).toEqual([]);
  });

  it("reports no secret or PII in any negative", () => {
    const noisy: string[] = [];
    for (const c of cases.filter((k) => k.expect.length === 0)) {
      const hits = inspector
        .inspect(c.text, c.role ?? "user")
        .filter((d) => d.dataClass === "secret" || d.dataClass === "pii");
      if (hits.length > 0)
        noisy.push(`${c.id}: ${hits.map((d) => `${d.type} "${c.text.slice(d.start, d.end)}"`).join(", ")}`);
    }
    expect(noisy).toEqual([]);
  });
});
