import { describe, expect, it } from "vitest";
import { DEFAULT_AI_POLICY, parseAiPolicy } from "./parse.js";
import { routeModel } from "./route.js";
import { examplePolicy } from "./testing.js";
import { matchesAny, wildcardMatch } from "./wildcard.js";

describe("wildcardMatch", () => {
  it.each([
    ["gpt-*", "gpt-4o-mini", true],
    ["gpt-*", "gpt-", true],
    ["gpt-*", "chatgpt-4o-latest", false],
    ["o1*", "o1", true],
    ["o1*", "o1-mini", true],
    ["o1*", "o3-mini", false],
    ["*", "", true],
    ["*", "accounts/fireworks/models/llama-v3p1-70b", true],
    ["*-coder*", "qwen2.5-coder:32b", true],
    ["claude-*-4*", "claude-sonnet-4-20250514", true],
    ["claude-*-4*", "claude-3-5-sonnet", false],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbYcZ", false],
    ["gpt-4o", "gpt-4o", true],
    ["gpt-4o", "GPT-4o", false],
    ["", "", true],
    ["", "x", false],
  ])("%s against %s is %s", (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it("decides patterns that defeat backtracking matchers", () => {
    // `*a*a*a...*b` against a long run of `a`s is exponential for naive backtracking.
    const pattern = `${"*a".repeat(40)}*b`;
    expect(wildcardMatch(pattern, "a".repeat(512))).toBe(false);
    expect(wildcardMatch(pattern, `${"a".repeat(511)}b`)).toBe(true);
  });

  it("matches any of a list", () => {
    expect(matchesAny(["cursor", "claude-*"], "claude-code")).toBe(true);
    expect(matchesAny([], "claude-code")).toBe(false);
  });
});

describe("routeModel", () => {
  it("routes the default model families to their vendors", () => {
    const cases: [string, string | null][] = [
      ["gpt-4o", "openai"],
      ["o1-preview", "openai"],
      ["o3-mini", "openai"],
      ["o4-mini", "openai"],
      ["chatgpt-4o-latest", "openai"],
      ["text-embedding-3-large", "openai"],
      ["codex-mini-latest", "openai"],
      ["claude-sonnet-4-20250514", "anthropic"],
      ["claude-3-5-haiku-latest", "anthropic"],
      ["o2-large", null],
      ["llama3", null],
      ["Claude-sonnet-4", null],
    ];
    for (const [model, upstream] of cases)
      expect(routeModel(DEFAULT_AI_POLICY, model)?.upstream ?? null).toBe(upstream);
  });

  it("sends the `as` name upstream and carries the upstream's hosting", () => {
    const policy = examplePolicy();
    expect(routeModel(policy, "qwen2.5-coder")).toEqual({
      upstream: "local",
      model: "qwen2.5-coder:32b",
      requested: "qwen2.5-coder",
      hosting: "self-hosted",
    });
    expect(routeModel(policy, "azure-gpt-4o")).toEqual({
      upstream: "azure",
      model: "gpt4o-prod",
      requested: "azure-gpt-4o",
      hosting: "external",
    });
    expect(routeModel(policy, "gpt-4o-mini")).toEqual({
      upstream: "openai",
      model: "gpt-4o-mini",
      requested: "gpt-4o-mini",
      hosting: "external",
    });
  });

  it("takes the first entry that matches", () => {
    const policy = parseAiPolicy(
      {
        upstreams: {
          openai: { type: "openai" },
          zdr: { type: "openai", hosting: "zero-retention", apiKey: { env: "OPENAI_ZDR_KEY" } },
        },
        models: [
          { name: "gpt-4o", upstream: "zdr" },
          { name: "gpt-*", upstream: "openai" },
        ],
      },
      "detente.yaml",
    );
    expect(routeModel(policy, "gpt-4o")).toMatchObject({ upstream: "zdr", hosting: "zero-retention" });
    expect(routeModel(policy, "gpt-4o-mini")).toMatchObject({ upstream: "openai", hosting: "external" });
  });

  it("routes nothing for an empty or over-long name", () => {
    expect(routeModel(DEFAULT_AI_POLICY, "")).toBeNull();
    expect(routeModel(DEFAULT_AI_POLICY, `gpt-${"x".repeat(300)}`)).toBeNull();
  });
});
