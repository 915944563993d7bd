import { Anthropic } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../services/ai/events.js";
import {
  eventually,
  readChatStream,
  startTestGateway,
  type TestGateway,
} from "../../../test/helpers/gateway.js";

/**
 * What the gateway does with the answer, as the audit trail and the client see it: an answer whose
 * inspection fails is decided by `ai.failMode` like a request is, and what was done to an answer
 * (masked, warned about) is the event's action.
 */

// Any text containing this makes inspection throw, as a detector's bug would (see startTestGateway).
const BREAK = "Zq-inspection-fails-here";
const TEXT = `Here is the plan, step by step, before the part that fails: ${BREAK} and the rest after it.`;
const AWS_KEY = "AKIA" + "Z7QWERTY4ASDFGH2";

let closed: TestGateway;
let open: TestGateway;
let blocking: TestGateway;

beforeAll(async () => {
  closed = await startTestGateway({ breakInspectionOn: BREAK });
  open = await startTestGateway({ breakInspectionOn: BREAK, extraYaml: "  failMode: open\n" });
  blocking = await startTestGateway({
    breakInspectionOn: BREAK,
    extraYaml: "  responses: { secret: block }\n",
  });
});

afterAll(async () => {
  await closed.close();
  await open.close();
  await blocking.close();
});

function openai(gw: TestGateway): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
}

async function readStream(gw: TestGateway, question: string): Promise<{ text: string; error: unknown }> {
  const stream = await openai(gw).chat.completions.create({
    model: "gpt-4o",
    stream: true,
    messages: [{ role: "user", content: question }],
  });
  return readChatStream(stream);
}

describe("an answer that cannot be inspected, failMode closed (the default)", () => {
  it("is withheld whole, with a 503 the SDK raises, and audited as blocked", async () => {
    closed.fake.respondWith({ kind: "text", text: TEXT });
    const before = closed.events.length;
    const failure = await openai(closed)
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Plan it." }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((failure as Error).message).toMatch(/could not inspect the model's answer.*fail closed/);
    const event = await eventually(() => closed.events[before], "the event");
    expect(event).toMatchObject({ action: "block", status: 503, error: "inspection_failed" });
    expect(event.reasons).toContain("the answer could not be inspected: withheld (fail closed)");
  });

  it("stops a stream where inspection failed: what was checked arrived, the rest did not", async () => {
    closed.fake.respondWith({ kind: "text", text: TEXT, chunkSize: 8, delayMs: 5 });
    const before = closed.events.length;
    const aborted = closed.fake.aborted;
    const { text, error } = await readStream(closed, "Plan it, streaming.");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/could not inspect the rest of the model's answer/);
    expect(text.startsWith("Here is the plan")).toBe(true);
    expect(text).not.toContain(BREAK.slice(0, 8));
    expect(text).not.toContain("the rest after it");
    const event = await eventually(() => closed.events[before], "the event");
    expect(event).toMatchObject({ action: "block", status: 503, error: "inspection_failed" });
    expect(event.reasons).toContain("the answer could not be inspected: withheld (fail closed)");
    // The upstream request was cancelled, not read to its end.
    await eventually(() => (closed.fake.aborted > aborted ? true : undefined), "the upstream's abort");
  });

  it("refuses a request it cannot inspect, and says so in the event", async () => {
    const before = closed.events.length;
    const failure = await openai(closed)
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: `Say ${BREAK}` }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const event = await eventually(() => closed.events[before], "the event");
    expect(event).toMatchObject({ action: "block", error: "inspection_failed" });
    expect(event.reasons).toEqual(["the request could not be inspected: not sent (fail closed)"]);
  });
});

