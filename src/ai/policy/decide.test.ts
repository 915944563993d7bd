import { describe, expect, it } from "vitest";
import type { Detection } from "../inspect/types.js";
import { decideRequest } from "./decide.js";
import { DEFAULT_AI_POLICY, parseAiPolicy } from "./parse.js";
import { routeModel } from "./route.js";
import { CONTRACTOR, DEV, detection as d, EXAMPLE_SECTION, examplePolicy } from "./testing.js";
import type { AiPolicy, Caller, RequestDecision } from "./types.js";

function decide(policy: AiPolicy, model: string, detections: readonly Detection[], caller: Caller = DEV) {
  const route = routeModel(policy, model);
  if (!route) throw new Error(`${model} does not route`);
  return decideRequest({ policy, caller, route, detections });
}

/** Nothing user-facing may carry a detection's hash (it is derived from the matched value). */
function expectNoHashes(decision: RequestDecision, detections: readonly Detection[]): void {
  const text = [...decision.reasons, decision.message ?? ""].join("\n");
  for (const x of detections) expect(text).not.toContain(x.hash);
}

describe("decideRequest with the default policy", () => {
  it("allows a request with nothing found", () => {
    expect(decide(DEFAULT_AI_POLICY, "gpt-4o", [])).toEqual({
      action: "allow",
      route: { upstream: "openai", model: "gpt-4o", requested: "gpt-4o", hosting: "external" },
      redact: [],
      reasons: [],
      ruleIndexes: [],
    });
  });

  it("blocks secrets everywhere and says what to do instead", () => {
    const found = [d("secret", "aws-access-key-id"), d("secret", "github-token"), d("pii", "email")];
    const decision = decide(DEFAULT_AI_POLICY, "claude-sonnet-4", found);
    expect(decision.action).toBe("block");
    expect(decision.redact).toEqual([]);
    expect(decision.reasons).toEqual([
      "2 secrets (aws-access-key-id, github-token): blocked everywhere by rule 1 (secret -> block)",
      "1 piece of personal data (email): redacted for claude-sonnet-4 (anthropic, external) by rule 2 (pii to external, zero-retention -> redact)",
    ]);
    expect(decision.message).toBe(
      "detente blocked this request to claude-sonnet-4. It contains 2 secrets (aws-access-key-id, github-token), which may not be sent to any model (rule 1). Remove the secret and use an environment variable reference instead of pasting the key.",
    );
    expect(decision.ruleIndexes).toEqual([0, 1]);
    expectNoHashes(decision, found);
  });

  it("redacts personal data for external models, handing back the very detections to replace", () => {
    const email = d("pii", "email");
    const card = d("pii", "payment-card");
    const decision = decide(DEFAULT_AI_POLICY, "gpt-4o", [email, card, d("source-code", "typescript")]);
    expect(decision.action).toBe("redact");
    expect(decision.redact).toHaveLength(2);
    expect(decision.redact[0]).toBe(email);
    expect(decision.redact[1]).toBe(card);
    expect(decision.reasons).toEqual([
      "2 pieces of personal data (email, payment-card): redacted for gpt-4o (openai, external) by rule 2 (pii to external, zero-retention -> redact)",
      "1 block of source code (typescript): allowed everywhere by rule 5 (source-code -> allow)",
    ]);
    expect(decision.message).toBeUndefined();
  });

  it("warns about prompt injection and confidential labels", () => {
    const decision = decide(DEFAULT_AI_POLICY, "o3-mini", [
      d("confidential", "label"),
      d("injection", "instruction-override"),
      d("injection", "hidden-unicode"),
    ]);
    expect(decision.action).toBe("warn");
    expect(decision.reasons).toEqual([
      "1 confidential item (label): allowed with a warning everywhere by rule 3 (confidential -> warn)",
      "2 prompt-injection attempts (instruction-override, hidden-unicode): allowed with a warning everywhere by rule 4 (injection -> warn)",
    ]);
    expect(decision.ruleIndexes).toEqual([2, 3]);
  });

  it("allows classes no rule covers, and says so", () => {
    const decision = decide(DEFAULT_AI_POLICY, "gpt-4o", [d("unsafe-code", "tls-verify-off")]);
    expect(decision.action).toBe("allow");
    expect(decision.reasons).toEqual(["1 unsafe code pattern (tls-verify-off): allowed (no rule applies)"]);
    expect(decision.ruleIndexes).toEqual([]);
  });

  it("groups many detections into one reason per class and rule", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => d("pii", i % 2 === 0 ? "email" : "phone"));
    const decision = decide(DEFAULT_AI_POLICY, "gpt-4o", many);
    expect(decision.redact).toHaveLength(10_000);
    expect(decision.reasons).toEqual([
      "10000 pieces of personal data (email, phone): redacted for gpt-4o (openai, external) by rule 2 (pii to external, zero-retention -> redact)",
    ]);
  });
});

