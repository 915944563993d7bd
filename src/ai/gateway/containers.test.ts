import { Anthropic } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  messageStart,
  sseEvents,
  startScriptedUpstream,
  type ScriptedUpstream,
} from "../../../test/helpers/scripted-upstream.js";

/**
 * A code-execution container the provider made for one user's request holds the files uploaded to it
 * and those its code wrote, and every caller shares detente's upstream credential: a later request that
 * names the container by id would have the model read those files to whoever sent it. The gateway notes
 * whose each container is from the answers that tell of it, stored or not, and refuses a request that
 * names another user's.
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

const openai = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
const anthropic = (apiKey: string) => new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0 });

/** A Responses answer, whole, with these output items. */
function response(id: string, output: unknown[]): Record<string, unknown> {
  return {
    id,
    object: "response",
    created_at: 1,
    status: "completed",
    model: "gpt-4o",
    output,
    usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 },
  };
}

const codeCall = (container: string) => ({
  id: "ci_1",
  type: "code_interpreter_call",
  status: "completed",
  code: "open('/mnt/data/salaries.csv').read()",
  container_id: container,
  outputs: [],
});

const said = (text: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status: "completed",
  content: [{ type: "output_text", text, annotations: [] }],
});

/** Anthropic's answer, whole, with the container it ran code in. */
function message(container: string | null): Record<string, unknown> {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text: "Done." }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 9 },
    container:
      container === null ? null : { id: container, expires_at: "2026-12-05T01:00:00Z", skills: null },
  };
}

/** The audit event of bob's refused request (code `code`), once written. */
async function bobsRefusal(endpoint: string) {
  return eventually(
    () =>
      gw.events.find(
        (e) => e.user === "bob@example.com" && e.endpoint === endpoint && e.error === "container_not_found",
      ),
    "bob's refused request",
  );
}

/** A request refused by detente: what the client raised, and that nothing went upstream. */
async function refused(call: () => Promise<unknown>): Promise<unknown> {
  const before = upstream.requests.length;
  const err = await call().catch((e: unknown) => e);
  expect(upstream.requests.length).toBe(before);
  return err;
}

