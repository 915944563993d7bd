import { describe, expect, it } from "vitest";
import { allowedModels, authorize, effectiveAccess } from "./access.js";
import { DEFAULT_AI_POLICY } from "./parse.js";
import { routeModel } from "./route.js";
import { CONTRACTOR, DEV, examplePolicy } from "./testing.js";
import type { AiPolicy, Route } from "./types.js";

function route(policy: AiPolicy, model: string): Route {
  const r = routeModel(policy, model);
  if (!r) throw new Error(`${model} does not route`);
  return r;
}

const layered = () =>
  examplePolicy({
    access: {
      default: { tools: ["claude-code", "codex"], upstreams: ["openai", "anthropic"], models: ["*"] },
      teams: { Contractors: { tools: ["cursor"], models: ["gpt-4o-mini"] } },
      users: { "Alice@Example.com": { tools: ["*"] }, "carol@example.com": { upstreams: ["local"] } },
    },
  });

describe("effectiveAccess", () => {
  it("takes each field from the user, else the team, else the default", () => {
    const policy = layered();
    expect(effectiveAccess(policy, DEV)).toEqual({
      tools: ["claude-code", "codex"],
      upstreams: ["openai", "anthropic"],
      models: ["*"],
    });
    expect(effectiveAccess(policy, CONTRACTOR)).toEqual({
      tools: ["cursor"],
      upstreams: ["openai", "anthropic"],
      models: ["gpt-4o-mini"],
    });
    // Alice is a contractor whose own entry only widens her tools; her models stay the team's.
    expect(effectiveAccess(policy, { user: "alice@example.com", team: "contractors", tool: "zed" })).toEqual({
      tools: ["*"],
      upstreams: ["openai", "anthropic"],
      models: ["gpt-4o-mini"],
    });
    expect(effectiveAccess(policy, { user: "CAROL@example.com", team: "", tool: "codex" })).toEqual({
      tools: ["claude-code", "codex"],
      upstreams: ["local"],
      models: ["*"],
    });
  });

  it("does not find object built-ins as teams or users", () => {
    const policy = layered();
    expect(effectiveAccess(policy, { user: "constructor", team: "__proto__", tool: "codex" }).tools).toEqual([
      "claude-code",
      "codex",
    ]);
  });
});

describe("authorize", () => {
  it("lets everyone use everything by default", () => {
    expect(authorize(DEFAULT_AI_POLICY, DEV, route(DEFAULT_AI_POLICY, "claude-sonnet-4"))).toEqual({
      ok: true,
    });
  });

  it("allows a contractor only Cursor with gpt-4o-mini", () => {
    const policy = layered();
    expect(authorize(policy, CONTRACTOR, route(policy, "gpt-4o-mini"))).toEqual({ ok: true });
    expect(authorize(policy, { ...CONTRACTOR, tool: "claude-code" }, route(policy, "gpt-4o-mini"))).toEqual({
      ok: false,
      reason: "tool",
      message:
        "claude-code is not approved for you (bob@example.com, team contractors). Approved tools: cursor. Use an approved tool, or ask your admin to allow claude-code.",
    });
    expect(authorize(policy, CONTRACTOR, route(policy, "gpt-4o"))).toEqual({
      ok: false,
      reason: "model",
      message:
        "The model gpt-4o is not approved for you (bob@example.com, team contractors). Approved models for you: gpt-4o-mini. Pick one of those, or ask your admin to allow gpt-4o.",
    });
  });

  it("lets a user entry override the team's tools but not its models", () => {
    const policy = layered();
    const alice = { user: "alice@example.com", team: "contractors", tool: "claude-code" };
    expect(authorize(policy, alice, route(policy, "gpt-4o-mini"))).toEqual({ ok: true });
    expect(authorize(policy, alice, route(policy, "claude-sonnet-4"))).toMatchObject({
      ok: false,
      reason: "model",
    });
  });

  it("refuses an upstream outside the caller's list, saying what is approved", () => {
    const policy = layered();
    expect(authorize(policy, DEV, route(policy, "qwen2.5-coder"))).toEqual({
      ok: false,
      reason: "upstream",
      message:
        "The model qwen2.5-coder is served by local, which is not approved for you (dev@example.com, team platform). Approved for you: any model served by openai, anthropic. Pick one of those, or ask your admin for access to local.",
    });
    const carol = { user: "carol@example.com", team: "", tool: "codex" };
    expect(authorize(policy, carol, route(policy, "qwen2.5-coder"))).toEqual({ ok: true });
    expect(authorize(policy, carol, route(policy, "gpt-4o"))).toMatchObject({
      reason: "upstream",
      message: expect.stringContaining("(carol@example.com).") as unknown,
    });
  });

  it("explains an unrecognised tool and an empty list", () => {
    const policy = examplePolicy({ access: { default: { tools: [] } } });
    expect(authorize(policy, { ...DEV, tool: "unknown" }, route(policy, "gpt-4o"))).toEqual({
      ok: false,
      reason: "tool",
      message:
        "detente could not tell which tool sent this request, and unrecognised tools are not approved for you (dev@example.com, team platform). No tools are approved. Use an approved tool, or ask your admin to allow yours.",
    });
  });

  it("describes approved models by pattern when none is listed by name", () => {
    const policy = examplePolicy({ access: { default: { models: ["claude-*"], upstreams: ["anthropic"] } } });
    expect(authorize(policy, DEV, route(policy, "gpt-4o"))).toMatchObject({
      reason: "model",
      message: expect.stringContaining(
        "Approved for you: models matching claude-* served by anthropic.",
      ) as unknown,
    });
  });
});

describe("allowedModels", () => {
  it("lists the literal names the caller may ask for, in policy order", () => {
    const policy = layered();
    expect(allowedModels(policy, CONTRACTOR)).toEqual(["gpt-4o-mini"]);
    // The developer may use openai and anthropic, which are routed by wildcards only.
    expect(allowedModels(policy, DEV)).toEqual([]);
    expect(allowedModels(policy, { user: "carol@example.com", team: "", tool: "codex" })).toEqual([
      "qwen2.5-coder",
    ]);
    expect(allowedModels(examplePolicy(), DEV)).toEqual(["azure-gpt-4o", "qwen2.5-coder"]);
  });

  it("lists nothing for wildcard-only routing", () => {
    expect(allowedModels(DEFAULT_AI_POLICY, DEV)).toEqual([]);
  });
});
