import { Anthropic } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
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
 * user's. Its cache diagnostics (beta) compare a prompt with that of the answer a request names: the
 * gateway leaves out a name that is not the caller's own.
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

/** Anthropic's answer, streamed, with this id. */
function streamed(id: string): string[] {
  return sseEvents([
    messageStart({ id }),
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 1 },
    },
    { type: "message_stop" },
  ]);
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
    upstream.answer(streamed("msg_alice_thread_stream"));
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

describe("Anthropic cache diagnostics (beta)", () => {
  /** What the last request that reached the upstream asked the diagnostics to compare with. */
  const sentCompares = (): unknown =>
    (JSON.parse(upstream.requests.at(-1)!.body) as { diagnostics?: { previous_message_id?: unknown } })
      .diagnostics?.previous_message_id;

  const ask = (apiKey: string, previous: string | null, content = "list the open incidents") =>
    anthropic(apiKey).beta.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      diagnostics: { previous_message_id: previous },
      messages: [{ role: "user", content }],
    });

  it("compares only with the caller's own answers: another user's id, or an unknown one, is left out", async () => {
    // Alice opts in on her first turn (whole answer) and her second (a stream): both answers are noted.
    upstream.answer(JSON.stringify(message("msg_alice_diag_1")));
    await ask(gw.key, null, "the board meets about the Initech offer on Friday");
    expect(sentCompares()).toBeNull();
    upstream.answer(streamed("msg_alice_diag_2"));
    await anthropic(gw.key)
      .beta.messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        diagnostics: { previous_message_id: "msg_alice_diag_1" },
        messages: [{ role: "user", content: "draft the summary" }],
      })
      .finalMessage();
    expect(sentCompares()).toBe("msg_alice_diag_1");

    // Her own ids go as they are.
    upstream.answer(JSON.stringify(message("msg_alice_diag_3")));
    await ask(gw.key, "msg_alice_diag_2");
    expect(sentCompares()).toBe("msg_alice_diag_2");

    // Bob's request naming hers is answered, but without the comparison; so is one naming an id
    // nobody created through detente (an answer of a request without diagnostics is not noted).
    for (const id of ["msg_alice_diag_1", "msg_alice_diag_2", "msg_made_elsewhere"]) {
      const before = gw.events.length;
      upstream.answer(JSON.stringify(message(`msg_bob_${id}`)));
      const answer = await ask(bobKey, id, "the board meets about");
      expect(answer.id, id).toBe(`msg_bob_${id}`);
      expect(sentCompares(), id).toBeNull();
      expect(upstream.requests.at(-1)!.body).not.toContain(id);
      const event = await eventually(() => gw.events[before], "the event");
      expect(event.reasons).toContain(
        "cache diagnostics' previous_message_id left out: not an answer you created through detente",
      );
    }

    // A value that is no id is left out too, rather than sent for the provider to read as it may.
    for (const odd of [["msg_alice_diag_1"], { id: "msg_alice_diag_1" }, 7]) {
      upstream.answer(JSON.stringify(message("msg_bob_odd")));
      await anthropic(bobKey).beta.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        diagnostics: { previous_message_id: odd as unknown as string },
        messages: [{ role: "user", content: "the board meets about" }],
      });
      expect(sentCompares(), JSON.stringify(odd)).toBeNull();
    }

    // Bob's own answer (noted as his, as he asked for diagnostics) is his to compare with.
    upstream.answer(JSON.stringify(message("msg_bob_own")));
    await ask(bobKey, "msg_bob_msg_made_elsewhere");
    expect(sentCompares()).toBe("msg_bob_msg_made_elsewhere");
  });
});

describe("Anthropic cache diagnostics when the store cannot answer", () => {
  it("leaves the id out, and the audit event says the store could not tell", async () => {
    const own = await startTestGateway({ upstreamUrl: upstream.url });
    try {
      const client = new Anthropic({ baseURL: own.url, apiKey: own.key, maxRetries: 0 });
      upstream.answer(JSON.stringify(message("msg_before_outage")));
      await client.beta.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        diagnostics: { previous_message_id: null },
        messages: [{ role: "user", content: "status of the migration" }],
      });
      await own.flush();
      await own.store.close(); // the key stays cached; looking up whose the answer is fails
      const before = own.events.length;
      upstream.answer(JSON.stringify(message("msg_during_outage")));
      const answer = await client.beta.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        diagnostics: { previous_message_id: "msg_before_outage" },
        messages: [{ role: "user", content: "and now?" }],
      });
      expect(answer.id).toBe("msg_during_outage");
      const sent = JSON.parse(upstream.requests.at(-1)!.body) as {
        diagnostics: { previous_message_id: unknown };
      };
      expect(sent.diagnostics.previous_message_id).toBeNull();
      const event = await eventually(() => own.events[before], "the event");
      expect(event.reasons).toContain(
        "cache diagnostics' previous_message_id left out: the store could not tell whose answer it names",
      );
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
