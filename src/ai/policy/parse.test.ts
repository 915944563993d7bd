import { describe, expect, it } from "vitest";
import { DEFAULT_AI_POLICY, fieldPath, parseAiPolicy } from "./parse.js";
import { responsePlan } from "./response.js";
import { EXAMPLE_SECTION } from "./testing.js";

describe("parseAiPolicy defaults", () => {
  it("gives the documented policy for an absent or empty section", () => {
    for (const raw of [undefined, null, {}])
      expect(parseAiPolicy(raw, "detente.yaml")).toEqual(DEFAULT_AI_POLICY);
    const p = DEFAULT_AI_POLICY;
    expect(p.failMode).toBe("closed");
    expect(Object.keys(p.upstreams)).toEqual(["openai", "anthropic"]);
    expect(p.upstreams.openai).toEqual({
      name: "openai",
      type: "openai",
      baseUrl: "https://api.openai.com/v1",
      apiKey: { env: "OPENAI_API_KEY" },
      hosting: "external",
      formats: ["openai"],
      timeoutMs: 600_000,
      headers: {},
    });
    expect(p.upstreams.anthropic).toMatchObject({
      baseUrl: "https://api.anthropic.com",
      apiKey: { env: "ANTHROPIC_API_KEY" },
      formats: ["anthropic"],
      hosting: "external",
    });
    expect(p.models.map((m) => `${m.name}->${m.upstream}`)).toEqual([
      "gpt-*->openai",
      "o1*->openai",
      "o3*->openai",
      "o4*->openai",
      "chatgpt-*->openai",
      "text-embedding-*->openai",
      "codex-*->openai",
      "claude-*->anthropic",
    ]);
    expect(p.access.default).toEqual({ tools: ["*"], upstreams: ["*"], models: ["*"] });
    expect(p.rules).toEqual([
      { data: ["secret"], action: "block" },
      { data: ["pii"], to: ["external", "zero-retention"], action: "redact" },
      { data: ["confidential"], action: "warn" },
      { data: ["injection"], action: "warn" },
      { data: ["source-code"], action: "allow" },
    ]);
    expect(p.responses).toMatchObject({ secret: "redact", "unsafe-code": "warn", pii: "allow" });
    expect(p.detectors).toEqual({
      pii: true,
      sourceCode: true,
      injection: true,
      unsafeCode: true,
      allowlist: [],
      confidential: { domains: [], dictionaries: {}, patterns: [] },
    });
    expect(p.gateway).toEqual({
      host: "127.0.0.1",
      port: 8787,
      maxBodyBytes: 33_554_432,
      inspectionCache: 4096,
    });
  });

  it("replaces the default rules, models and upstreams entirely when they are given", () => {
    const p = parseAiPolicy({ rules: [{ data: "secret", action: "warn" }] }, "detente.yaml");
    expect(p.rules).toEqual([{ data: ["secret"], action: "warn" }]);
    expect(p.models).toEqual(DEFAULT_AI_POLICY.models);

    const m = parseAiPolicy({ models: [{ name: "gpt-4o", upstream: "openai" }] }, "detente.yaml");
    expect(m.models).toEqual([{ name: "gpt-4o", upstream: "openai" }]);
    expect(m.rules).toEqual(DEFAULT_AI_POLICY.rules);
  });

  it("keeps only the default models whose upstream is defined when upstreams are given", () => {
    const p = parseAiPolicy(
      { upstreams: { anthropic: { type: "anthropic", apiKey: { file: "/run/secrets/anthropic" } } } },
      "detente.yaml",
    );
    expect(p.models).toEqual([{ name: "claude-*", upstream: "anthropic" }]);
    expect(p.upstreams.anthropic?.apiKey).toEqual({ file: "/run/secrets/anthropic" });
  });

  it("merges responses, detectors and gateway settings field by field", () => {
    const p = parseAiPolicy(
      {
        responses: { pii: "redact" },
        detectors: { pii: { types: ["email", "iban"] }, injection: false, confidential: { labels: [] } },
        gateway: { port: 9000 },
      },
      "detente.yaml",
    );
    expect(p.responses).toMatchObject({ pii: "redact", secret: "redact", "unsafe-code": "warn" });
    expect(p.detectors.pii).toEqual({ types: ["email", "iban"] });
    expect(p.detectors.injection).toBe(false);
    expect(p.detectors.sourceCode).toBe(true);
    // An empty label list turns the inspector's default labels off; absent keeps them.
    expect(p.detectors.confidential.labels).toEqual([]);
    expect(DEFAULT_AI_POLICY.detectors.confidential.labels).toBeUndefined();
    expect(p.gateway).toEqual({
      host: "127.0.0.1",
      port: 9000,
      maxBodyBytes: 33_554_432,
      inspectionCache: 4096,
    });
    expect(parseAiPolicy({ gateway: { inspectionCache: 0 } }, "x.yaml").gateway.inspectionCache).toBe(0);
    expect(parseAiPolicy({ gateway: { workers: "auto" } }, "x.yaml").gateway.workers).toBe("auto");
    expect(parseAiPolicy({ gateway: { workers: 3 } }, "x.yaml").gateway.workers).toBe(3);
    expect(parseAiPolicy({ detectors: { pii: false } }, "x.yaml").detectors.pii).toBe(false);
  });

  it("fills each upstream type's defaults", () => {
    const p = parseAiPolicy(EXAMPLE_SECTION, "detente.yaml");
    expect(p.upstreams.azure).toMatchObject({
      type: "azure-openai",
      baseUrl: "https://contoso.openai.azure.com",
      apiVersion: "2024-10-21",
      hosting: "external",
      formats: ["openai"],
      apiKey: { file: "/run/secrets/azure-openai" },
    });
    expect(p.upstreams.local).toMatchObject({
      baseUrl: "http://127.0.0.1:11434/v1",
      hosting: "self-hosted",
      formats: ["openai", "anthropic"],
    });
    expect(p.upstreams.local?.apiKey).toBeUndefined();
    const bare = parseAiPolicy(
      {
        upstreams: { vllm: { type: "openai-compatible", baseUrl: "https://llm.internal/v1/" } },
        models: [{ name: "*", upstream: "vllm" }],
      },
      "x.yaml",
    );
    expect(bare.upstreams.vllm).toMatchObject({
      baseUrl: "https://llm.internal/v1",
      hosting: "self-hosted",
      formats: ["openai"],
    });
  });

  it("normalises one value or a list, and compares teams, users and tools without case", () => {
    const p = parseAiPolicy(
      {
        access: { users: { "Alice@Example.com": { tools: "Cursor" } } },
        rules: [{ data: ["pii", "secret"], to: "external", tools: ["Cursor"], action: "block" }],
      },
      "x.yaml",
    );
    expect(p.access.users["alice@example.com"]).toEqual({ tools: ["cursor"] });
    expect(p.rules[0]).toEqual({
      data: ["pii", "secret"],
      to: ["external"],
      tools: ["cursor"],
      action: "block",
    });
  });
});

describe("fieldPath", () => {
  it("writes indexes and names that are not plain words in brackets", () => {
    expect(fieldPath(["rules", 2, "action"])).toBe("ai.rules[2].action");
    expect(fieldPath(["access", "users", "alice@example.com", "tools"])).toBe(
      'ai.access.users["alice@example.com"].tools',
    );
    expect(fieldPath(["responses", "source-code"])).toBe("ai.responses.source-code");
    expect(fieldPath([])).toBe("ai");
  });
});

describe("responsePlan", () => {
  it("masks, blocks and warns by class from responses", () => {
    expect(responsePlan(DEFAULT_AI_POLICY)).toEqual({ mask: ["secret"], block: [], warn: ["unsafe-code"] });
    const p = parseAiPolicy({ responses: { pii: "redact", secret: "block", injection: "warn" } }, "x.yaml");
    expect(responsePlan(p)).toEqual({ mask: ["pii"], block: ["secret"], warn: ["injection", "unsafe-code"] });
  });
});
