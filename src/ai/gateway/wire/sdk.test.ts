import { Anthropic } from "@anthropic-ai/sdk";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../fake-upstream/index.js";
import { createSseParser, formatSseEvent, type SseEvent } from "../sse.js";
import { streamErrorEvent, wireFormat, type WireFormat, type WireId } from "./index.js";
import type { WireEvent } from "./types.js";

/**
 * The official SDKs read streams that went through our wire formats: a relay between them and the fake
 * upstream rewrites each stream the way the gateway does (an extra flush event after every delta, the
 * whole-text snapshots made to agree, or an error event half-way), and the SDKs' own accumulators must
 * come out with the rewritten text or raise the error.
 */

type Mode = "flush" | "error";
let fake: FakeUpstream;
let relay: Server;
let relayUrl: string;
let mode: Mode = "flush";

const WIRES: Record<string, WireId> = {
  "/v1/chat/completions": "openai-chat",
  "/v1/responses": "openai-responses",
  "/v1/completions": "openai-completions",
  "/v1/messages": "anthropic-messages",
};

/** Rewrite one stream: after each delta a flush of "·" for its stream; snapshots set to what was sent. */
function rewrite(wire: WireFormat, events: readonly SseEvent[]): string {
  const sent = new Map<string, string>();
  let out = "";
  let deltas = 0;
  for (const ev of events) {
    if (ev.data === "[DONE]") {
      out += formatSseEvent(ev);
      continue;
    }
    const data = JSON.parse(ev.data) as Record<string, unknown>;
    const parsed: WireEvent = ev.event === undefined ? { data } : { event: ev.event, data };
    const slots = wire.streamTexts(parsed);
    if (mode === "error" && slots.length > 0 && ++deltas > 2)
      return out + formatSseEvent(streamErrorEvent(wire.family, 529, "Overloaded half-way.", "overloaded"));
    for (const snap of wire.streamSnapshots(parsed)) snap.replace(sent.get(snap.stream) ?? snap.text);
    out += formatSseEvent({ ...ev, data: JSON.stringify(data) });
    for (const slot of slots) {
      const flush = wire.flushEvent(slot.stream, "·", parsed);
      sent.set(slot.stream, (sent.get(slot.stream) ?? "") + slot.text + "·");
      out += formatSseEvent(flush);
    }
  }
  return out;
}

beforeAll(async () => {
  fake = await startFakeUpstream({ defaultChunkSize: 4 });
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      for (const h of ["authorization", "x-api-key", "anthropic-version"]) {
        const v = req.headers[h];
        if (typeof v === "string") headers[h] = v;
      }
      void fetch(`${fake.url}${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers,
        body: Buffer.concat(chunks),
      })
        .then(async (up) => {
          const body = new Uint8Array(await up.arrayBuffer());
          const type = up.headers.get("content-type") ?? "";
          res.writeHead(up.status, { "content-type": type });
          if (!type.startsWith("text/event-stream")) return res.end(body);
          const path = (req.url ?? "").split("?")[0]!;
          const parser = createSseParser();
          return res.end(rewrite(wireFormat(WIRES[path]!), [...parser.push(body), ...parser.end()]));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    relay.close(() => {
      resolve();
    });
  });
  await fake.close();
});

const openai = () => new OpenAI({ baseURL: `${relayUrl}/v1`, apiKey: "sk-test", maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: relayUrl, apiKey: "sk-ant", maxRetries: 0 });
const dotted = (text: string, size: number) => text.match(new RegExp(`.{1,${size}}`, "gu"))!.join("·") + "·";

describe("flush events and snapshots, read by the official SDKs", () => {
  it("chat completions: the stream helper assembles content with the flushed text", async () => {
    mode = "flush";
    fake.respondWith({ kind: "text", text: "abcdefghij" });
    const final = await openai()
      .chat.completions.stream({ model: "m", messages: [{ role: "user", content: "x" }] })
      .finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(dotted("abcdefghij", 4));

    fake.respondWith({ kind: "tool-call", name: "f", arguments: { a: 1 } });
    const tool = await openai().chat.completions.stream({ model: "m", messages: [] }).finalChatCompletion();
    const call = tool.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.arguments).toBe(dotted('{"a":1}', 4));
  });

  it("responses: the stream helper's final response agrees with the deltas it saw", async () => {
    mode = "flush";
    fake.respondWith({ kind: "text", text: "abcdefghij" });
    const stream = openai().responses.stream({ model: "m", input: "x" });
    let deltas = "";
    stream.on("response.output_text.delta", (e) => (deltas += e.delta));
    const final = await stream.finalResponse();
    expect(deltas).toBe(dotted("abcdefghij", 4));
    expect(final.output_text).toBe(deltas);
  });

  it("anthropic messages: the message stream assembles text and tool input with the flushed text", async () => {
    mode = "flush";
    fake.respondWith({ kind: "text", text: "abcdefghij" });
    const final = await anthropic()
      .messages.stream({ model: "m", max_tokens: 10, messages: [] })
      .finalMessage();
    expect(final.content[0]).toEqual({ type: "text", text: dotted("abcdefghij", 4) });
  });
});

describe("stream error events, raised by the official SDKs", () => {
  it("OpenAI chat and Responses streams raise an APIError with our message", async () => {
    mode = "error";
    fake.respondWith({ kind: "text", text: "a".repeat(40) });
    const chat = await openai().chat.completions.create({ model: "m", messages: [], stream: true });
    await expect(async () => {
      for await (const _ of chat);
    }).rejects.toThrow(
      expect.objectContaining({ message: expect.stringContaining("Overloaded half-way.") as string }),
    );

    fake.respondWith({ kind: "text", text: "a".repeat(40) });
    const responses = await openai().responses.create({ model: "m", input: "x", stream: true });
    const err = await (async () => {
      for await (const _ of responses);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("overloaded");
  });

  it("Anthropic streams raise an APIError of the error's type", async () => {
    mode = "error";
    fake.respondWith({ kind: "text", text: "a".repeat(40) });
    const stream = await anthropic().messages.create({
      model: "m",
      max_tokens: 10,
      messages: [],
      stream: true,
    });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
    expect((err as Error).message).toContain("Overloaded half-way.");
  });
});
