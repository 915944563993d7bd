import { describe, expect, it } from "vitest";
import { compileGlob, hasWildcard, MAX_GLOB_LENGTH } from "./glob.js";

const path = (pattern: string, text: string): boolean => compileGlob(pattern).test(text);
const host = (pattern: string, text: string): boolean =>
  compileGlob(pattern, { separator: ".", ignoreCase: true }).test(text);

describe("compileGlob", () => {
  it("matches `*` within one path segment only", () => {
    expect(path("prod/*/api", "prod/payments/api")).toBe(true);
    expect(path("prod/*/api", "prod/payments/v2/api")).toBe(false);
    expect(path("prod/*", "prod/")).toBe(true); // `*` may match nothing
    expect(path("*.tf", "main.tf")).toBe(true);
    expect(path("*.tf", "modules/main.tf")).toBe(false);
  });

  it("matches `**` across segments, and `**/` also matches no segment at all", () => {
    expect(path("prod/payments/**", "prod/payments/api/Dockerfile")).toBe(true);
    expect(path("prod/payments/**", "prod/payments/")).toBe(true);
    expect(path("prod/payments/**", "prod/payments")).toBe(false);
    expect(path("prod/**/api", "prod/api")).toBe(true);
    expect(path("prod/**/api", "prod/a/b/c/api")).toBe(true);
    expect(path("prod/**/api", "prod/a/b/c/apis")).toBe(false);
    expect(path("**/Dockerfile", "Dockerfile")).toBe(true);
    expect(path("***/x", "a/b/x")).toBe(true); // runs of stars are one `**`
  });

  it("matches `?` as one character that is not the separator", () => {
    expect(path("web-?", "web-1")).toBe(true);
    expect(path("web-?", "web-12")).toBe(false);
    expect(path("a?b", "a/b")).toBe(false);
    expect(path("caf?", "café")).toBe(true);
    expect(path("x?y", "x😀y")).toBe(true); // one code point, not one UTF-16 unit
  });

  it("treats other characters, including regex ones, literally, and `\\` escapes wildcards", () => {
    expect(path("a.b+c(d)[e]$", "a.b+c(d)[e]$")).toBe(true);
    expect(path("a.b", "aXb")).toBe(false);
    expect(path("file\\*", "file*")).toBe(true);
    expect(path("file\\*", "files")).toBe(false);
    expect(hasWildcard("file\\*")).toBe(false);
    expect(hasWildcard("file*")).toBe(true);
  });

  it("compares host patterns by label and without case", () => {
    expect(host("pay-*.prod.example.com", "PAY-7.prod.example.com")).toBe(true);
    expect(host("*.example.com", "a.b.example.com")).toBe(false);
    expect(host("**.example.com", "a.b.example.com")).toBe(true);
    expect(host("**.example.com", "example.com")).toBe(true);
    expect(host("*.example.com", "example.com")).toBe(false);
  });

  it("does not let literal prefix, suffix and middle overlap", () => {
    expect(path("a*a", "a")).toBe(false);
    expect(path("a*a", "aa")).toBe(true);
    expect(path("ab*bc*cd", "abcd")).toBe(false);
    expect(path("ab*bc*cd", "abbccd")).toBe(true);
    expect(path("*x*y*", "yx")).toBe(false); // middle literals must come in order
    expect(path("*x*y*", "xy")).toBe(true);
    expect(path("**/a/**/b", "a/b")).toBe(true);
    expect(path("**/a/**/b", "q/a/r/s/b")).toBe(true);
    expect(path("**/a/**/b", "q/ab")).toBe(false);
  });

  it("matches empty patterns and empty text sensibly", () => {
    expect(path("", "")).toBe(true);
    expect(path("", "a")).toBe(false);
    expect(path("*", "")).toBe(true);
    expect(path("?", "")).toBe(false);
  });

  it("finishes a pathological pattern on a long input (no backtracking)", () => {
    const text = "a".repeat(200_000);
    expect(path("*a*a*a*a*a*a*b", text)).toBe(false);
    expect(path("**a**a**a**a**a**a**b", text)).toBe(false);
    expect(path("*a*a*a*a*a*a*b", `${text}b`)).toBe(true);
    const many = "*a".repeat(500);
    expect(compileGlob(`${many}b`).test(text.slice(0, 5_000))).toBe(false);
  });

  it("ranks patterns by their literal characters", () => {
    expect(compileGlob("pay-*.prod.example.com").literals).toBeGreaterThan(
      compileGlob("*.prod.example.com").literals,
    );
    expect(compileGlob("a/b").isLiteral).toBe(true);
  });

  it("refuses patterns longer than the limit", () => {
    expect(() => compileGlob("a".repeat(MAX_GLOB_LENGTH + 1))).toThrow(RangeError);
  });
});
