import { AuthenticationError, AzureOpenAI, OpenAI, RateLimitError } from "openai";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createSseParser } from "../gateway/sse.js";
import { wireFormat, type WireId } from "../gateway/wire/index.js";
import { startFakeUpstream, type FakeUpstream } from "./index.js";

let fake: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream();
  client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: "sk-test-key", maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

/** POST raw JSON and read the SSE answer with our own parser and wire format: the two checked against each other. */
async function rawStream(path: string, wire: WireId, body: Record<string, unknown>) {
  const res = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test-key", "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const parser = createSseParser();
  const events = [...parser.push(new Uint8Array(await res.arrayBuffer())), ...parser.end()];
  const format = wireFormat(wire);
  const texts: Record<string, string> = {};
  const usage: { input?: number; output?: number } = {};
  for (const ev of events) {
    if (ev.data === "[DONE]") continue;
    const data = JSON.parse(ev.data) as Record<string, unknown>;
    const parsed = ev.event === undefined ? { data } : { event: ev.event, data };
    for (const slot of format.streamTexts(parsed))
      texts[slot.stream] = (texts[slot.stream] ?? "") + slot.text;
    Object.assign(usage, format.streamUsage(parsed));
  }
  return { events, texts, usage };
}

describe("fake upstream, OpenAI chat completions", () => {
  it("echoes the last user message, with usage, and records the request", async () => {
    const answer = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "hello [EMAIL_1]" }] },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe("You said: hello [EMAIL_1]");
    expect(answer.model).toBe("gpt-4.1");
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(answer.usage?.total_tokens).toBe(answer.usage!.prompt_tokens + answer.usage!.completion_tokens);
    const req = fake.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe("Bearer sk-test-key");
    expect((req.json as { model: string }).model).toBe("gpt-4.1");
  });

  it("streams chunks, a usage chunk and [DONE] as the SDK's stream helper expects", async () => {
    fake.respondWith({ kind: "text", text: "Streaming works 👍 fine.", chunkSize: 3 });
    const stream = client.chat.completions.stream({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "go" }],
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on("content", (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Streaming works 👍 fine.");
    expect(deltas.length).toBeGreaterThan(5);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("calls tools, whole and streamed", async () => {
    fake.respondWith({ kind: "tool-call", name: "read_file", arguments: { path: "src/app.ts" } });
    const whole = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "read it" }],
    });
    const call = whole.choices[0]!.message.tool_calls![0]!;
    expect(whole.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ path: "src/app.ts" });

    fake.respondWith({ kind: "tool-call", name: "read_file", arguments: { path: "src/app.ts" } });
    const final = await client.chat.completions
      .stream({ model: "gpt-4.1", messages: [{ role: "user", content: "read it" }] })
      .finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    expect(streamed.type === "function" && streamed.function.name).toBe("read_file");
    expect(streamed.type === "function" && JSON.parse(streamed.function.arguments)).toEqual({
      path: "src/app.ts",
    });
  });

  it("streams in the chunks our wire format reads back", async () => {
    fake.respondWith({ kind: "tool-call", name: "run", arguments: { cmd: "ls -la" } });
    const tool = await rawStream("/v1/chat/completions", "openai-chat", {
      model: "m",
      messages: [],
      stream_options: { include_usage: true },
    });
    expect(tool.texts).toEqual({ "choice:0:tool:0": '{"cmd":"ls -la"}' });
    expect(tool.usage.input).toBeGreaterThan(0);
    expect(tool.events.at(-1)?.data).toBe("[DONE]");
  });
});

