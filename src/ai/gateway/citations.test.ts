import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import type { FakeCitation } from "../fake-upstream/types.js";

/**
 * Citations (OpenAI's `annotations`) say which span of the text they cite by offsets into it. When the
 * gateway masks a secret or puts a redacted value back, the text's length changes, and a client that
 * links `text.slice(start_index, end_index)` must still link the words the provider cited: in a whole
 * answer, in every stream event that carries a citation, for Chat Completions and the Responses API.
 */

// Synthetic, with a real shape (documentation examples are allowlisted).
const SECRET = "ghp_" + "Wq7Zr2Tn4Xv9Lb1Cd6Jf3Kg8Ps5Qa0Eu7Hm4";
const OTHER = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
const MASK = "[REDACTED_GITHUB_TOKEN]";
const EMAIL = "jane.doe@customer-mail.com";
const CITED = "the release notes";
// A mask before the cited words and one after: the span is found by offsets, not by diffing ends. Each
// token starts at a multiple of 4, so that streamed in chunks of 4 no first character of it goes out
// before it looks like a token (see createStreamInspector).
const SAYS = `Use ${SECRET} to push, as ${CITED} say; then rotate ${OTHER} after.`;
const MASKED = `Use ${MASK} to push, as ${CITED} say; then rotate ${MASK} after.`;
const PAGE: FakeCitation = { cites: CITED, url: "https://docs.example.com/release", title: "Release notes" };
// Asked with an address, which is redacted on the way out and echoed back as [EMAIL_1]: put back in the
// answer, it is longer than the placeholder the provider counted with.
const ASK_WITH_ADDRESS = `Tell ${EMAIL} about ${CITED}`;
const RESTORED = `You said: ${ASK_WITH_ADDRESS}`;

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

interface Span {
  readonly start_index: number;
  readonly end_index: number;
}

/** What each citation links in `text`. */
function linked(text: string, spans: readonly Span[]): string[] {
  return spans.map((s) => text.slice(s.start_index, s.end_index));
}

/** The url_citations of Chat Completions annotations (a message's or a chunk delta's). */
function chatSpans(annotations: unknown): Span[] {
  const list = (annotations ?? []) as { url_citation: Span }[];
  return list.map((a) => a.url_citation);
}

/** The spans of a Responses output's first part, and its text. */
function partOf(output: readonly OpenAI.Responses.ResponseOutputItem[]): { text: string; spans: Span[] } {
  const item = output[0];
  const part = item?.type === "message" ? item.content[0] : undefined;
  if (part?.type !== "output_text") return { text: "", spans: [] };
  return { text: part.text, spans: part.annotations as unknown as Span[] };
}

async function chatWhole(ask: string): Promise<{ text: string; spans: Span[] }> {
  const answer = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: ask }],
  });
  const message = answer.choices[0]!.message;
  return { text: message.content ?? "", spans: chatSpans(message.annotations) };
}

async function chatStreamed(ask: string): Promise<{ text: string; spans: Span[] }> {
  const stream = await client.chat.completions.create({
    model: "gpt-4o",
    stream: true,
    messages: [{ role: "user", content: ask }],
  });
  let text = "";
  const spans: Span[] = [];
  for await (const chunk of stream) {
    // OpenAI's search models send `annotations` in a delta; the SDK's chunk type does not list them.
    const delta: { content?: string | null; annotations?: unknown } | undefined = chunk.choices[0]?.delta;
    text += delta?.content ?? "";
    spans.push(...chatSpans(delta?.annotations));
  }
  return { text, spans };
}

/** A streamed Responses answer: its text, and what every event that carries a citation links. */
async function responsesStreamed(ask: string): Promise<{ text: string; links: string[][] }> {
  let text = "";
  const spans: Span[][] = [];
  let whole = "";
  for await (const e of await client.responses.create({ model: "gpt-4o", input: ask, stream: true })) {
    if (e.type === "response.output_text.delta") text += e.delta;
    else if (e.type === "response.output_text.annotation.added") spans.push([e.annotation as Span]);
    else if (e.type === "response.content_part.done" && e.part.type === "output_text")
      spans.push(e.part.annotations as unknown as Span[]);
    else if (e.type === "response.output_item.done") spans.push(partOf([e.item]).spans);
    else if (e.type === "response.completed") {
      const part = partOf(e.response.output);
      whole = part.text;
      spans.push(part.spans);
    }
  }
  expect(whole).toBe(text);
  return { text, links: spans.map((s) => linked(text, s)) };
}

