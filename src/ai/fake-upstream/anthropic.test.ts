import { Anthropic, AuthenticationError, OverloadedError, RateLimitError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createSseParser } from "../gateway/sse.js";
import { wireFormat } from "../gateway/wire/index.js";
import { aClaudeCodeRequest } from "../gateway/wire/testing.js";
import { startFakeUpstream, type FakeUpstream } from "./index.js";

let fake: FakeUpstream;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeUpstream();
  client = new Anthropic({ baseURL: fake.url, apiKey: "sk-ant-test", maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe("fake upstream, Anthropic messages", () => {
  it("echoes the last user message with usage, and sees the SDK's key and version headers", async () => {
    const msg = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: [{ type: "text", text: "hello [SECRET_1]" }] }],
    });
    expect(msg.content).toEqual([{ type: "text", text: "You said: hello [SECRET_1]" }]);
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/v1/messages");
    // This SDK sends the key as a bearer token; older ones (and Claude Code) send x-api-key: both are accepted.
    expect(req.headers["x-api-key"] ?? req.headers.authorization).toContain("sk-ant-test");
    expect(req.headers["anthropic-version"]).toBeTypeOf("string");
  });

  it("streams the documented event sequence, ping included", async () => {
    fake.respondWith({ kind: "text", text: "Hi from Claude.", chunkSize: 5 });
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, stream: true, messages: [] }),
    });
    const events = createSseParser().push(new Uint8Array(await res.arrayBuffer()));
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const wire = wireFormat("anthropic-messages");
    let text = "";
    const usage: { input?: number; output?: number } = {};
    for (const e of events) {
      const ev = { event: e.event!, data: JSON.parse(e.data) as Record<string, unknown> };
      for (const s of wire.streamTexts(ev)) text += s.text;
      Object.assign(usage, wire.streamUsage(ev));
    }
    expect(text).toBe("Hi from Claude.");
    expect(usage.output).toBeGreaterThan(1);
  });

  it("works with the SDK's message stream helper, for text and for tool use", async () => {
    const stream = client.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "ping" }],
    });
    let deltas = 0;
    stream.on("text", () => deltas++);
    const final = await stream.finalMessage();
    expect(final.content[0]).toEqual({ type: "text", text: "You said: ping" });
    expect(deltas).toBeGreaterThan(1);

    fake.respondWith({
      kind: "tool-call",
      name: "Bash",
      arguments: { command: "ls -la", description: "List files" },
    });
    const tool = await client.messages
      .stream({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "list" }] })
      .finalMessage();
    expect(tool.stop_reason).toBe("tool_use");
    expect(tool.content[0]).toMatchObject({
      type: "tool_use",
      name: "Bash",
      input: { command: "ls -la", description: "List files" },
    });
  });

  it("takes a full Claude Code request and counts its tokens", async () => {
    const body = aClaudeCodeRequest();
    // Claude Code streams; its request (thinking, cache_control, tools, an image) goes through whole.
    const res = await client.messages.stream(body as unknown as Anthropic.MessageStreamParams).finalMessage();
    expect(res.content[0]).toEqual({ type: "text", text: "You said: Here is a screenshot of the error." });
    const count = await client.messages.countTokens({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "x".repeat(400) }],
    });
    expect(count.input_tokens).toBeGreaterThanOrEqual(100);
    expect(fake.requests.at(-1)?.path).toBe("/v1/messages/count_tokens");
  });

  it("lists models in Anthropic's shape", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("claude-sonnet-4-5-20250929");
  });
});

describe("fake upstream, Anthropic errors and cancellation", () => {
  it("raises the SDK's typed errors with Anthropic's error types", async () => {
    fake.respondWith({ kind: "error", status: 429 });
    const limited = await client.messages
      .create({ model: "m", max_tokens: 1, messages: [] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as RateLimitError).type).toBe("rate_limit_error");
    fake.respondWith({ kind: "error", status: 529, message: "Overloaded" });
    const overloaded = await client.messages
      .create({ model: "m", max_tokens: 1, messages: [], stream: true })
      .catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect((overloaded as OverloadedError).type).toBe("overloaded_error");
  });

  it("refuses a wrong key with 401 and a missing anthropic-version with 400", async () => {
    const strict = await startFakeUpstream({ apiKeys: ["sk-ant-right"] });
    try {
      const wrong = new Anthropic({ baseURL: strict.url, apiKey: "sk-ant-wrong", maxRetries: 0 });
      await expect(wrong.messages.create({ model: "m", max_tokens: 1, messages: [] })).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    } finally {
      await strict.close();
    }
    const noVersion = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "x-api-key": "k" },
      body: "{}",
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "anthropic-version: header is required" },
    });
    const noKey = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "anthropic-version": "2023-06-01" },
      body: "{}",
    });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get("request-id")).toMatch(/^req_/);
  });

  it("counts a hung stream the client aborts", async () => {
    fake.respondWith({ kind: "hang" });
    const controller = new AbortController();
    const stream = await client.messages.create(
      { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }], stream: true },
      { signal: controller.signal },
    );
    controller.abort();
    for await (const _ of stream) break;
    await vi.waitFor(() => {
      expect(fake.aborted).toBe(1);
    });
  });
});
