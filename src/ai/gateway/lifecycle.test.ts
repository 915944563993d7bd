import { createHmac } from "node:crypto";
import { once } from "node:events";
import { connect } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listEvents } from "../../services/ai/events.js";
import { eventually, startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway();
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

/** `bytes` as a request body without a Content-Length, sent in pieces of `size`. */
function inPieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.subarray(i, i + size));
      c.close();
    },
  });
}

describe("cancellation, timeouts and failures", () => {
  it("cancels the upstream request when the client goes away mid-stream", async () => {
    gw.fake.respondWith({ kind: "hang" });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "tell me a long story" }] },
      { signal: controller.signal },
    );
    controller.abort();
    // The SDK ends (or rejects) the iteration of an aborted stream; either way nothing more arrives.
    await (async () => {
      for await (const _ of stream) {
        // nothing arrives: the fake upstream hangs
      }
    })().catch(() => undefined);
    await eventually(() => (gw.fake.aborted > 0 ? true : undefined), "the upstream request to be cancelled");
    const event = await eventually(
      () => gw.events.find((e) => e.error === "client_closed"),
      "the cancelled event",
    );
    expect(event.stream).toBe(true);
  });

  it("stops without waiting for a connection that never sent a request", async () => {
    // Clients open connections ahead of need; Node's close() waited for one with no request until the
    // client closed it (undici after about 70 s).
    const own = await startTestGateway();
    const ownClient = new OpenAI({ baseURL: `${own.url}/v1`, apiKey: own.key, maxRetries: 0 });
    await ownClient.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
    const accepted = once(own.app.server, "connection");
    const unused = connect(Number(new URL(own.url).port), "127.0.0.1");
    await accepted;
    const cut = once(unused, "close");
    await own.close();
    await cut;
    expect(unused.bytesRead).toBe(0);
    expect(own.events.map((e) => e.status)).toEqual([200]);
  });

  it("lets a stream in flight finish when stopping, then does not wait for its connection", async () => {
    const own = await startTestGateway();
    const ownClient = new OpenAI({ baseURL: `${own.url}/v1`, apiKey: own.key, maxRetries: 0 });
    own.fake.respondWith({ kind: "text", text: "one two three four five six", chunkSize: 4, delayMs: 50 });
    const stream = await ownClient.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "count" }],
    });
    let text = "";
    let stopped: Promise<void> | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      stopped ??= own.close(); // stop after the first chunk: the rest still arrives
    }
    expect(text).toBe("one two three four five six");
    // Node would keep the now idle keep-alive connection for its 72 s timeout; the test's 30 s is less.
    await stopped;
    expect(own.events.map((e) => e.status)).toEqual([200]);
  });

  it("answers 504 in OpenAI's format when the upstream does not answer in time", async () => {
    gw.fake.respondWith({ kind: "hang" });
    const err = await client.chat.completions
      .create({ model: "slow-model", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((err as Error).message).toContain('upstream "slow"');
  });

  it("answers malformed JSON and oversized fields with a clear 400, never a crash", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: '{"model": "gpt-4o", "messages": [',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/not valid JSON/);
    const noModel = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: "not even a list" }),
    });
    expect(noModel.status).toBe(400);
  });

  it("refuses a body over ai.gateway.maxBodyBytes with a 413 in the provider's format, declared or streamed", async () => {
    const small = await startTestGateway({ extraYaml: "  gateway: { maxBodyBytes: 4096 }\n" });
    try {
      const sdk = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: small.key, maxRetries: 0 });
      const big = "word ".repeat(2000);
      const err = await sdk.chat.completions
        .create({ model: "gpt-4o", messages: [{ role: "user", content: big }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
      expect((err as Error).message).toContain("larger than the gateway's limit (4096 bytes)");
      // Like every answer, it says what was decided.
      expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get("x-detente-decision")).toBe("error");
      // Without a Content-Length (chunked), the limit is counted as the body arrives.
      const bytes = new TextEncoder().encode(JSON.stringify({ model: "claude-sonnet-4-5", big }));
      const streamed = await fetch(`${small.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": small.key, "content-type": "application/json" },
        body: inPieces(bytes, 1000),
        duplex: "half",
      });
      expect(streamed.status).toBe(413);
      expect(streamed.headers.get("x-detente-decision")).toBe("error");
      const body = (await streamed.json()) as { type: string; error: { type: string } };
      expect(body).toMatchObject({ type: "error", error: { type: "request_too_large" } });
      // A request within the limit still goes through.
      const ok = await sdk.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "hello" }],
      });
      expect(ok.choices[0]?.message.content).toBeTruthy();
      expect(small.fake.requests.length).toBe(1);
    } finally {
      await small.close();
    }
  });

  it("takes a prompt of several megabytes whole, its length declared or not", async () => {
    gw.fake.reset();
    const big = 'fn main() { println!("hello"); } // a long pasted file\n'.repeat(60_000); // ~3.2 MB
    const ok = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: big }],
    });
    expect(ok.choices[0]?.message.content).toBeTruthy();
    const bytes = new TextEncoder().encode(
      JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: big }] }),
    );
    const chunked = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: inPieces(bytes, 65_536),
      duplex: "half",
    });
    expect(chunked.status).toBe(200);
    const received = gw.fake.requests.map(
      (r) => ((r.json as { messages: { content: string }[] }).messages[0]?.content ?? "").length,
    );
    expect(received).toEqual([big.length, big.length]);
  });

  it("exposes Prometheus metrics with decisions and latency histograms", async () => {
    await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "count me" }],
    });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/detente_gateway_decisions_total\{[^}]*action="allow"[^}]*\} \d+/);
    expect(text).toContain("detente_gateway_request_duration_seconds_bucket");
    expect(text).toContain("detente_gateway_overhead_seconds_bucket");
  });

  it("counts request text by whether it was inspected or remembered from the same key's earlier request", async () => {
    const chars = async (how: string): Promise<number> => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const m = new RegExp(`detente_gateway_request_text_chars_total\\{how="${how}"\\} (\\d+)`).exec(text);
      return Number(m?.[1] ?? 0);
    };
    const system = "You review pull requests for the payments team. ".repeat(40);
    const [inspected0, remembered0] = [await chars("inspected"), await chars("remembered")];
    for (let i = 0; i < 3; i++)
      await client.chat.completions.create({
        model: "gpt-4o",
        messages: [
          { role: "system", content: system },
          { role: "user", content: `question ${i}` },
        ],
      });
    // Inspected the first two times, remembered the third.
    expect((await chars("remembered")) - remembered0).toBe(system.length);
    expect((await chars("inspected")) - inspected0).toBe(2 * system.length + "question 0".length * 3);
  });

  it("writes every request to the audit trail in the store", async () => {
    await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "audit me" }],
    });
    await gw.flush();
    const stored = await listEvents({
      ctx: { store: gw.store },
      input: { user: "alice@example.com", limit: 100 },
    });
    expect(stored.length).toBeGreaterThan(0);
    expect(stored[0]).toMatchObject({ endpoint: "chat.completions", team: "payments" });
    expect(stored[0]?.requestHash).toMatch(/^[0-9a-f]{32}$/);
  });

  it("stores the keyed hash of each request as received, the same for the same body, for large bodies too", async () => {
    const send = async (question: string): Promise<Buffer> => {
      const body = Buffer.from(
        JSON.stringify({
          model: "gpt-4o",
          messages: [
            { role: "system", content: "You review pull requests for the payments team. ".repeat(400) },
            { role: "user", content: question },
          ],
        }),
      );
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      return body;
    };
    const bodies = [await send("hash me"), await send("hash me"), await send("and me")];
    expect(bodies[0]!.byteLength).toBeGreaterThan(16_000);
    await gw.flush();
    const stored = await listEvents({
      ctx: { store: gw.store },
      input: { user: "alice@example.com", limit: 3 },
    });
    const hmac = (b: Buffer) => createHmac("sha256", gw.hashKey).update(b).digest("hex").slice(0, 32);
    // Newest first.
    expect(stored.map((e) => e.requestHash)).toEqual([hmac(bodies[2]!), hmac(bodies[1]!), hmac(bodies[0]!)]);
    expect(stored[1]?.requestHash).toBe(stored[2]?.requestHash);
    expect(stored[0]?.requestHash).not.toBe(stored[1]?.requestHash);
  });
});
