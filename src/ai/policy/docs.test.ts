import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../config/load.js";
import { authorize } from "./access.js";
import { decideRequest } from "./decide.js";
import { DEFAULT_AI_POLICY, parseAiPolicy } from "./parse.js";
import { routeModel } from "./route.js";
import { CONTRACTOR, DEV, detection as d } from "./testing.js";
import type { AiPolicy, Caller } from "./types.js";

/** The YAML blocks of docs/ai-policy.md, in order, so the documented examples stay valid. */
function blocks(): string[] {
  const doc = readFileSync(join(import.meta.dirname, "../../../docs/ai-policy.md"), "utf8");
  const fence = "```";
  return doc
    .split(`${fence}yaml\n`)
    .slice(1)
    .map((rest) => rest.slice(0, rest.indexOf(`${fence}\n`)));
}

function decide(policy: AiPolicy, model: string, caller: Caller, ...found: ReturnType<typeof d>[]) {
  const route = routeModel(policy, model);
  if (!route) throw new Error(`${model} does not route`);
  return decideRequest({ policy, caller, route, detections: found });
}

describe("docs/ai-policy.md", () => {
  const [complete, defaults, ...examples] = blocks();

  it("the complete example loads and decides as the text after it says", () => {
    const policy = parseConfig(complete ?? "", "detente.yaml").ai;
    const rerouted = decide(policy, "gpt-4o", DEV, d("source-code", "python"), d("pii", "email"));
    expect(rerouted.action).toBe("reroute");
    expect(rerouted.route.requested).toBe("qwen2.5-coder");
    expect(rerouted.redact).toEqual([]);
    const key = decide(policy, "gpt-4o", DEV, d("secret", "aws-access-key-id"));
    expect(key.action).toBe("block");
    expect(key.message).toContain("use an environment variable reference");
    const code = decide(policy, "gpt-4o-mini", CONTRACTOR, d("source-code", "python"));
    expect(code.action).toBe("block");
    expect(code.message).toContain("you may not use that model");
  });

  it("the defaults block is the default policy", () => {
    expect(parseConfig(defaults ?? "", "detente.yaml").ai).toEqual(DEFAULT_AI_POLICY);
  });

  it("every example loads on top of the complete example", () => {
    const base = (parse(complete ?? "") as { ai: Record<string, unknown> }).ai;
    expect(examples).toHaveLength(4);
    const [codeAtHome, contractors, zeroRetention, scoped] = examples.map((example) =>
      parseAiPolicy({ ...base, ...(parse(example) as Record<string, unknown>) }, "detente.yaml"),
    );
    expect(decide(codeAtHome!, "claude-sonnet-4", DEV, d("source-code", "go")).route.upstream).toBe("local");
    const mini = routeModel(contractors!, "gpt-4o-mini")!;
    expect(authorize(contractors!, CONTRACTOR, mini)).toEqual({ ok: true });
    expect(authorize(contractors!, { ...CONTRACTOR, tool: "copilot" }, mini)).toMatchObject({
      reason: "tool",
    });
    expect(authorize(contractors!, CONTRACTOR, routeModel(contractors!, "gpt-4o")!)).toMatchObject({
      reason: "model",
    });
    const pii = decide(zeroRetention!, "gpt-4o", DEV, d("pii", "email"));
    expect([pii.action, pii.route.upstream, pii.route.model]).toEqual(["reroute", "openai-zdr", "gpt-4o"]);
    expect(decide(scoped!, "gpt-4o", DEV, d("secret", "gcp-service-account-key")).action).toBe("block");
    expect(decide(scoped!, "gpt-4o", DEV, d("secret", "generic-api-key")).action).toBe("warn");
  });
});
