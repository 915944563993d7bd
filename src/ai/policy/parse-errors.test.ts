import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { parseAiPolicy } from "./parse.js";

function problem(raw: unknown): string {
  try {
    parseAiPolicy(raw, "detente.yaml");
  } catch (e) {
    expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected the policy to be rejected");
}

describe("parseAiPolicy errors", () => {
  it.each([
    [
      { rules: [{ data: "secret", action: "block" }, {}, { data: "pii", action: "nuke" }] },
      [
        "detente.yaml: ai.rules[1].data: required",
        'detente.yaml: ai.rules[1].action: expected one of "allow", "warn", "redact", "block", "reroute"',
        'detente.yaml: ai.rules[2].action: expected one of "allow", "warn", "redact", "block", "reroute"',
      ],
    ],
    [
      { rules: [{ data: ["pii", "passwords"], action: "block" }] },
      [
        'detente.yaml: ai.rules[0].data[1]: expected one of "secret", "pii", "confidential", "source-code", "injection", "unsafe-code"',
      ],
    ],
    [{ failMode: "maybe" }, ['detente.yaml: ai.failMode: expected one of "closed", "open"']],
    [
      { upstream: {} },
      [
        'detente.yaml: ai: unknown field "upstream" (allowed: failMode, upstreams, models, access, rules, responses, detectors, gateway)',
      ],
    ],
    [
      { models: [{ name: "gpt-*", upstream: "openai", model: "x" }] },
      ['detente.yaml: ai.models[0]: unknown field "model" (allowed: name, upstream, as)'],
    ],
    [
      { rules: [{ data: "secret", action: "block", as: "x" }] },
      [
        'detente.yaml: ai.rules[0]: unknown field "as" (allowed: data, to, action, model, teams, users, tools, types, message)',
      ],
    ],
    [
      { upstreams: { openai: { type: "open-ai" } } },
      [
        'detente.yaml: ai.upstreams.openai.type: expected one of "openai", "anthropic", "azure-openai", "openai-compatible"',
      ],
    ],
    [
      { upstreams: { local: { type: "openai-compatible", baseUrl: "ftp://models.internal" } } },
      ["detente.yaml: ai.upstreams.local.baseUrl: expected an http:// or https:// URL"],
    ],
    [
      { upstreams: { local: { type: "openai-compatible" } }, models: [{ name: "*", upstream: "local" }] },
      ["detente.yaml: ai.upstreams.local.baseUrl: required for type openai-compatible"],
    ],
    [
      { upstreams: { openai: { type: "openai", apiVersion: "2024-10-21" } } },
      ["detente.yaml: ai.upstreams.openai.apiVersion: only used by type azure-openai"],
    ],
    [
      { upstreams: { openai: { type: "openai", headers: { Authorization: "Bearer x" } } } },
      [
        "detente.yaml: ai.upstreams.openai.headers.Authorization: credentials go in apiKey ({ env } or { file }), not in headers",
      ],
    ],
    [
      { upstreams: { openai: { type: "openai", headers: { "X-Team": "a\nInjected: 1", Host: "x" } } } },
      [
        "detente.yaml: ai.upstreams.openai.headers.X-Team: expected a one-line value of printable characters",
        "detente.yaml: ai.upstreams.openai.headers.Host: set by the gateway itself",
      ],
    ],
    [
      { upstreams: { external: { type: "openai" } }, models: [{ name: "*", upstream: "external" }] },
      [
        'detente.yaml: ai.upstreams.external: "external" is a hosting class; give the upstream another name so rules can tell them apart',
      ],
    ],
    [
      { models: [{ name: "mistral-*", upstream: "mistral" }] },
      ['detente.yaml: ai.models[0].upstream: no upstream "mistral" (upstreams: "openai", "anthropic")'],
    ],
    [
      { models: [{ name: "gpt-*", upstream: "openai", as: "gpt-*" }] },
      ["detente.yaml: ai.models[0].as: must be a model name, not a pattern"],
    ],
    [{ models: [] }, ["detente.yaml: ai.models: no entries: no request could be routed"]],
    [
      { upstreams: { local: { type: "openai-compatible", baseUrl: "http://127.0.0.1:11434/v1" } } },
      [
        "detente.yaml: ai.upstreams: none of the default models entries routes to these upstreams; add a models: list",
      ],
    ],
    [
      { rules: [{ data: "pii", to: ["extrenal"], action: "redact" }] },
      [
        'detente.yaml: ai.rules[0].to: "extrenal" is not a hosting class (external, zero-retention, self-hosted) or an upstream name (openai, anthropic)',
      ],
    ],
    [
      { rules: [{ data: "secret", action: "block", model: "gpt-4o" }] },
      ["detente.yaml: ai.rules[0].model: only a reroute names a model"],
    ],
    [
      { rules: [{ data: "source-code", to: "external", action: "reroute" }] },
      [
        "detente.yaml: ai.rules[0].model: required for action reroute: the model to send the request to instead",
      ],
    ],
    [
      { rules: [{ data: "source-code", to: "external", action: "reroute", model: "llama3" }] },
      ['detente.yaml: ai.rules[0].model: "llama3" matches no entry in ai.models'],
    ],
    [
      { rules: [{ data: "source-code", to: "external", action: "reroute", model: "claude-sonnet-4" }] },
      [
        "detente.yaml: ai.rules[0].model: claude-sonnet-4 (anthropic, external) is itself covered by this rule's to: (external), so the reroute would go nowhere; pick a model outside those destinations",
      ],
    ],
    [
      { rules: [{ data: "source-code", action: "reroute", model: "claude-sonnet-4" }] },
      [
        "detente.yaml: ai.rules[0].to: a reroute needs to: (the destinations it moves requests away from); without it every destination, the target included, is covered",
      ],
    ],
    [
      { rules: [{ data: "pii", action: "redact", message: "no" }] },
      [
        "detente.yaml: ai.rules[0].message: only shown when a rule blocks; use it with action block or reroute",
      ],
    ],
    [
      { access: { teams: { contractors: { upstreams: ["azure"], models: ["mistral-large"] } } } },
      [
        'detente.yaml: ai.access.teams.contractors.upstreams: no upstream "azure" (upstreams: "openai", "anthropic")',
        'detente.yaml: ai.access.teams.contractors.models: "mistral-large" matches no entry in ai.models',
      ],
    ],
    [
      { access: { users: { "alice@example.com": { tool: ["cursor"] } } } },
      [
        'detente.yaml: ai.access.users["alice@example.com"]: unknown field "tool" (allowed: tools, upstreams, models)',
      ],
    ],
    [
      { detectors: { pii: { types: ["mail"] } } },
      [
        "detente.yaml: ai.detectors.pii: expected true, false or { types: [...] } with types among email, phone, payment-card, iban, us-ssn, ipv4, ipv6",
      ],
    ],
    [
      {
        detectors: {
          confidential: { domains: ["corp"], patterns: [{ name: "ticket", pattern: "/(a+)+/" }] },
        },
      },
      ["detente.yaml: ai.detectors.confidential.domains[0]: expected a domain name such as corp.example.com"],
    ],
    [
      { gateway: { port: 70000, maxBodyBytes: 10, workers: 0 } },
      [
        "detente.yaml: ai.gateway.port: expected a port number from 0 to 65535",
        "detente.yaml: ai.gateway.maxBodyBytes: expected at least 1024 bytes",
        'detente.yaml: ai.gateway.workers: expected a number of processes from 1 to 64, or "auto"',
      ],
    ],
    [
      { gateway: { inspectionCache: -1 } },
      ["detente.yaml: ai.gateway.inspectionCache: expected a number of texts from 0 to 100000"],
    ],
    [
      { gateway: { workers: "many" } },
      ['detente.yaml: ai.gateway.workers: expected a number of processes from 1 to 64, or "auto"'],
    ],
    [
      { responses: { secret: "reroute" } },
      ['detente.yaml: ai.responses.secret: expected one of "allow", "warn", "redact", "block"'],
    ],
    ["strict", ["detente.yaml: ai: expected a mapping of settings"]],
  ])("rejects %j", (raw, lines) => {
    expect(problem(raw).split("\n")).toEqual(lines);
  });

  it("refuses a confidential pattern the inspector would refuse, with the inspector's reason", () => {
    expect(
      problem({ detectors: { confidential: { patterns: [{ name: "ticket", pattern: "/(a+)+/" }] } } }),
    ).toMatch(/^detente\.yaml: ai\.detectors\.confidential\.patterns\[0\]\.pattern: rejected: .*nested/);
    const ok = parseAiPolicy(
      { detectors: { confidential: { patterns: [{ name: "ticket", pattern: "FIN-####" }] } } },
      "x",
    );
    expect(ok.detectors.confidential.patterns).toEqual([{ name: "ticket", pattern: "FIN-####" }]);
  });

  it("refuses an inline API key without repeating it", () => {
    const key = "sk-proj-Zx81mQ2vL0pN4rT7yW9aB3cD5eF6gH8j";
    for (const apiKey of [key, { env: key }, { env: "OPENAI_API_KEY", value: key }]) {
      const message = problem({ upstreams: { openai: { type: "openai", apiKey } } });
      expect(message).toMatch(/^detente\.yaml: ai\.upstreams\.openai\.apiKey: /);
      expect(message).not.toContain(key);
      expect(message).not.toContain("Zx81");
    }
    expect(problem({ upstreams: { openai: { type: "openai", apiKey: key } } })).toBe(
      "detente.yaml: ai.upstreams.openai.apiKey: do not write the key in detente.yaml; give where to read it instead: { env: NAME } or { file: PATH }",
    );
    const url = problem({
      upstreams: { local: { type: "openai-compatible", baseUrl: `https://user:${key}@llm.internal/v1` } },
      models: [{ name: "*", upstream: "local" }],
    });
    expect(url).toBe(
      "detente.yaml: ai.upstreams.local.baseUrl: must not contain a user name or password; put the credential in apiKey",
    );
  });
});
