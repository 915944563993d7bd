import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  eventually,
  startTestGateway,
  UPSTREAM_KEYS,
  type TestGateway,
} from "../../../test/helpers/gateway.js";

// Source code only to the self-hosted model; contractors only get Cursor with gpt-4o-mini.
const POLICY = `  rules:
    - { data: secret, action: block }
    - { data: pii, to: [external, zero-retention], action: redact }
    - { data: source-code, to: external, action: reroute, model: qwen2.5-coder }
  access:
    default: { tools: ["*"], upstreams: ["*"], models: ["*"] }
    teams:
      contractors: { tools: [cursor], models: ["gpt-4o-mini"] }
`;

const CODE = `import { createHash } from "node:crypto";

export function fingerprint(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(p);
    h.update("\\u0000");
  }
  return h.digest("hex").slice(0, 16);
}

export class Ledger {
  private readonly entries = new Map<string, number>();
  add(account: string, cents: number): void {
    this.entries.set(account, (this.entries.get(account) ?? 0) + cents);
  }
}
`;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ extraYaml: POLICY });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

describe("the policy decides where a request may go", () => {
  it("reroutes source code from an external provider to the self-hosted model", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: `Review this:\n\n${CODE}` }] })
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("reroute");
    expect(response.headers.get("x-detente-route")).toBe("local/qwen2.5-coder:32b");
    expect(data.choices[0]?.message.content).toContain("export function fingerprint");
    const up = gw.fake.requests.at(-1)!;
    expect((up.json as { model: string }).model).toBe("qwen2.5-coder:32b");
    // The self-hosted upstream gets its own credential, not OpenAI's.
    expect(up.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.FAKE_LOCAL_KEY}`);
    const event = await eventually(() => gw.events.find((e) => e.action === "reroute"), "the reroute event");
    expect(event).toMatchObject({
      modelRequested: "gpt-4o",
      modelRouted: "qwen2.5-coder",
      modelUsed: "qwen2.5-coder:32b",
      upstream: "local",
    });
    expect(event.reasons.join(" ")).toMatch(/source/i);
  });

  it("keeps a team to its tools and models, and says what it may use instead", async () => {
    const key = await gw.keyFor({ user: "bob@contractor.example", team: "contractors" });
    const viaSdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    // The OpenAI SDK is not Cursor.
    const wrongTool = await viaSdk.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(wrongTool).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((wrongTool as Error).message).toMatch(/cursor/i);

    const cursor = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: key,
      maxRetries: 0,
      defaultHeaders: { "user-agent": "Cursor/1.7.44" },
    });
    const ok = await cursor.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(ok.choices[0]?.message.content).toBe("You said: hi");
    const wrongModel = await cursor.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(wrongModel).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((wrongModel as Error).message).toContain("gpt-4o-mini");

    const models = await cursor.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["gpt-4o-mini"]);
    // Only the allowed request reached the upstream (the rest are model listings).
    expect(gw.fake.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("refuses a key bound to one tool when another assistant uses it", async () => {
    const key = await gw.keyFor({ user: "carol@example.com", team: "payments", tool: "cursor" });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: {
        "x-api-key": key,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        "user-agent": "claude-cli/2.0.14 (external, cli)",
      },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("permission_error");
    expect(body.error.message).toContain("cursor");
  });
});
