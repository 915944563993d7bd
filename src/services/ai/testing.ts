import type { AiEvent } from "./event-row.js";

/**
 * Builders for AI audit tests (here, in the CLI tests and the gateway's): a complete, plausible event a
 * test overrides field by field, and a deterministic mix of events over teams, tools, upstreams, actions
 * and an hour per event, so list and summary results can be computed in memory and compared.
 *
 * @example
 * writer.write(anEvent({ action: "block", reasons: ["secret to vendor X"] }));
 * for (const e of eventMix(200, start)) writer.write(e);
 */
export function anEvent(overrides: Partial<AiEvent> = {}): AiEvent {
  return {
    at: new Date("2026-11-23T11:00:00Z"),
    requestId: "req_0001",
    keyId: "key_0a1b2c3d",
    user: "alice",
    team: "payments",
    tool: "claude-code",
    endpoint: "messages",
    upstream: "anthropic",
    provider: "anthropic",
    modelRequested: "claude-sonnet-4-5",
    modelUsed: "claude-sonnet-4-5",
    modelRouted: "claude-sonnet-4-5",
    stream: true,
    action: "allow",
    status: 200,
    reasons: [],
    detections: [],
    latencyMs: 812,
    overheadMs: 1.25,
    ttftMs: 240,
    tokensIn: 1200,
    tokensOut: 350,
    requestHash: "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60",
    error: null,
    ...overrides,
  };
}

const TEAMS = ["payments", "web", "data"] as const;
const USERS = ["alice", "bob", "chen", "dana", "eve"] as const;
const TOOLS = ["claude-code", "cursor", "codex", null] as const;
const UPSTREAMS = [
  { upstream: "anthropic", provider: "anthropic", model: "claude-sonnet-4-5" },
  { upstream: "openai", provider: "openai", model: "gpt-5" },
  { upstream: "azure-eu", provider: "azure-openai", model: "gpt-5-mini" },
] as const;
const ACTIONS = ["allow", "allow", "allow", "redact", "warn", "block", "reroute", "deny", "error"] as const;

/**
 * `count` events one minute apart from `start`, cycling through teams, users, tools (one in four with
 * none), upstreams and actions; redacted and blocked events carry detections.
 *
 * @example const events = eventMix(180, new Date("2026-11-20T00:00:00Z"));
 */
export function eventMix(count: number, start: Date): AiEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const route = UPSTREAMS[i % UPSTREAMS.length]!;
    const action = ACTIONS[i % ACTIONS.length]!;
    const denied = action === "deny";
    const rerouted = action === "reroute";
    return anEvent({
      at: new Date(start.getTime() + i * 60_000),
      requestId: `req_${String(i).padStart(4, "0")}`,
      keyId: denied ? null : `key_${(i % 5).toString(16).padStart(8, "0")}`,
      user: denied ? null : USERS[i % USERS.length]!,
      team: denied ? null : TEAMS[i % TEAMS.length]!,
      tool: TOOLS[i % TOOLS.length]!,
      endpoint: i % 2 === 0 ? "messages" : "chat.completions",
      upstream: denied ? null : route.upstream,
      provider: denied ? null : route.provider,
      modelRequested: route.model,
      modelUsed: denied ? null : rerouted ? "local-llama" : route.model,
      modelRouted: denied ? null : rerouted ? "local-coder" : route.model,
      stream: i % 3 !== 0,
      action,
      status: denied ? 401 : action === "block" ? 403 : action === "error" ? 502 : 200,
      reasons: action === "allow" ? [] : [`policy said ${action}`],
      detections:
        action === "redact" || action === "block"
          ? [
              {
                dataClass: "secret",
                type: "aws-access-key-id",
                count: 1 + (i % 2),
                where: "request",
                hashes: [(i * 7919).toString(16).padStart(32, "0")],
              },
              { dataClass: "pii", type: "email", count: 2, where: "request", hashes: [] },
            ]
          : [],
      latencyMs: 100 + i,
      overheadMs: (i % 8) * 0.25,
      ttftMs: i % 3 !== 0 ? 50 + i : null,
      tokensIn: denied ? null : 1000 + i,
      tokensOut: denied ? null : 100 + i,
      requestHash: i.toString(16).padStart(32, "0"),
      error: denied ? "invalid_api_key" : action === "error" ? "upstream_502" : null,
    });
  });
}
