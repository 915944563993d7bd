import { describe, expect, it } from "vitest";
import { BoundedCache } from "./bounded-cache.js";

describe("BoundedCache", () => {
  it("keeps at most its capacity and drops the oldest generation first", () => {
    const cache = new BoundedCache<string, number>(4);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get("k9")).toBe(9);
    expect(cache.get("k0")).toBeUndefined();
  });

  it("keeps keys that are read alive across generations", () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set("hot", 1);
    for (let i = 0; i < 20; i++) {
      cache.set(`cold${i}`, i);
      expect(cache.get("hot")).toBe(1);
    }
    expect(cache.size).toBeLessThanOrEqual(4);
  });

  it("overwrites a key without growing", () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set("a", 1);
    cache.set("a", 2);
    expect(cache.get("a")).toBe(2);
    expect(cache.size).toBe(1);
  });
});
