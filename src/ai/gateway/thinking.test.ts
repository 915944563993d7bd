import { Anthropic } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  type ScriptedUpstream,
  sseEvents,
  type ScriptedGateways,
  startScriptedGateways,
} from "../../../test/helpers/scripted-upstream.js";

/**
 * Anthropic signs every thinking block, and refuses a request whose latest assistant message carries one
 * whose text changed ("`thinking` or `redacted_thinking` blocks in the latest assistant message cannot be
 * modified"). Claude Code sends that message back with every request of a tool loop, so a thinking block
 * the gateway changed, on the way in or on the way out, would break the session for good. Thinking is
 * inspected (it counts for blocks and the audit) but never changed.
 */

const TOKEN = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
const THINKING = "I'll query 8.8.8.8 and mail grace.hopper@cobol-labs.io the result.";

let upstream: ScriptedUpstream;
let gw: TestGateway;
let blocking: TestGateway;
let scripted: ScriptedGateways;

beforeAll(async () => {
  scripted = await startScriptedGateways();
  ({ upstream, gw, blocking } = scripted);
});

afterAll(async () => {
  await scripted.close();
});

function anthropic(g: TestGateway): Anthropic {
  return new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0 });
}

const message = (content: unknown[]) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5",
  content,
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 9 },
});

/** A tool loop's next request: the last assistant turn (thinking, tool call) and the tool's result. */
function toolLoop(result: string): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    thinking: { type: "enabled", budget_tokens: 1024 },
    messages: [
      { role: "user", content: "check the resolver" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: THINKING, signature: "c2lnbmVk" },
          { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "dig example.com" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: result }] },
    ],
  };
}

