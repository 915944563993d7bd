import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";

/**
 * Log probabilities spell an answer token by token (`token`, its UTF-8 `bytes`, the `top_logprobs`
 * alternatives). A client that asks for them must not read there the secret the gateway masked in the
 * text, in a whole answer or in a stream (where a chunk's text may also be held back for later). When
 * nothing in a text changed, its log probabilities pass as the provider sent them.
 */

// Synthetic, with a real shape (documentation examples are allowlisted).
const SECRET = "ghp_" + "Wq7Zr2Tn4Xv9Lb1Cd6Jf3Kg8Ps5Qa0Eu7Hm4";
const MASK = "[REDACTED_GITHUB_TOKEN]";
const SAYS = `Use ${SECRET} to push.`;
const CLEAN = "Use the deploy key from the vault to push.";

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

/**
 * Every string in `value` (object keys too, as legacy `top_logprobs` has tokens as keys), and every
 * `bytes` list decoded as UTF-8: all a client could read a token from.
 */
function readable(value: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) {
      const list = v as unknown[];
      if (list.length > 0 && list.every((b): b is number => typeof b === "number"))
        out.push(Buffer.from(list).toString("utf8"));
      stack.push(...list);
    } else if (typeof v === "object" && v !== null) {
      for (const [k, inner] of Object.entries(v)) {
        out.push(k);
        stack.push(inner);
      }
    }
  }
  return out;
}

/** The four-character pieces of the secret's random part that `value` still shows, if any. */
function leaked(value: unknown): string[] {
  const body = SECRET.slice(4);
  const windows = new Set<string>();
  for (let i = 0; i + 4 <= body.length; i++) windows.add(body.slice(i, i + 4));
  const texts = readable(value);
  return [...windows].filter((w) => texts.some((t) => t.includes(w)));
}

describe("log probabilities of a masked answer", () => {
  it("Chat Completions: a masked choice comes without them; a clean one keeps them", async () => {
    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const masked = await client.chat.completions.create({
      model: "gpt-4o",
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: "user", content: "How do I push?" }],
    });
    expect(gw.fake.requests.at(-1)?.json).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(masked.choices[0]?.message.content).toBe(`Use ${MASK} to push.`);
    expect(masked.choices[0]?.logprobs).toBeNull();
    expect(leaked(masked)).toEqual([]);

    gw.fake.respondWith({ kind: "text", text: CLEAN, chunkSize: 4 });
    const clean = await client.chat.completions.create({
      model: "gpt-4o",
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: "user", content: "How do I push?" }],
    });
    const tokens = clean.choices[0]?.logprobs?.content ?? [];
    expect(tokens.map((t) => t.token).join("")).toBe(CLEAN);
    expect(tokens[0]?.top_logprobs).toHaveLength(2);
  });

  it("Chat Completions stream: no chunk's log probabilities spell the masked secret", async () => {
    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: "user", content: "How do I push?" }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(`Use ${MASK} to push.`);
    expect(leaked(chunks)).toEqual([]);
    // What a chunk kept still matches its own text: the provider's, passed unchanged.
    for (const c of chunks) {
      const scored = c.choices[0]?.logprobs?.content;
      if (scored && scored.length > 0)
        expect(scored.map((t) => t.token).join("")).toBe(c.choices[0]?.delta.content);
    }

    gw.fake.respondWith({ kind: "text", text: CLEAN, chunkSize: 4 });
    const cleanStream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      logprobs: true,
      messages: [{ role: "user", content: "How do I push?" }],
    });
    let spelled = "";
    for await (const chunk of cleanStream)
      for (const t of chunk.choices[0]?.logprobs?.content ?? []) spelled += t.token;
    expect(spelled).toBe(CLEAN);
  });

  it("legacy Completions, whole and streamed", async () => {
    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const whole = await client.completions.create({ model: "gpt-4o", prompt: "push with", logprobs: 2 });
    expect(whole.choices[0]?.text).toBe(`Use ${MASK} to push.`);
    expect(whole.choices[0]?.logprobs).toBeNull();
    expect(leaked(whole)).toEqual([]);

    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const stream = await client.completions.create({
      model: "gpt-4o",
      prompt: "push with",
      logprobs: 2,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.text ?? "").join("")).toBe(`Use ${MASK} to push.`);
    expect(leaked(chunks)).toEqual([]);

    gw.fake.respondWith({ kind: "text", text: CLEAN, chunkSize: 4 });
    const clean = await client.completions.create({ model: "gpt-4o", prompt: "push with", logprobs: 2 });
    expect(clean.choices[0]?.logprobs?.tokens?.join("")).toBe(CLEAN);
  });

  it("Responses: the masked part's logprobs are emptied, whole and in every stream event", async () => {
    const ask = {
      model: "gpt-4o",
      input: "How do I push?",
      include: ["message.output_text.logprobs" as const],
      top_logprobs: 2,
    };
    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const whole = await client.responses.create(ask);
    expect(whole.output_text).toBe(`Use ${MASK} to push.`);
    expect(leaked(whole)).toEqual([]);

    gw.fake.respondWith({ kind: "text", text: SAYS, chunkSize: 4 });
    const events = [];
    for await (const event of await client.responses.create({ ...ask, stream: true })) events.push(event);
    const deltas = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : []));
    expect(deltas.join("")).toBe(`Use ${MASK} to push.`);
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(leaked(events)).toEqual([]);

    gw.fake.respondWith({ kind: "text", text: CLEAN, chunkSize: 4 });
    const clean = await client.responses.create(ask);
    const item = clean.output[0];
    const part = item?.type === "message" ? item.content[0] : undefined;
    const logprobs = part?.type === "output_text" ? (part.logprobs ?? []) : [];
    expect(logprobs.map((t) => t.token).join("")).toBe(CLEAN);
  });
});