describe("decideRequest reroutes", () => {
  it("keeps source code on the self-hosted model and decides the rest again there", () => {
    const policy = examplePolicy();
    const found = [d("source-code", "python"), d("pii", "email"), d("injection", "instruction-override")];
    const decision = decide(policy, "gpt-4o", found);
    expect(decision.action).toBe("reroute");
    expect(decision.route).toEqual({
      upstream: "local",
      model: "qwen2.5-coder:32b",
      requested: "qwen2.5-coder",
      hosting: "self-hosted",
    });
    // Personal data is redacted only for external and zero-retention destinations: not for this one.
    expect(decision.redact).toEqual([]);
    expect(decision.reasons).toEqual([
      "1 block of source code (python): rerouted from gpt-4o (openai, external) to qwen2.5-coder (local, self-hosted) by rule 3 (source-code to external -> reroute qwen2.5-coder)",
      "1 prompt-injection attempt (instruction-override): allowed with a warning everywhere by rule 4 (injection -> warn)",
      "1 piece of personal data (email): allowed (no rule applies)",
      "1 block of source code (python): allowed (no rule applies)",
    ]);
    expect(decision.ruleIndexes).toEqual([2, 3]);

    // Without source code the same personal data is redacted on its way to OpenAI.
    const plain = decide(policy, "gpt-4o", [found[1]!]);
    expect(plain.action).toBe("redact");
    expect(plain.redact).toEqual([found[1]]);
  });

  it("blocks after a reroute when the new destination forbids another class", () => {
    const policy = examplePolicy({
      rules: [
        ...EXAMPLE_SECTION.rules,
        {
          data: "confidential",
          to: "local",
          action: "block",
          message: "Keep FIN tickets out of the lab model.",
        },
      ],
    });
    const decision = decide(policy, "gpt-4o", [d("source-code", "go"), d("confidential", "pattern:ticket")]);
    expect(decision.action).toBe("block");
    expect(decision.route.upstream).toBe("local");
    expect(decision.reasons[0]).toBe(
      "1 block of source code (go): rerouted from gpt-4o (openai, external) to qwen2.5-coder (local, self-hosted) by rule 3 (source-code to external -> reroute qwen2.5-coder)",
    );
    expect(decision.reasons[1]).toBe(
      "1 confidential item (pattern:ticket): blocked for qwen2.5-coder (local, self-hosted) by rule 5 (confidential to local -> block)",
    );
    expect(decision.message).toBe(
      "detente blocked this request to qwen2.5-coder. It contains 1 confidential item (pattern:ticket), which may not be sent to qwen2.5-coder (local, self-hosted) (rule 5). Keep FIN tickets out of the lab model. Models that may receive it: azure-gpt-4o.",
    );
    expect(decision.ruleIndexes).toEqual([2, 4]);
  });

  it("turns a reroute to a model the caller may not use into a block that says so", () => {
    const policy = examplePolicy();
    const decision = decide(policy, "gpt-4o-mini", [d("source-code", "java"), d("pii", "email")], CONTRACTOR);
    expect(decision.action).toBe("block");
    expect(decision.route.requested).toBe("gpt-4o-mini");
    expect(decision.redact).toEqual([]);
    expect(decision.reasons).toEqual([
      "1 block of source code (java): blocked, because rule 3 (source-code to external -> reroute qwen2.5-coder) reroutes it from gpt-4o-mini (openai, external) to qwen2.5-coder (local, self-hosted), which you may not use (model not approved)",
    ]);
    expect(decision.message).toBe(
      "detente did not send this request to gpt-4o-mini: it contains 1 block of source code (java), which rule 3 sends to qwen2.5-coder instead, but you may not use that model. The model qwen2.5-coder is not approved for you (bob@example.com, team contractors). Approved models for you: gpt-4o-mini. Pick one of those, or ask your admin to allow qwen2.5-coder.",
    );
    expect(decision.ruleIndexes).toEqual([2]);
  });

  it("refuses a policy that sends a request back and forth", () => {
    const policy = examplePolicy({
      rules: [
        { data: "source-code", to: "external", action: "reroute", model: "qwen2.5-coder" },
        { data: "pii", to: "self-hosted", action: "reroute", model: "gpt-4o" },
      ],
    });
    const decision = decide(policy, "gpt-4o", [d("source-code", "rust"), d("pii", "email")]);
    expect(decision.action).toBe("block");
    expect(decision.message).toBe(
      "detente could not place this request: it contains 1 block of source code (rust) and 1 piece of personal data (email), and the AI policy's rules (1, 2) send it back and forth between models. Ask your admin to fix ai.rules in detente.yaml.",
    );
    expect(decision.ruleIndexes).toEqual([0, 1]);
  });
});

