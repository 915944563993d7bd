import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedGateways, type ScriptedGateways } from "../../../test/helpers/scripted-upstream.js";

/**
 * OpenAI-compatible servers send more per token than OpenAI does, and some send a text twice: vLLM
 * returns each choice's `token_ids` when asked (`return_token_ids`), Together puts a chunk's `token_id`
 * in its delta and repeats the delta's content as the choice's `text`. None of it may let a client read
 * what the gateway masked, and the text the client reads must be the masked text, once.
 */

// Synthetic, with a real shape (documentation examples are allowlisted).
const SECRET = "ghp_" + "Wq7Zr2Tn4Xv9Lb1Cd6Jf3Kg8Ps5Qa0Eu7Hm4";
const MASK = "[REDACTED_GITHUB_TOKEN]";
// The token starts at a multiple of 4, so that streamed in pieces of 4 no letter of it goes out before
// it looks like a token (see createStreamInspector).
const SAYS = `Use ${SECRET} to push.`;
const MASKED = `Use ${MASK} to push.`;
const CLEAN = "Use the deploy key from the vault to push.";
/** A token id per piece: 1000 + the piece's place, so a client-side id tells which piece it came with. */
const ID = 1000;

let s: ScriptedGateways;
let client: OpenAI;

beforeAll(async () => {
  s = await startScriptedGateways();
  client = new OpenAI({ baseURL: `${s.gw.url}/v1`, apiKey: s.gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await s.close();
});

function pieces(text: string): string[] {
  return text.match(/[^]{1,4}/g) ?? [];
}

function chunk(choice: Record<string, unknown>): string {
  const body = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [choice],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** The pieces of the secret's random part (4 characters) that `value` shows anywhere. */
function leaked(value: unknown): string[] {
  const json = JSON.stringify(value);
  const body = SECRET.slice(4);
  const out: string[] = [];
  for (let i = 0; i + 4 <= body.length; i++)
    if (json.includes(body.slice(i, i + 4))) out.push(body.slice(i, i + 4));
  return out;
}

const ask = { model: "gpt-4o", messages: [{ role: "user" as const, content: "How do I push?" }] };

interface Received {
  readonly content: string;
  readonly text: unknown;
  readonly tokenId: unknown;
  readonly tokenIds: unknown;
}

async function streamed(): Promise<Received[]> {
  const out: Received[] = [];
  for await (const c of await client.chat.completions.create({ ...ask, stream: true })) {
    const choice = c.choices[0] as unknown as Record<string, unknown> | undefined;
    const delta = (choice?.delta ?? {}) as Record<string, unknown>;
    out.push({
      content: typeof delta.content === "string" ? delta.content : "",
      text: choice?.text,
      tokenId: delta.token_id,
      tokenIds: choice?.token_ids,
    });
  }
  return out;
}

describe("per-token details of OpenAI-compatible servers", () => {
  it("Together: the text sent twice is read once, masked in both, and a changed chunk loses its token_id", async () => {
    const sent = pieces(SAYS);
    s.upstream.answer(
      sent
        .map((p, i) =>
          chunk({
            index: 0,
            text: p,
            logprobs: -0.25,
            delta: { role: "assistant", content: p, token_id: ID + i },
            finish_reason: null,
          }),
        )
        .join("") +
        chunk({ index: 0, text: "", delta: {}, finish_reason: "stop" }) +
        "data: [DONE]\n\n",
    );
    const got = await streamed();
    expect(got.map((c) => c.content).join("")).toBe(MASKED);
    expect(leaked(got)).toEqual([]);
    for (const c of got) {
      // The copy says what the content says.
      if (typeof c.text === "string" && c.content !== "") expect(c.text).toBe(c.content);
      // An id that stayed belongs to a piece that went out as it came.
      if (typeof c.tokenId === "number") expect(c.content).toBe(sent[c.tokenId - ID]);
    }
    const event = s.gw.events.at(-1);
    expect(event?.detections.filter((d) => d.where === "response").reduce((n, d) => n + d.count, 0)).toBe(1);
  });

  it("vLLM: a masked choice's token_ids are emptied, whole and streamed; a clean one keeps them", async () => {
    const whole = (content: string) =>
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content },
            logprobs: null,
            finish_reason: "stop",
            token_ids: pieces(content).map((_, i) => ID + i),
          },
        ],
        prompt_token_ids: [1, 2, 3],
      });
    const withIds = { ...ask, return_token_ids: true } as typeof ask;
    s.upstream.answer(whole(SAYS));
    const masked = await client.chat.completions.create(withIds);
    expect(JSON.parse(s.upstream.requests.at(-1)!.body)).toMatchObject({ return_token_ids: true });
    const choice = masked.choices[0] as unknown as Record<string, unknown>;
    expect(masked.choices[0]?.message.content).toBe(MASKED);
    expect(choice.token_ids).toEqual([]);

    s.upstream.answer(whole(CLEAN));
    const clean = await client.chat.completions.create(withIds);
    expect((clean.choices[0] as unknown as Record<string, unknown>).token_ids).toEqual(
      pieces(CLEAN).map((_, i) => ID + i),
    );

    const sent = pieces(SAYS);
    s.upstream.answer(
      sent
        .map((p, i) =>
          chunk({
            index: 0,
            delta: { content: p },
            logprobs: null,
            finish_reason: null,
            token_ids: [ID + i],
          }),
        )
        .join("") +
        chunk({ index: 0, delta: {}, finish_reason: "stop" }) +
        "data: [DONE]\n\n",
    );
    const got = await streamed();
    expect(got.map((c) => c.content).join("")).toBe(MASKED);
    for (const c of got) {
      const ids = c.tokenIds as number[] | undefined;
      if (ids && ids.length > 0) expect(c.content).toBe(sent[ids[0]! - ID]);
    }
  });
});
