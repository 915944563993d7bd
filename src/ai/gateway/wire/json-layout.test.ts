import { describe, expect, it } from "vitest";
import { seeded } from "../../inspect/testing.js";
import { MAX_RELAID, keepLayout } from "./json-layout.js";

describe("keepLayout", () => {
  it("changes only the values that changed, keeping indentation, spelling and the last newline", () => {
    const file =
      '{\n  "name": "app",\n  "author": "Bob <bob@acme-corp.io>",\n  "ratio": 1.50,\n  "city": "Z\\u00fcrich"\n}\n';
    const value = JSON.parse(file) as Record<string, unknown>;
    value.author = "Bob <[EMAIL_1]>";
    expect(keepLayout(file, JSON.stringify(value))).toBe(file.replace("bob@acme-corp.io", "[EMAIL_1]"));
  });

  it("keeps the layout when a key is renamed, and is right when keys come back in another order", () => {
    expect(keepLayout('{ "ada@x.io": 1 }', '{"[EMAIL_1]":1}')).toBe('{ "[EMAIL_1]": 1 }');
    // Integer-like keys come first in a JavaScript object: every token that moved is rewritten.
    const reordered = keepLayout('{ "b": "ada@x.io", "1": "y" }', '{"1":"y","b":"[EMAIL_1]"}');
    expect(JSON.parse(reordered)).toEqual({ 1: "y", b: "[EMAIL_1]" });
  });

  it("compares integers a double cannot hold as written, so reordered keys keep their own ids", () => {
    const original = '{"b": 12345678901234567891, "1": 12345678901234567892, "c": "ada@x.io"}';
    const next = '{"1":12345678901234567892,"b":12345678901234567891,"c":"[EMAIL_1]"}';
    expect(keepLayout(original, next)).toBe(
      '{"1": 12345678901234567892, "b": 12345678901234567891, "c": "[EMAIL_1]"}',
    );
  });

  it("sends a text above MAX_RELAID as the new serialization, without reading it", () => {
    const big = `[${'"ada@x.io",'.repeat(MAX_RELAID / 10)}0]`;
    const next = big.replaceAll("ada@x.io", "[EMAIL_1]").replaceAll(",", ", ");
    expect(keepLayout(big, next)).toBe(next);
  });

  it("gives the new text as it is when the two do not have the same tokens", () => {
    expect(keepLayout('{"a": [1, 2]}', '{"a":[1]}')).toBe('{"a":[1]}');
    expect(keepLayout('{"a": "unterminated', '{"a":"x"}')).toBe('{"a":"x"}');
  });

  it("always gives a text that parses to the new value (random values, layouts and changes)", () => {
    const rand = seeded(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const leaf = (): unknown =>
      pick([
        () => "mail ada@x.io",
        () => 'Z\u00fcrich "q" \\ \n',
        () => 1.5,
        () => -0,
        () => 10,
        () => null,
        () => true,
      ])();
    const build = (depth: number): unknown => {
      if (depth === 0 || rand() < 0.3) return leaf();
      if (rand() < 0.5) return Array.from({ length: Math.floor(rand() * 4) }, () => build(depth - 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--)
        o[pick(["a", "b", "2", "10", "k\u00e9y"])] = build(depth - 1);
      return o;
    };
    const change = (v: unknown): unknown => {
      if (typeof v === "string") return rand() < 0.5 ? v.replace("ada@x.io", "[EMAIL_1]") : v;
      if (Array.isArray(v)) return v.map(change);
      if (v !== null && typeof v === "object")
        return Object.fromEntries(
          Object.entries(v).map(([k, x]) => [rand() < 0.2 ? `[K]${k}` : k, change(x)]),
        );
      return v;
    };
    for (let i = 0; i < 500; i++) {
      const value = { root: build(4) };
      const original = JSON.stringify(value, null, pick([0, 2, 4, "\t"]));
      const next = JSON.stringify(change(value));
      const out = keepLayout(original, next);
      expect(JSON.parse(out), original).toEqual(JSON.parse(next));
    }
  });
});