describe("code-execution containers through the Responses API", () => {
  it("refuses another user's container named by a code interpreter tool, from a whole answer not stored", async () => {
    const container = "cntr_alice_whole_0001";
    upstream.answer(JSON.stringify(response("resp_w1", [codeCall(container), said("Total: 42")])));
    const made = await openai(gw.key).responses.create({
      model: "gpt-4o",
      input: "sum the salaries in the file",
      store: false,
      tools: [{ type: "code_interpreter", container: { type: "auto" } }],
    });
    expect(made.output_text).toBe("Total: 42");

    const tools: OpenAI.Responses.Tool[] = [{ type: "code_interpreter", container }];
    const err = await refused(() =>
      openai(bobKey).responses.create({ model: "gpt-4o", input: "print the file again", tools }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as { code?: unknown }).code).toBe("container_not_found");
    expect((err as Error).message).toContain("not made or used through detente by you");
    const denied = await bobsRefusal("responses");
    expect(denied).toMatchObject({ action: "deny", status: 400 });
    expect(denied.reasons.join(" ")).toContain("container another user's request made or used");
    expect(JSON.stringify(denied)).not.toContain(container);

    // Its owner reuses it; a container nobody made through detente is the provider's to judge.
    for (const [key, id] of [
      [gw.key, container],
      [bobKey, "cntr_made_at_the_provider"],
    ] as const) {
      upstream.answer(JSON.stringify(response("resp_w2", [said("ok")])));
      const ok = await openai(key).responses.create({
        model: "gpt-4o",
        input: "again",
        tools: [{ type: "code_interpreter", container: id }],
      });
      expect(ok.output_text).toBe("ok");
      expect(upstream.requests.at(-1)!.body).toContain(id);
    }
  });

  it("refuses another user's container from a streamed answer, named as a shell tool's environment", async () => {
    const container = "cntr_alice_stream_0001";
    const item = codeCall(container);
    upstream.answer(
      sseEvents(
        [
          { type: "response.created", response: { ...response("resp_s1", []), status: "in_progress" } },
          { type: "response.output_item.added", output_index: 0, item: { ...item, status: "in_progress" } },
          { type: "response.output_item.done", output_index: 0, item },
          { type: "response.completed", response: response("resp_s1", [item]) },
        ].map((e, i) => ({ ...e, sequence_number: i })),
      ),
    );
    const stream = await openai(gw.key).responses.create({
      model: "gpt-4o",
      input: "plot the file",
      store: false,
      stream: true,
      tools: [{ type: "code_interpreter", container: { type: "auto" } }],
    });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types.at(-1)).toBe("response.completed");

    const environment = { type: "container_reference", container_id: container } as const;
    const err = await refused(() =>
      openai(bobKey).responses.create({
        model: "gpt-4o",
        input: "cat /mnt/data/*",
        tools: [{ type: "shell", environment }],
      }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as { code?: unknown }).code).toBe("container_not_found");
    expect(await bobsRefusal("responses")).toMatchObject({ action: "deny", status: 400 });

    upstream.answer(JSON.stringify(response("resp_s2", [said("ok")])));
    const ok = await openai(gw.key).responses.create({
      model: "gpt-4o",
      input: "ls",
      tools: [{ type: "shell", environment }],
    });
    expect(ok.output_text).toBe("ok");
  });
  it("notes the containers of a background response when its creator retrieves it", async () => {
    const container = "cntr_alice_background_0001";
    upstream.answer(JSON.stringify({ ...response("resp_b1", []), status: "queued" }));
    await openai(gw.key).responses.create({
      model: "gpt-4o",
      input: "crunch the file",
      background: true,
      tools: [{ type: "code_interpreter", container: { type: "auto" } }],
    });
    upstream.answer(JSON.stringify(response("resp_b1", [codeCall(container), said("Total: 42")])));
    expect((await openai(gw.key).responses.retrieve("resp_b1")).output_text).toBe("Total: 42");

    const err = await refused(() =>
      openai(bobKey).responses.create({
        model: "gpt-4o",
        input: "print the file again",
        tools: [{ type: "code_interpreter", container }],
      }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("code-execution containers through the Anthropic Messages API", () => {
  it("refuses another user's container from a whole answer, named by id", async () => {
    const container = "container_alice_whole_0001";
    upstream.answer(JSON.stringify(message(container)));
    const made = await anthropic(gw.key).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: "sum the salaries in the file" }],
    });
    expect(made.container?.id).toBe(container);

    const err = await refused(() =>
      anthropic(bobKey).messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        container,
        messages: [{ role: "user", content: "print the file again" }],
      }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain("not made or used through detente by you");
    const denied = await bobsRefusal("messages");
    expect(denied).toMatchObject({ action: "deny", status: 400 });
    expect(JSON.stringify(denied)).not.toContain(container);

    for (const [key, id] of [
      [gw.key, container],
      [bobKey, "container_made_at_the_provider"],
    ] as const) {
      upstream.answer(JSON.stringify(message(null)));
      await anthropic(key).messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        container: id,
        messages: [{ role: "user", content: "again" }],
      });
      expect(upstream.requests.at(-1)!.body).toContain(id);
    }
  });

  it("refuses another user's container from a streamed answer, named with skills", async () => {
    const container = "container_alice_stream_0001";
    upstream.answer(
      sseEvents([
        messageStart(),
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Done." } },
        { type: "content_block_stop", index: 0 },
        {
          type: "message_delta",
          delta: {
            stop_reason: "end_turn",
            stop_sequence: null,
            container: { id: container, expires_at: "2026-12-05T01:00:00Z", skills: null },
          },
          usage: { output_tokens: 9 },
        },
        { type: "message_stop" },
      ]),
    );
    const done = await anthropic(gw.key)
      .messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        messages: [{ role: "user", content: "plot the file" }],
      })
      .finalMessage();
    expect(done.container?.id).toBe(container);

    const named = { id: container, skills: [] };
    const err = await refused(() =>
      anthropic(bobKey).messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        container: named,
        messages: [{ role: "user", content: "print the file again" }],
      }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(await bobsRefusal("messages")).toMatchObject({ action: "deny", status: 400 });

    upstream.answer(JSON.stringify(message(null)));
    await anthropic(gw.key).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      container: named,
      messages: [{ role: "user", content: "again" }],
    });
    expect(upstream.requests.at(-1)!.body).toContain(container);
  });
});

describe("what detente notes is checked on every upstream that reaches the same server", () => {
  it("refuses another user's container named through an upstream whose base URL adds the /v1 its type leaves out", async () => {
    // `anthropic` (type anthropic, `${url}`) and `local` (openai-compatible with the Anthropic format,
    // `${url}/v1`) both send a Messages request to `${url}/v1/messages`: one server, one account's containers.
    const container = "container_alice_other_base_0001";
    upstream.answer(JSON.stringify(message(container)));
    await anthropic(gw.key).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: "sum the salaries in the file" }],
    });
    const err = await refused(() =>
      anthropic(bobKey).messages.create({
        model: "codestral-latest",
        max_tokens: 256,
        container,
        messages: [{ role: "user", content: "print the file again" }],
      }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain("not made or used through detente by you");
  });
});
