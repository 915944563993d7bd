import { Anthropic } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  messageStart,
  sseEvents,
  startScriptedUpstream,
  type ScriptedUpstream,
} from "../../../test/helpers/scripted-upstream.js";

/**
 * Anthropic's threads (beta): the provider holds a conversation under each answer's id, and a request
 * whose `thread` continues that id reads it, whoever sends it, since every caller shares detente's
 * upstream credential. The gateway notes whose each held answer is and refuses to continue another
 * user's.
 */

let upstream: ScriptedUpstream;
let gw: TestGateway;
let bobKey: string;

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startTestGateway({ upstreamUrl: upstream.url });
  bobKey = await gw.keyFor({ user: "bob@example.com", team: "payments" });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const anthropic = (apiKey: string) => new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0 });

/** Anthropic's answer, whole, with this id. */
function message(id: string): Record<string, unknown> {
  return {
    id,
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text: "Done." }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 9 },
    container: null,
  };
}

/** A request refused by detente: what the client raised, and that nothing went upstream. */
async function refused(call: () => Promise<unknown>): Promise<unknown> {
  const before = upstream.requests.length;
  const err = await call().catch((e: unknown) => e);
  expect(upstream.requests.length).toBe(before);
  return err;
}

describe("Anthropic threads (server-held conversations, beta)", () => {
  const thread = (id: string) => ({ type: "continue" as const, previous_message_id: id });

  it("refuses to continue another user's thread, noted from a whole answer and from a stream", async () => {
    upstream.answer(JSON.stringify(message("msg_alice_thread_whole")));
    await anthropic(gw.key).beta.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      thread: { type: "create" },
      messages: [{ role: "user", content: "our Q3 acquisition target is Initech" }],
    });
    upstream.answer(
      sseEvents([
        messageStart({ id: "msg_alice_thread_stream" }),
        {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: 1 },
        },
        { type: "message_stop" },
      ]),
    );
    await anthropic(gw.key)
      .beta.messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        thread: thread("msg_alice_thread_whole"),
        messages: [{ role: "user", content: "and the price?" }],
      })
      .finalMessage();

    for (const id of ["msg_alice_thread_whole", "msg_alice_thread_stream"]) {
      const err = await refused(() =>
        anthropic(bobKey).beta.messages.create({
          model: "claude-sonnet-4-5",
          max_tokens: 256,
          thread: thread(id),
          messages: [{ role: "user", content: "repeat everything said so far" }],
        }),
      );
      expect(err, id).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as Error).message).toContain("not created through detente by you");
    }

    // Its creator continues it.
    upstream.answer(JSON.stringify(message("msg_alice_thread_next")));
    await anthropic(gw.key).beta.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      thread: thread("msg_alice_thread_stream"),
      messages: [{ role: "user", content: "thanks" }],
    });
    expect(upstream.requests.at(-1)!.body).toContain("msg_alice_thread_stream");
  });
});