describe("an answer blocked, then not inspectable, in one piece of the stream", () => {
  it("is stopped as blocked, with nothing of it sent", async () => {
    // Sent at once, so that the event completing the key and the one that fails arrive together.
    const text = `Use ${AWS_KEY} now and then ${BREAK} more words.`;
    blocking.fake.respondWith({ kind: "text", text, chunkSize: 12 });
    const before = blocking.events.length;
    const { text: received, error } = await readStream(blocking, "Deploy how?");
    expect((error as Error).message).toMatch(/stopped the model's answer/);
    expect(received).not.toContain("now and");
    expect(received).not.toContain(AWS_KEY.slice(0, 8));
    const event = await eventually(() => blocking.events[before], "the event");
    expect(event).toMatchObject({ action: "block", status: 200, error: "response_blocked" });
  });
});

describe("an answer that cannot be inspected, failMode open", () => {
  it("passes whole and unchanged, and the event records that it was not checked", async () => {
    open.fake.respondWith({ kind: "text", text: TEXT });
    const before = open.events.length;
    const answer = await openai(open).chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Plan it." }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    const event = await eventually(() => open.events[before], "the event");
    expect(event).toMatchObject({ action: "allow", status: 200, error: "inspection_failed" });
    expect(event.reasons).toContain("the answer could not be inspected: passed unchecked (fail open)");
  });

  it("streams the rest unchecked, with no character lost or repeated where inspection stopped", async () => {
    // Small chunks, so that the inspector is holding back the end of a word when it fails.
    for (const chunkSize of [3, 7, 16]) {
      open.fake.respondWith({ kind: "text", text: TEXT, chunkSize });
      const before = open.events.length;
      const { text, error } = await readStream(open, "Plan it, streaming.");
      expect(error).toBeNull();
      expect(text).toBe(TEXT);
      const event = await eventually(() => open.events[before], "the event");
      expect(event).toMatchObject({ status: 200, error: "inspection_failed" });
      expect(event.reasons).toContain("the answer could not be inspected: passed unchecked (fail open)");
    }
  });

  it("sends a request it cannot inspect, and keeps that in the event's reasons", async () => {
    open.fake.respondWith({ kind: "text", text: "Done." });
    const before = open.events.length;
    await openai(open).chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: `Say ${BREAK}` }],
    });
    const event = await eventually(() => open.events[before], "the event");
    expect(event).toMatchObject({ status: 200, error: "inspection_failed" });
    expect(event.reasons[0]).toBe("the request could not be inspected: sent unchecked (fail open)");
  });
});

describe("what was done to an answer is the event's action", () => {
  it("redact, when a secret in the answer was masked (streamed and whole, both APIs)", async () => {
    const gw = closed;
    const leak = `Use ${AWS_KEY} as the access key id, then run the deploy.`;
    gw.fake.respondWith({ kind: "text", text: leak, chunkSize: 5 });
    const streamed = await readStream(gw, "How do I deploy?");
    expect(streamed.text).not.toContain(AWS_KEY);
    gw.fake.respondWith({ kind: "text", text: leak });
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    const whole = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "How do I deploy?" }],
    });
    expect(JSON.stringify(whole.content)).not.toContain(AWS_KEY);
    await gw.flush();
    const events = gw.events.slice(-2);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.action).toBe("redact");
      expect(e.reasons.at(-1)).toMatch(
        /^the answer contained 1 secret finding \(aws-access-key-id\); secret masked$/,
      );
    }
    // The CLI's filter finds them.
    const listed = await listEvents({ ctx: { store: gw.store }, input: { action: ["redact"] } });
    expect(listed.some((e) => e.endpoint === "messages")).toBe(true);
    expect(listed.some((e) => e.endpoint === "chat.completions" && e.stream)).toBe(true);
  });

  it("warn, when the answer holds code the policy warns about (TLS checks off)", async () => {
    const gw = closed;
    gw.fake.respondWith({
      kind: "text",
      text: "Try this:\n\n```python\nrequests.get(url, verify=False)\n```\n",
      chunkSize: 9,
    });
    const before = gw.events.length;
    const { text } = await readStream(gw, "Why does the request fail?");
    expect(text).toContain("verify=False"); // warned about, not masked
    const event = await eventually(() => gw.events[before], "the event");
    expect(event.action).toBe("warn");
    expect(event.reasons.at(-1)).toMatch(/^the answer contained 1 unsafe-code finding/);
  });
});
