import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { isDetenteError } from "../../errors.js";
import { DEFAULT_AI_POLICY, parseAiPolicy } from "./parse.js";
import { EXAMPLE_SECTION } from "./testing.js";

/** The `ai:` section of docs/ai-policy.md's example, as a user would write it. */
const EXAMPLE_YAML = `# detente.yaml
triage:
  sla: { act: 3 }
ai:
  failMode: closed
  upstreams:
    openai:    { type: openai, apiKey: { env: OPENAI_API_KEY } }
    anthropic: { type: anthropic, apiKey: { env: ANTHROPIC_API_KEY } }
    azure:     { type: azure-openai, baseUrl: "https://contoso.openai.azure.com", apiVersion: "2024-10-21", apiKey: { file: /run/secrets/azure-openai } }
    local:     { type: openai-compatible, baseUrl: "http://127.0.0.1:11434/v1", hosting: self-hosted, formats: [openai, anthropic] }
  models:
    - { name: "gpt-*", upstream: openai }
    - { name: "o1*", upstream: openai }
    - { name: "o3*", upstream: openai }
    - { name: "claude-*", upstream: anthropic }
    - { name: azure-gpt-4o, upstream: azure, as: gpt4o-prod }
    - { name: "qwen2.5-coder", upstream: local, as: "qwen2.5-coder:32b" }
  access:
    default: { tools: ["*"], upstreams: ["*"], models: ["*"] }
    teams:  { contractors: { tools: [cursor], models: ["gpt-4o-mini"] } }
    users:  { "alice@example.com": { tools: ["*"] } }
  rules:
    - { data: secret, action: block }
    - { data: pii, to: [external, zero-retention], action: redact }
    - { data: source-code, to: external, action: reroute, model: qwen2.5-coder }
    - { data: injection, action: warn }
`;

function problem(text: string): string {
  try {
    parseConfig(text, "detente.yaml");
  } catch (e) {
    expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected the configuration to be rejected");
}

/** EXAMPLE_YAML with one line replaced. */
function withLine(match: string, replacement: string): string {
  expect(EXAMPLE_YAML).toContain(match);
  return EXAMPLE_YAML.replace(match, replacement);
}

describe("detente.yaml ai:", () => {
  it("returns the parsed policy beside triage, and the defaults when the section is absent", () => {
    const config = parseConfig(EXAMPLE_YAML, "detente.yaml");
    expect(config.ai).toEqual(parseAiPolicy(EXAMPLE_SECTION, "detente.yaml"));
    expect(config.triage.sla.act).toBe(3);
    expect(parseConfig("triage: {}\n", "detente.yaml").ai).toEqual(DEFAULT_AI_POLICY);
    expect(parseConfig("", "detente.yaml").ai).toEqual(DEFAULT_AI_POLICY);
  });

  it("names the file, the line and the field of each problem", () => {
    const text = withLine("- { data: source-code,", "- { data: source-code, act: block,").replace(
      "- { data: injection, action: warn }",
      "- { data: injection, action: shout }",
    );
    expect(problem(text).split("\n")).toEqual([
      'detente.yaml: line 25: ai.rules[2]: unknown field "act" (allowed: data, to, action, model, teams, users, tools, types, message)',
      'detente.yaml: line 26: ai.rules[3].action: expected one of "allow", "warn", "redact", "block", "reroute"',
    ]);
  });

  it("finds the line of fields under names that are not plain words", () => {
    const text = withLine(
      'users:  { "alice@example.com": { tools: ["*"] } }',
      'users:  { "alice@example.com": { tools: [7] } }',
    );
    expect(problem(text)).toBe(
      'detente.yaml: line 21: ai.access.users["alice@example.com"].tools[0]: expected text',
    );
  });

  it("finds list items and quoted names in block style", () => {
    const text = [
      "ai:",
      "  access:",
      "    users:",
      '      "alice@example.com":',
      "        tools:",
      "          - cursor",
      "          - 7",
      "  rules:",
      "    - data: secret",
      "      action: block",
      "    - data: [pii, passwords]",
      "      action: redact",
      "",
    ].join("\n");
    expect(problem(text).split("\n")).toEqual([
      'detente.yaml: line 7: ai.access.users["alice@example.com"].tools[1]: expected text',
      'detente.yaml: line 11: ai.rules[1].data[1]: expected one of "secret", "pii", "confidential", "source-code", "injection", "unsafe-code"',
    ]);
  });

  it("reports cross-reference problems with their line", () => {
    const text = withLine("model: qwen2.5-coder }", "model: claude-sonnet-4 }");
    expect(problem(text)).toBe(
      "detente.yaml: line 25: ai.rules[2].model: claude-sonnet-4 (anthropic, external) is itself covered by this rule's to: (external), so the reroute would go nowhere; pick a model outside those destinations",
    );
  });

  it("refuses a key written into detente.yaml without printing it", () => {
    const key = "sk-ant-api03-Qm9vYmFyYmF6cXV4cXV1eA";
    const text = withLine("apiKey: { env: ANTHROPIC_API_KEY }", `apiKey: "${key}"`);
    const message = problem(text);
    expect(message).toBe(
      "detente.yaml: line 8: ai.upstreams.anthropic.apiKey: do not write the key in detente.yaml; give where to read it instead: { env: NAME } or { file: PATH }",
    );
    expect(message).not.toContain(key);
  });

  it("keeps triage's messages as they were", () => {
    expect(problem("triage:\n  sla:\n    act: 0\n")).toBe(
      "detente.yaml: line 3: triage.sla.act: expected a positive number of days",
    );
    expect(problem("triage:\n  publicWellbeing:\n    a[b: loud\n")).toBe(
      'detente.yaml: line 3: triage.publicWellbeing.a[b: expected one of "minimal", "material", "irreversible"',
    );
    expect(problem("aii: {}\n")).toBe('detente.yaml: unknown section "aii" (allowed: triage, ai)');
  });
});