describe("citations of a masked answer link the span the provider cited", () => {
  it("Chat Completions, whole and streamed", async () => {
    gw.fake.respondWith({ kind: "text", text: SAYS, citations: [PAGE] });
    const whole = await chatWhole("How do I push?");
    expect(whole.text).toBe(MASKED);
    expect(linked(whole.text, whole.spans)).toEqual([CITED]);

    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4, citations: [PAGE] });
    const streamed = await chatStreamed("How do I push?");
    expect(streamed.text).toBe(MASKED);
    expect(linked(streamed.text, streamed.spans)).toEqual([CITED]);
  });

  it("Responses, whole and in every stream event that carries the citation", async () => {
    gw.fake.respondWith({ kind: "text", text: SAYS, citations: [PAGE] });
    const whole = await client.responses.create({ model: "gpt-4o", input: "How do I push?" });
    const part = partOf(whole.output);
    expect(part.text).toBe(MASKED);
    expect(linked(part.text, part.spans)).toEqual([CITED]);

    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4, citations: [PAGE] });
    const streamed = await responsesStreamed("How do I push?");
    expect(streamed.text).toBe(MASKED);
    // annotation.added, content_part.done, output_item.done, response.completed
    expect(streamed.links).toEqual([[CITED], [CITED], [CITED], [CITED]]);
  });

  describe("a citation of the masked words themselves links the whole mask", () => {
    // In chunks of 4 one ends right after the token, which is held back until the next shows it ended:
    // the citation that follows that chunk waits for the mask.
    const cites: FakeCitation = { cites: SECRET, url: "https://example.com/tokens" };

    it("whole", async () => {
      gw.fake.respondWith({ kind: "text", text: SAYS, citations: [cites] });
      const whole = await chatWhole("How do I push?");
      expect(linked(whole.text, whole.spans)).toEqual([MASK]);
    });

    it("Chat Completions stream, the citation coming before the mask was certain", async () => {
      gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4, citations: [cites] });
      const chat = await chatStreamed("How do I push?");
      expect(chat.text).toBe(MASKED);
      expect(linked(chat.text, chat.spans)).toEqual([MASK]);
    });

    it("Responses stream, the citation coming before the mask was certain", async () => {
      gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4, citations: [cites] });
      const responses = await responsesStreamed("How do I push?");
      expect(responses.text).toBe(MASKED);
      expect(responses.links).toEqual([[MASK], [MASK], [MASK], [MASK]]);
    });
  });
});

describe("citations of an answer whose placeholders were put back link the span the provider cited", () => {
  it("Chat Completions, whole and streamed", async () => {
    gw.fake.respondWith({ kind: "text", citations: [PAGE] });
    const whole = await chatWhole(ASK_WITH_ADDRESS);
    expect(gw.fake.requests.at(-1)?.body).toContain("[EMAIL_1]");
    expect(whole.text).toBe(RESTORED);
    expect(linked(whole.text, whole.spans)).toEqual([CITED]);

    gw.fake.respondWith({ kind: "text", chunkSize: 3, citations: [PAGE] });
    const streamed = await chatStreamed(ASK_WITH_ADDRESS);
    expect(streamed.text).toBe(RESTORED);
    expect(linked(streamed.text, streamed.spans)).toEqual([CITED]);
  });

  it("Responses, whole and streamed", async () => {
    gw.fake.respondWith({ kind: "text", citations: [PAGE] });
    const whole = await client.responses.create({ model: "gpt-4o", input: ASK_WITH_ADDRESS });
    const part = partOf(whole.output);
    expect(part.text).toBe(RESTORED);
    expect(linked(part.text, part.spans)).toEqual([CITED]);

    gw.fake.respondWith({ kind: "text", chunkSize: 3, citations: [PAGE] });
    const streamed = await responsesStreamed(ASK_WITH_ADDRESS);
    expect(streamed.text).toBe(RESTORED);
    expect(streamed.links).toEqual([[CITED], [CITED], [CITED], [CITED]]);
  });

  it("an answer the gateway did not change keeps its citations as the provider sent them", async () => {
    const text = `Push with the deploy key, as ${CITED} say.`;
    gw.fake.respondWith({ kind: "text", text, chunkSize: 4, citations: [PAGE] });
    const streamed = await responsesStreamed("How do I push?");
    expect(streamed.text).toBe(text);
    const start = text.indexOf(CITED);
    expect(streamed.links).toEqual([[CITED], [CITED], [CITED], [CITED]]);
    gw.fake.respondWith({ kind: "text", text, citations: [PAGE] });
    const whole = await chatWhole("How do I push?");
    expect(whole.spans).toEqual([
      { start_index: start, end_index: start + CITED.length, title: "Release notes", url: PAGE.url },
    ]);
  });
});

describe("citations in a request's earlier answers", () => {
  it("move with the request's redaction, so the provider reads the span it cited", async () => {
    // Codex with `store: false` sends the conversation's earlier answers back, citations and all.
    const earlier = `Mail ${EMAIL} about ${CITED} today.`;
    const at = earlier.indexOf(CITED);
    await client.responses.create({
      model: "gpt-4o",
      input: [
        { role: "user", content: "Who do I tell?" },
        {
          type: "message",
          role: "assistant",
          id: "msg_1",
          status: "completed",
          content: [
            {
              type: "output_text",
              text: earlier,
              annotations: [
                {
                  type: "url_citation",
                  url: PAGE.url,
                  title: "Release notes",
                  start_index: at,
                  end_index: at + CITED.length,
                },
              ],
            },
          ],
        },
        { role: "user", content: "Thanks." },
      ],
    });
    const sent = JSON.parse(gw.fake.requests.at(-1)!.body) as {
      input: { content?: { text: string; annotations: Span[] }[] }[];
    };
    const part = sent.input[1]!.content![0]!;
    expect(part.text).toBe(`Mail [EMAIL_1] about ${CITED} today.`);
    expect(linked(part.text, part.annotations)).toEqual([CITED]);
  });
});
