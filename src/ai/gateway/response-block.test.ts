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
});