describe("decideRequest with scoped rules", () => {
  const scoped = parseAiPolicy(
    {
      rules: [
        { data: "secret", types: ["aws-access-key-id", "aws-secret-access-key"], action: "block" },
        { data: "secret", action: "warn" },
        {
          data: "pii",
          teams: ["contractors"],
          action: "block",
          message: "Contractors may not share customer data.",
        },
        { data: "pii", users: ["ceo@example.com"], action: "allow" },
        { data: "pii", to: "external", action: "redact" },
        { data: "source-code", tools: ["cursor", "copilot"], to: "external", action: "block" },
      ],
    },
    "detente.yaml",
  );

  it("narrows a rule to detection types", () => {
    const decision = decide(scoped, "gpt-4o", [
      d("secret", "aws-access-key-id"),
      d("secret", "generic-api-key"),
    ]);
    expect(decision.action).toBe("block");
    expect(decision.reasons).toEqual([
      "1 secret (aws-access-key-id): blocked everywhere by rule 1 (secret of type aws-access-key-id, aws-secret-access-key -> block)",
      "1 secret (generic-api-key): allowed with a warning everywhere by rule 2 (secret -> warn)",
    ]);
    const warned = decide(scoped, "gpt-4o", [d("secret", "generic-api-key")]);
    expect(warned.action).toBe("warn");
  });

  it("applies team and user scopes before the general rule", () => {
    const email = d("pii", "email");
    const contractor = decide(scoped, "gpt-4o", [email], CONTRACTOR);
    expect(contractor.action).toBe("block");
    expect(contractor.message).toBe(
      "detente blocked this request to gpt-4o. It contains 1 piece of personal data (email), which may not be sent to any model (rule 3). Contractors may not share customer data.",
    );
    expect(
      decide(scoped, "gpt-4o", [email], { user: "CEO@example.com", team: "exec", tool: "codex" }).action,
    ).toBe("allow");
    expect(decide(scoped, "gpt-4o", [email], DEV).action).toBe("redact");
  });

  it("applies tool scopes", () => {
    const code = [d("source-code", "python")];
    expect(decide(scoped, "gpt-4o", code, { ...DEV, tool: "Cursor" }).action).toBe("block");
    expect(decide(scoped, "gpt-4o", code, DEV).action).toBe("allow");
  });

  it("names models that would accept what was blocked", () => {
    const policy = examplePolicy({
      rules: [{ data: "pii", to: "external", action: "block" }],
    });
    const decision = decide(policy, "claude-sonnet-4", [d("pii", "iban")]);
    expect(decision.message).toBe(
      "detente blocked this request to claude-sonnet-4. It contains 1 piece of personal data (iban), which may not be sent to claude-sonnet-4 (anthropic, external) (rule 1). Remove the personal data or replace it with made-up examples. Models that may receive it: qwen2.5-coder.",
    );
  });
});