describe("fake upstream, OpenAI responses", () => {
  it("answers with a response object whose output text the SDK assembles", async () => {
    const res = await client.responses.create({
      model: "gpt-5-codex",
      instructions: "Be brief.",
      input: "hi there",
    });
    expect(res.output_text).toBe("You said: hi there");
    expect(res.status).toBe("completed");
    expect(res.usage?.output_tokens).toBeGreaterThan(0);
  });

  it("streams the Responses event sequence the SDK's stream helper accepts", async () => {
    fake.respondWith({ kind: "text", text: "Codex-style answer.", chunkSize: 4 });
    const stream = client.responses.stream({
      model: "gpt-5-codex",
      input: [{ role: "user", content: [{ type: "input_text", text: "x" }] }],
    });
    const types = new Set<string>();
    stream.on("event", (e) => types.add(e.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Codex-style answer.");
    expect([...types]).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
  });

  it("streams function calls", async () => {
    fake.respondWith({ kind: "tool-call", name: "shell", arguments: { command: ["ls"] } });
    const final = await client.responses
      .stream({ model: "gpt-5-codex", input: "list files" })
      .finalResponse();
    const item = final.output[0]!;
    expect(item.type === "function_call" && JSON.parse(item.arguments)).toEqual({ command: ["ls"] });
    fake.respondWith({ kind: "text", text: "abc" });
    const raw = await rawStream("/v1/responses", "openai-responses", { model: "m", input: "q" });
    expect(raw.texts).toEqual({ "output:0:content:0": "abc" });
    expect(raw.usage).toEqual({ input: expect.any(Number) as number, output: 1 });
  });
});

describe("fake upstream, completions, FIM, embeddings and models", () => {
  it("completes a prompt, whole and streamed", async () => {
    const whole = await client.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "def add(a, b):",
    });
    expect(whole.choices[0]?.text).toBe("You said: def add(a, b):");
    const stream = await client.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "x",
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe("You said: x");
  });

  it("fills in the middle in Mistral's format", async () => {
    const whole = await client.post<{ choices: { message: { content: string } }[] }>("/fim/completions", {
      body: { model: "codestral-latest", prompt: "const pool = ", suffix: ";\n" },
    });
    expect(whole.choices[0]?.message.content).toBe("You said: const pool = ");
    const raw = await rawStream("/v1/fim/completions", "openai-fim", {
      model: "codestral-latest",
      prompt: "abc",
      suffix: "",
    });
    expect(raw.texts).toEqual({ "choice:0": "You said: abc" });
    expect(raw.usage.output).toBeGreaterThan(0);
  });

  it("embeds deterministically, in floats or base64 (the SDK's default)", async () => {
    const a = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"] });
    const b = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "alpha",
      encoding_format: "float",
    });
    expect(a.data).toHaveLength(2);
    expect(a.data[0]!.embedding).toHaveLength(8);
    expect(a.data[0]!.embedding).toEqual(b.data[0]!.embedding);
    expect(a.data[1]!.embedding).not.toEqual(a.data[0]!.embedding);
    expect(a.usage.prompt_tokens).toBeGreaterThan(0);
    const wide = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "x",
      dimensions: 64,
    });
    expect(wide.data[0]!.embedding).toHaveLength(64);
  });

  it("lists models", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("gpt-4.1");
  });
});

