import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedGateways, type ScriptedGateways } from "../../../test/helpers/scripted-upstream.js";
import { MAX_HELD_CITATION_CHARS, MAX_HELD_CITATION_EVENTS } from "./citation-edits.js";

/**
 * A citation event whose span reaches into text the gateway has not sent yet waits for that text, and
 * later citation events of its stream wait behind it. The answer is the upstream's, so it may cite far
 * past its text (an `end_index` of 10^9) and then send citation after citation: what the gateway holds
 * for an answer is bounded, and past the bound what it held goes out, in order, with the masks known.
 * Each test marks the point where the upstream pauses or goes on with an event that is never held, and
 * counts what the client received before it.
 */

// Synthetic, with a real shape (documentation examples are allowlisted).
const TOKEN = "ghp_" + "Wq7Zr2Tn4Xv9Lb1Cd6Jf3Kg8Ps5Qa0Eu7Hm4";
const MASK = "[REDACTED_GITHUB_TOKEN]";
const CITED = "the release notes";
const SAYS = `Use ${TOKEN} to push, as ${CITED} say; then rotate it.`;
const MASKED = `Use ${MASK} to push, as ${CITED} say; then rotate it.`;
const AT = SAYS.indexOf(CITED);
const FAR = 1_000_000_000;
const URL = "https://docs.example.com/release";

let s: ScriptedGateways;
let client: OpenAI;

beforeAll(async () => {
  s = await startScriptedGateways();
  client = new OpenAI({ baseURL: `${s.gw.url}/v1`, apiKey: s.gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await s.close();
});

interface Span {
  readonly start_index: number;
  readonly end_index: number;
}

/** `text` in pieces of 8 characters. */
function pieces(text: string): string[] {
  return text.match(/[^]{1,8}/g) ?? [];
}

function chatChunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  const chunk = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices };
  return `data: ${JSON.stringify({ ...chunk, ...extra })}\n\n`;
}

function chatDelta(delta: Record<string, unknown>): string {
  return chatChunk([{ index: 0, delta, logprobs: null, finish_reason: null }]);
}

function chatCitation(start: number, end: number): string {
  const citation = { start_index: start, end_index: end, url: URL, title: "Release notes" };
  return chatDelta({ annotations: [{ type: "url_citation", url_citation: citation }] });
}

describe("held citation events are bounded per answer", () => {
  it("Chat Completions: past the count, what was held goes out before the upstream pauses, moved", async () => {
    const n = MAX_HELD_CITATION_EVENTS * 2;
    s.upstream.answer(
      [
        chatDelta({ role: "assistant", content: "" }),
        ...pieces(SAYS).map((p) => chatDelta({ content: p })),
        // Past any text: without a bound, it and every citation after it would wait for the end.
        chatCitation(AT, FAR),
        ...Array.from({ length: n }, () => chatCitation(AT, AT + CITED.length)),
        // Never held: the upstream pauses after it, without ending the stream.
        chatChunk([], { usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } }),
      ],
      { pause: true },
    );
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "How do I push?" }],
    });
    let text = "";
    const spans: Span[] = [];
    for await (const chunk of stream) {
      if (chunk.usage) break; // the upstream pauses here
      // OpenAI's search models send `annotations` in a delta; the SDK's chunk type does not list them.
      const delta: { content?: string | null; annotations?: { url_citation: Span }[] } | undefined =
        chunk.choices[0]?.delta;
      text += delta?.content ?? "";
      for (const a of delta?.annotations ?? []) spans.push(a.url_citation);
    }
    // The text's tail may still be held back (the stream has not ended); the mask is there.
    expect(MASKED.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(MASKED.indexOf(CITED) + CITED.length);
    expect(spans).toHaveLength(n + 1);
    // In the order they came, each moved by the mask before it.
    const shift = MASK.length - TOKEN.length;
    expect(spans[0]).toMatchObject({ start_index: AT + shift, end_index: FAR + shift });
    expect(new Set(spans.slice(1).map((a) => text.slice(a.start_index, a.end_index)))).toEqual(
      new Set([CITED]),
    );
  });

  it("Responses: past the characters, what was held goes out before the next event, then the rest in order", async () => {
    // Few events, each large (a long title): the count is not reached, the characters are.
    const title = "x".repeat(32 * 1024);
    const big = Math.ceil(MAX_HELD_CITATION_CHARS / title.length) + 2;
    expect(big).toBeLessThan(MAX_HELD_CITATION_EVENTS);
    const at = { output_index: 0, content_index: 0 };
    const citation = (end: number, t: string): Record<string, unknown> => ({
      type: "response.output_text.annotation.added",
      ...at,
      annotation_index: 0,
      annotation: { type: "url_citation", start_index: AT, end_index: end, url: URL, title: t },
    });
    const part = { type: "output_text", text: SAYS, annotations: [] };
    const item = { id: "msg_1", type: "message", role: "assistant", status: "completed", content: [part] };
    const response = (status: string, output: unknown[]): Record<string, unknown> => ({
      id: "resp_1",
      object: "response",
      created_at: 1,
      status,
      model: "gpt-4o",
      output,
      usage: null,
    });
    const events: Record<string, unknown>[] = [
      { type: "response.created", response: response("in_progress", []) },
      { type: "response.output_item.added", output_index: 0, item: { ...item, content: [] } },
      { type: "response.content_part.added", ...at, part: { ...part, text: "" } },
      ...pieces(SAYS).map((delta) => ({ type: "response.output_text.delta", ...at, delta })),
      citation(FAR, "far"),
      ...Array.from({ length: big }, () => citation(AT + CITED.length, title)),
      // Never held: what was held must have gone out before it.
      { type: "response.in_progress", response: response("in_progress", []) },
      { type: "response.output_text.done", ...at, text: SAYS },
      { type: "response.content_part.done", ...at, part },
      { type: "response.output_item.done", output_index: 0, item },
      { type: "response.completed", response: response("completed", [item]) },
    ];
    s.upstream.answer(
      events.map(
        (e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`,
      ),
    );

    const types: string[] = [];
    const numbers: number[] = [];
    const spans: Span[] = [];
    let text = "";
    let before = -1; // citations received before the marker
    const stream = await client.responses.create({ model: "gpt-4o", input: "How do I push?", stream: true });
    for await (const e of stream) {
      types.push(e.type);
      numbers.push(e.sequence_number);
      if (e.type === "response.output_text.delta") text += e.delta;
      if (e.type === "response.output_text.annotation.added") spans.push(e.annotation as Span);
      if (e.type === "response.in_progress") before = spans.length;
    }
    expect(before).toBe(big + 1);
    expect(text).toBe(MASKED);
    // Every event, in the order it came, numbered in order.
    expect(types).toEqual(events.map((e) => e.type));
    expect(numbers).toEqual(events.map((_, i) => i));
    const shift = MASK.length - TOKEN.length;
    expect(spans[0]).toMatchObject({ start_index: AT + shift, end_index: FAR + shift });
    expect(new Set(spans.slice(1).map((a) => text.slice(a.start_index, a.end_index)))).toEqual(
      new Set([CITED]),
    );
  });
});
