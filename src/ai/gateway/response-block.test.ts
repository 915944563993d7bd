import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  readChatStream,
  startTestGateway,
  type TestGateway,
} from "../../../test/helpers/gateway.js";

// A policy that stops answers carrying a credential instead of masking it.
const POLICY = `  responses: { secret: block }
`;
const TOKEN = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ extraYaml: POLICY });
});
afterAll(async () => {
  await gw.close();
});

describe("an answer blocked for a secret", () => {
  it("never streams the secret to the client before the block", async () => {
    gw.fake.respondWith({
      kind: "text",
      text: `Here is the token: ${TOKEN} and some more words after it, as models write.`,
      chunkSize: 6,
      delayMs: 10,
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "Print the deploy token." }],
    });
    const { text: received, error: failure } = await readChatStream(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toMatch(/stopped the model's answer/);
    // The text before it streamed as it came: only the credential was held back.
    expect(received).toContain("Here is the token:");
    // Not the token, nor any piece of it long enough to matter.
    expect(received).not.toContain(TOKEN.slice(0, 12));
    const event = await eventually(
      () => gw.events.find((e) => e.error === "response_blocked"),
      "the blocked answer's event",
    );
    expect(event.action).toBe("block");
  });

  it("tells a Responses API client why in response.failed, which Codex reads, then in the error event", async () => {
    // Paced, so that response.created reaches the client before the token comes.
    gw.fake.respondWith({
      kind: "text",
      text: `Here is the token: ${TOKEN} now.`,
      chunkSize: 6,
      delayMs: 10,
    });
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", input: "Print the deploy token.", stream: true }),
    });
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e.startsWith("event:"))
      .map((e) => e.slice("event: ".length, e.indexOf("\n")));
    expect(events.slice(-2)).toEqual(["response.failed", "error"]);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    gw.fake.respondWith({
      kind: "text",
      text: `Here is the token: ${TOKEN} now.`,
      chunkSize: 6,
      delayMs: 10,
    });
    const stream = await client.responses.create({ model: "gpt-4o", input: "Print it.", stream: true });
    const seen: OpenAI.Responses.ResponseStreamEvent[] = [];
    const error = await (async () => {
      for await (const ev of stream) seen.push(ev);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const last = seen.at(-1);
    expect(last?.type).toBe("response.failed");
    expect(last?.type === "response.failed" ? last.response.error : null).toEqual({
      code: "response_blocked",
      message: expect.stringMatching(/^detente stopped the model's answer/) as string,
    });
  });
});
