import type { DataClass, Detection } from "../inspect/types.js";
import { parseAiPolicy } from "./parse.js";
import type { AiPolicy, Caller } from "./types.js";

/**
 * Fixtures for the policy's tests: the example `ai:` section of docs/ai-policy.md and detections as the
 * inspector reports them. Test-only; nothing in src imports it.
 */

/** The documented example: four upstreams, source code kept on the self-hosted model, contractors on Cursor. */
export const EXAMPLE_SECTION = {
  upstreams: {
    openai: { type: "openai", apiKey: { env: "OPENAI_API_KEY" } },
    anthropic: { type: "anthropic", apiKey: { env: "ANTHROPIC_API_KEY" } },
    azure: {
      type: "azure-openai",
      baseUrl: "https://contoso.openai.azure.com",
      apiVersion: "2024-10-21",
      apiKey: { file: "/run/secrets/azure-openai" },
    },
    local: {
      type: "openai-compatible",
      baseUrl: "http://127.0.0.1:11434/v1",
      hosting: "self-hosted",
      formats: ["openai", "anthropic"],
    },
  },
  models: [
    { name: "gpt-*", upstream: "openai" },
    { name: "o1*", upstream: "openai" },
    { name: "o3*", upstream: "openai" },
    { name: "claude-*", upstream: "anthropic" },
    { name: "azure-gpt-4o", upstream: "azure", as: "gpt4o-prod" },
    { name: "qwen2.5-coder", upstream: "local", as: "qwen2.5-coder:32b" },
  ],
  access: {
    default: { tools: ["*"], upstreams: ["*"], models: ["*"] },
    teams: { contractors: { tools: ["cursor"], models: ["gpt-4o-mini"] } },
    users: { "alice@example.com": { tools: ["*"] } },
  },
  rules: [
    { data: "secret", action: "block" },
    { data: "pii", to: ["external", "zero-retention"], action: "redact" },
    { data: "source-code", to: "external", action: "reroute", model: "qwen2.5-coder" },
    { data: "injection", action: "warn" },
  ],
};

/** A fresh copy of the example policy, optionally with some top-level fields replaced. */
export function examplePolicy(overrides: Record<string, unknown> = {}): AiPolicy {
  return parseAiPolicy({ ...structuredClone(EXAMPLE_SECTION), ...overrides }, "detente.yaml");
}

export const DEV: Caller = { user: "dev@example.com", team: "platform", tool: "claude-code" };
export const CONTRACTOR: Caller = { user: "bob@example.com", team: "contractors", tool: "cursor" };

let offset = 0;

/** A detection as the inspector reports it (no matched text, ever). */
export function detection(dataClass: DataClass, type: string): Detection {
  offset += 100;
  return { dataClass, type, start: offset, end: offset + 20, confidence: 0.9, hash: "ab".repeat(16) };
}