describe("fake upstream, OpenAI errors, auth and Azure", () => {
  it("raises the SDK's typed errors from the provider's error body", async () => {
    fake.respondWith({ kind: "error", status: 429, message: "Rate limit reached for gpt-4.1." });
    const err = await client.chat.completions
      .create({ model: "gpt-4.1", messages: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as RateLimitError).message).toContain("Rate limit reached for gpt-4.1.");
    expect((err as RateLimitError).code).toBe("rate_limit_exceeded");
    fake.respondWith({ kind: "error", status: 500 });
    await expect(client.responses.create({ model: "m", input: "x", stream: true })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });

  it("refuses a missing or wrong key with 401 in OpenAI's format", async () => {
    const res = await fetch(`${fake.url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const strict = await startFakeUpstream({ apiKeys: ["sk-right"] });
    try {
      const wrong = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toBeInstanceOf(AuthenticationError);
      const right = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: "sk-right", maxRetries: 0 });
      await expect(right.chat.completions.create({ model: "m", messages: [] })).resolves.toBeDefined();
    } finally {
      await strict.close();
    }
  });

  it("takes requests without a key when told to act as a self-hosted server", async () => {
    const open = await startFakeUpstream({ requireAuth: false });
    try {
      const res = await fetch(`${open.url}/v1/chat/completions`, {
        method: "POST",
        body: '{"messages":[{"role":"user","content":"hi"}]}',
      });
      expect(res.status).toBe(200);
      const anthropicNoVersion = await fetch(`${open.url}/v1/messages`, { method: "POST", body: "{}" });
      expect(anthropicNoVersion.status).toBe(400);
    } finally {
      await open.close();
    }
  });

  it("accepts query strings, answers 404 for unknown paths and 400 for a body that is not JSON", async () => {
    const headers = { authorization: "Bearer k" };
    const ok = await fetch(`${fake.url}/v1/chat/completions?beta=true`, {
      method: "POST",
      headers,
      body: '{"messages":[]}',
    });
    expect(ok.status).toBe(200);
    const missing = await fetch(`${fake.url}/v1/nope`, { method: "POST", headers, body: "{}" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      "Invalid URL (POST /v1/nope)",
    );
    const bad = await fetch(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(fake.requests.map((r) => r.path)).toEqual([
      "/v1/chat/completions?beta=true",
      "/v1/nope",
      "/v1/chat/completions",
    ]);
  });

  it("speaks Azure OpenAI's deployment paths and checks the api-key header", async () => {
    const azure = new AzureOpenAI({
      endpoint: fake.url,
      apiKey: "azure-key",
      apiVersion: "2024-10-21",
      deployment: "my-gpt",
      maxRetries: 0,
    });
    const answer = await azure.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("You said: hi");
    expect(answer.model).toBe("my-gpt");
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
    expect(req.headers["api-key"]).toBe("azure-key");
    const emb = await azure.embeddings.create({ model: "e", input: "x" });
    expect(emb.data[0]!.embedding).toHaveLength(8);
    const res = await fetch(`${fake.url}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21`, {
      method: "POST",
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});

describe("fake upstream, cancellation", () => {
  it("counts a hung stream the client aborts", async () => {
    fake.respondWith({ kind: "hang" });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "gpt-4.1", messages: [{ role: "user", content: "x" }], stream: true },
      { signal: controller.signal },
    );
    controller.abort();
    for await (const _ of stream) break; // ends quietly after the abort
    await vi.waitFor(() => {
      expect(fake.aborted).toBe(1);
    });
  });

  it("counts a hung stream whose undici request (the gateway's client) is aborted", async () => {
    fake.respondWith({ kind: "hang" });
    const controller = new AbortController();
    const res = await request(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [] }),
      signal: controller.signal,
    });
    expect(res.statusCode).toBe(200);
    controller.abort();
    await res.body.text().catch(() => undefined);
    await vi.waitFor(() => {
      expect(fake.aborted).toBe(1);
    });
  });

  it("counts a slow stream abandoned half-way, and not one read to the end", async () => {
    fake.respondWith({ kind: "text", text: "a".repeat(40), chunkSize: 4, delayMs: 20 });
    const stream = await client.chat.completions.create({ model: "m", messages: [], stream: true });
    let n = 0;
    for await (const _ of stream) if (++n === 2) break; // the SDK aborts the request on break
    await vi.waitFor(() => {
      expect(fake.aborted).toBe(1);
    });
    fake.respondWith({ kind: "text", text: "a".repeat(12), chunkSize: 4, delayMs: 5 });
    let text = "";
    for await (const chunk of await client.chat.completions.create({
      model: "m",
      messages: [],
      stream: true,
    }))
      text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("a".repeat(12));
    expect(fake.aborted).toBe(1);
  });

  it("keeps nothing when recording is off", async () => {
    const quiet = await startFakeUpstream({ recordRequests: false });
    try {
      const c = new OpenAI({ baseURL: `${quiet.url}/v1`, apiKey: "k", maxRetries: 0 });
      await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      expect(quiet.requests).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});
