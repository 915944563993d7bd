import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_BACKENDS, type TestStore } from "../../test/helpers/stores.js";
import {
  arrayLiteral,
  CopyBuffer,
  copyRow,
  copyValue,
  integerArrayLiteral,
  type CopyValue,
} from "./copy-text.js";

// Values a hostile or odd report can carry: every character COPY's text format treats specially, quotes
// and backslashes inside arrays, non-ASCII, and a NUL (which PostgreSQL text cannot hold: dropped).
const ROWS: readonly (readonly CopyValue[])[] = [
  ["plain", 9.8, true, ["1.2.3", "2.0"]],
  ["tab\there, newline\nthere, return\rand back\\slash", -1.5, false, []],
  ['quote " and \\N literally', 0, null, ['a "quoted" one', "back\\slash", "comma,inside", "{braces}", ""]],
  ["naïve — 日本語 ✓", null, true, ["ünïcode"]],
  ["nul\u0000byte", 3, false, ["x\u0000y"]],
];

describe.each(STORE_BACKENDS)("COPY text rows on $name", (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("round-trips every special character through COPY FROM", async () => {
    const back = await t.store.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE copy_rt (n int, s text, x real, b boolean, a text[]) ON COMMIT DROP`);
      await tx.copyFrom(
        "copy_rt",
        ["n", "s", "x", "b", "a"],
        ROWS.map((r, i) => copyRow([i, ...r])).join(""),
      );
      return tx.query<{ s: string; x: number | null; b: boolean | null; a: string[] }>(
        `SELECT s, x, b, a FROM copy_rt ORDER BY n`,
      );
    });
    const strip = (v: string) => v.split("\u0000").join("");
    expect(back).toEqual(
      ROWS.map(([s, x, b, a]) => ({ s: strip(s as string), x, b, a: (a as string[]).map(strip) })),
    );
  });
});

describe("copyRow", () => {
  it("writes NULL as \\N and escapes only what COPY's text format needs", () => {
    expect(copyRow(["a", null, 1, true, ["x"]])).toBe('a\t\\N\t1\tt\t{"x"}\n');
    expect(copyRow(["t\tn\nr\rb\\"])).toBe("t\\tn\\nr\\rb\\\\\n");
  });
});

describe("copyValue", () => {
  it("writes each value as copyRow does, so rows can be built by concatenation", () => {
    for (const row of ROWS) {
      expect(row.map((v) => copyValue(v)).join("\t") + "\n").toBe(copyRow(row));
    }
  });
});

describe("array literals for query parameters", () => {
  it("quote and escape each element as PostgreSQL's array input reads it", () => {
    expect(arrayLiteral(["a", 'b"c', "d\\e", "NULL", ""])).toBe('{"a","b\\"c","d\\\\e","NULL",""}');
    expect(arrayLiteral([])).toBe("{}");
    // NUL cannot be in PostgreSQL text: dropped, as COPY drops it, so a re-import matches what was stored.
    expect(arrayLiteral(["trivy\0", "a\0b"])).toBe('{"trivy","ab"}');
    expect(integerArrayLiteral([1, 22, 333])).toBe("{1,22,333}");
    expect(integerArrayLiteral([])).toBe("{}");
  });
});

describe("CopyBuffer", () => {
  it("gives back every row in order, in pieces that end at the end of a row", () => {
    const rows = new CopyBuffer();
    expect(rows.isEmpty).toBe(true);
    const lines = Array.from({ length: 5000 }, (_, i) => copyRow([i, `row ${i} ${"x".repeat(i % 50)}`]));
    for (const line of lines) rows.push(line);
    expect(rows.isEmpty).toBe(false);
    const pieces = rows.take();
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.endsWith("\n")).toBe(true);
      expect(piece.length).toBeLessThan(64 * 1024);
    }
    expect(pieces.join("")).toBe(lines.join(""));
    expect(rows.isEmpty).toBe(true);
    expect(rows.take()).toEqual([]);
  });
});