describe("signed thinking is read but never changed", () => {
  it("sends the last turn's thinking upstream as it came, while the rest is redacted", async () => {
    upstream.answer(JSON.stringify(message([{ type: "text", text: "Done." }])));
    const { response } = await anthropic(gw)
      .messages.create(toolLoop("answer from ops@acme-corp.io: 93.184.216.34"))
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("redact");
    const sent = JSON.parse(upstream.requests.at(-1)!.body) as {
      messages: { content: { type: string; thinking?: string; signature?: string; content?: string }[] }[];
    };
    expect(sent.messages[1]!.content[0]).toEqual({
      type: "thinking",
      thinking: THINKING,
      signature: "c2lnbmVk",
    });
    expect(sent.messages[2]!.content[0]!.content).not.toContain("ops@acme-corp.io");
    const event = await eventually(
      () => gw.events.find((e) => e.reasons.some((r) => r.includes("signed thinking"))),
      "the event",
    );
    expect(event.action).toBe("redact");
    expect(event.reasons).toContain(
      "2 findings in signed thinking sent unchanged: the provider refuses a changed thinking block",
    );
  });

  it("calls a request whose only findings are in thinking a warning, and sends it as it came", async () => {
    upstream.answer(JSON.stringify(message([{ type: "text", text: "Done." }])));
    const params = toolLoop("no answer");
    const { response } = await anthropic(gw).messages.create(params).withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("warn");
    expect(JSON.parse(upstream.requests.at(-1)!.body)).toEqual({ ...params, stream: undefined });
  });

  it("redacts thinking the provider does not check: earlier turns, and blocks without a signature", async () => {
    upstream.answer(JSON.stringify(message([{ type: "text", text: "Done." }])));
    const params = toolLoop("no answer");
    const [first, earlier, result] = params.messages;
    const unsigned = { type: "thinking" as const, thinking: THINKING, signature: "" };
    await anthropic(gw).messages.create({
      ...params,
      messages: [
        first!,
        earlier!,
        result!,
        { role: "assistant", content: [unsigned] },
        { role: "user", content: "go on" },
      ],
    });
    const sent = JSON.parse(upstream.requests.at(-1)!.body) as {
      messages: { content: { thinking?: string }[] }[];
    };
    // The earlier turn's signed thinking, and the latest turn's unsigned one, are redacted.
    expect(sent.messages[1]!.content[0]!.thinking).toBe("I'll query [IP_1] and mail [EMAIL_1] the result.");
    expect(sent.messages[3]!.content[0]!.thinking).toBe("I'll query [IP_1] and mail [EMAIL_1] the result.");
  });

  it("passes the thinking of a whole answer as the provider signed it, and masks the text", async () => {
    upstream.answer(
      JSON.stringify(
        message([
          { type: "thinking", thinking: `The token ${TOKEN} is in the log.`, signature: "c2ln" },
          { type: "text", text: `Rotate ${TOKEN}.` },
        ]),
      ),
    );
    const got = await anthropic(gw).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "read the log" }],
    });
    expect(got.content[0]).toEqual({
      type: "thinking",
      thinking: `The token ${TOKEN} is in the log.`,
      signature: "c2ln",
    });
    expect(got.content[1]).toMatchObject({ type: "text", text: "Rotate [REDACTED_GITHUB_TOKEN]." });
    const event = await eventually(
      () => gw.events.find((e) => e.reasons.some((r) => r.includes("left as the provider sent it"))),
      "the event",
    );
    expect(event.reasons.at(-1)).toMatch(
      /; secret masked; 1 in signed thinking left as the provider sent it$/,
    );
  });

  /** A streamed answer: thinking in pieces, its signature, then a text block. */
  function thinkingStream(thinking: string, text: string): string[] {
    const pieces = thinking.match(/.{1,9}/gs) ?? [];
    return sseEvents([
      { type: "message_start", message: { ...message([]), stop_reason: null } },
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      },
      ...pieces.map((p) => ({
        type: "content_block_delta",
        index: 0,
        delta: { type: "thinking_delta", thinking: p },
      })),
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "c2lnbmVk" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text } },
      { type: "content_block_stop", index: 1 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 9 },
      },
      { type: "message_stop" },
    ]);
  }

  it("streams thinking as the provider signed it, before its signature", async () => {
    const thinking = `Found ${TOKEN} and grace.hopper@cobol-labs.io in the log`;
    upstream.answer(thinkingStream(thinking, `Rotate ${TOKEN}.`));
    const stream = anthropic(gw).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "read the log" }],
    });
    const order: string[] = [];
    stream.on("streamEvent", (ev) => {
      if (ev.type === "content_block_delta") order.push(ev.delta.type);
    });
    const got = await stream.finalMessage();
    expect(got.content[0]).toEqual({ type: "thinking", thinking, signature: "c2lnbmVk" });
    expect(got.content[1]).toMatchObject({ type: "text", text: "Rotate [REDACTED_GITHUB_TOKEN]." });
    expect(order.indexOf("signature_delta")).toBeGreaterThan(order.lastIndexOf("thinking_delta"));
  });

  it("sends thinking held back for a block check before its signature", async () => {
    const thinking = "Deploy with the key in DEPLOY_KEY=Kq8ZrT2mWx9vLp4N";
    upstream.answer(thinkingStream(thinking, "Done."));
    const stream = anthropic(blocking).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "deploy" }],
    });
    const order: string[] = [];
    stream.on("streamEvent", (ev) => {
      if (ev.type === "content_block_delta") order.push(ev.delta.type);
    });
    const got = await stream.finalMessage().catch((e: unknown) => e);
    expect(got).toMatchObject({
      content: [{ type: "thinking", thinking, signature: "c2lnbmVk" }, { type: "text" }],
    });
    expect(order.indexOf("signature_delta")).toBeGreaterThan(order.lastIndexOf("thinking_delta"));
  });

  it("still blocks an answer whose thinking holds a class the policy blocks", async () => {
    upstream.answer(thinkingStream(`Found ${TOKEN} in the log`, "Nothing to do."));
    const stream = anthropic(blocking).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "read the log" }],
    });
    let thinking = "";
    stream.on("thinking", (delta) => {
      thinking += delta;
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/stopped the model's answer/);
    expect(thinking).not.toContain(TOKEN.slice(0, 12));
  });
});
