import { Anthropic } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  type ScriptedUpstream,
  messageStart,
  sseEvents,
  type ScriptedGateways,
  startScriptedGateways,
} from "../../../test/helpers/scripted-upstream.js";

/**
 * A streamed tool call's arguments are JSON source, cut anywhere. The gateway must read their values
 * decoded, as it reads a whole answer's tool input: escapes (`\n`, `\"`) are not part of a secret, a
 * masked value must not swallow them, and a secret behind escaped quotes must be found. Claude Code
 * streams every Write, Edit and Bash call this way; Codex every function call.
 */

const PASSWORD = "Zx9kQ2mW7pL4vR8t";
const MASK = "[REDACTED_PASSWORD]";

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

/** `text` in pieces of `size` characters. */
function cut(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** An Anthropic stream with one tool_use block whose input JSON comes in pieces of 7 characters. */
function toolUseStream(input: unknown): string[] {
  const json = typeof input === "string" ? input : JSON.stringify(input); // a string: the JSON as sent
  return sseEvents([
    messageStart(),
    {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "toolu_1", name: "Write", input: {} },
    },
    ...["", ...cut(json, 7)].map((partial_json) => ({
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json },
    })),
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: 9 },
    },
    { type: "message_stop" },
  ]);
}

/** The same tool call as a whole Anthropic answer. */
function toolUseMessage(input: unknown): string[] {
  return [
    JSON.stringify({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "tool_use", id: "toolu_1", name: "Write", input }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 9 },
    }),
  ];
}

function anthropic(g: TestGateway): Anthropic {
  return new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0 });
}

/** The tool input Claude Code gets from a streamed answer, and from the same answer sent whole. */
async function streamedAndWhole(input: unknown): Promise<[unknown, unknown]> {
  const params = {
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    messages: [{ role: "user" as const, content: "write the file" }],
  };
  upstream.answer(toolUseStream(input));
  const message = await anthropic(gw).messages.stream(params).finalMessage();
  upstream.answer(toolUseMessage(input));
  const whole = await anthropic(gw).messages.create(params);
  const inputOf = (m: Anthropic.Message): unknown => m.content.find((b) => b.type === "tool_use")?.input;
  return [inputOf(message), inputOf(whole)];
}

describe("streamed tool call arguments are read as the JSON they are", () => {
  it("masks a password in a file the model writes without eating the lines after it", async () => {
    const content = `DB_PASSWORD=${PASSWORD}\nDB_HOST=localhost\nDB_PORT=5432\n`;
    const [streamed, whole] = await streamedAndWhole({ file_path: "/srv/app/.env", content });
    expect(streamed).toEqual({
      file_path: "/srv/app/.env",
      content: `DB_PASSWORD=${MASK}\nDB_HOST=localhost\nDB_PORT=5432\n`,
    });
    expect(whole).toEqual(streamed);
  });

  it("keeps a command's JSON valid when the password sits before an escaped quote", async () => {
    const command = `curl -d "password=${PASSWORD}" https://api.example.com/login`;
    const [streamed, whole] = await streamedAndWhole({ command });
    expect(streamed).toEqual({ command: `curl -d "password=${MASK}" https://api.example.com/login` });
    expect(whole).toEqual(streamed);
  });

  it("finds a password in a JSON file the model writes, behind its escaped quotes", async () => {
    const content = `{\n  "user": "app",\n  "password": "${PASSWORD}"\n}\n`;
    const [streamed, whole] = await streamedAndWhole({ file_path: "config.json", content });
    expect(JSON.stringify(streamed)).not.toContain(PASSWORD);
    expect(streamed).toEqual({
      file_path: "config.json",
      content: `{\n  "user": "app",\n  "password": "${MASK}"\n}\n`,
    });
    expect(whole).toEqual(streamed);
  });

  it("reads arguments with a key given twice as the client will, decoded", async () => {
    const content = `{\n  "password": "${PASSWORD}"\n}`;
    upstream.answer(
      toolUseStream(`{"file_path": "a", "file_path": "config.json", "content": ${JSON.stringify(content)}}`),
    );
    const message = await anthropic(gw)
      .messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 1024,
        messages: [{ role: "user", content: "x" }],
      })
      .finalMessage();
    expect(message.content.find((b) => b.type === "tool_use")?.input).toEqual({
      file_path: "config.json",
      content: content.replace(PASSWORD, MASK),
    });
  });

  it("keeps a name-value pair whole when the name holds what is masked", async () => {
    const [streamed, whole] = await streamedAndWhole({ name: `DB_PASSWORD=${PASSWORD}`, value: "1" });
    expect(streamed).toEqual({ name: `DB_PASSWORD=${MASK}`, value: "1" });
    expect(whole).toEqual(streamed);
  });

  it("reads each argument under its key, as a password is told by its name, streamed or whole", async () => {
    const [streamed, whole] = await streamedAndWhole({ password: "Tr0ub4dor-x9Qz-77aa", retries: 3 });
    expect(streamed).toEqual({ password: MASK, retries: 3 });
    expect(whole).toEqual(streamed);
  });

  it("reads a value under the name its sibling gives it (Kubernetes env lists), streamed or whole", async () => {
    const env = [
      { name: "LOG_LEVEL", value: "debug" },
      { name: "DB_PASSWORD", value: "Tr0ub4dor-x9Qz-77aa" },
    ];
    const [streamed, whole] = await streamedAndWhole({ env });
    expect(streamed).toEqual({ env: [env[0], { name: "DB_PASSWORD", value: MASK }] });
    expect(whole).toEqual(streamed);
  });

  it("reads a tool input given whole in its start event (proxies in front of Claude) the same way", async () => {
    const env = [
      { name: "DB_PASSWORD", value: "Tr0ub4dor-x9Qz-77aa" },
      { name: `DB_URL_PASSWORD=${PASSWORD}`, value: "on" },
    ];
    upstream.answer(
      sseEvents([
        messageStart(),
        {
          type: "content_block_start",
          index: 0,
          content_block: { type: "tool_use", id: "toolu_1", name: "Deploy", input: { env } },
        },
        { type: "content_block_stop", index: 0 },
        {
          type: "message_delta",
          delta: { stop_reason: "tool_use", stop_sequence: null },
          usage: { output_tokens: 9 },
        },
        { type: "message_stop" },
      ]),
    );
    const message = await anthropic(gw)
      .messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 1024,
        messages: [{ role: "user", content: "deploy" }],
      })
      .finalMessage();
    expect(message.content.find((b) => b.type === "tool_use")?.input).toEqual({
      env: [
        { name: "DB_PASSWORD", value: MASK },
        { name: `DB_URL_PASSWORD=${MASK}`, value: "on" },
      ],
    });
  });

  it("reads a whole OpenAI answer's tool-call arguments under their keys, chat and Responses", async () => {
    const args = JSON.stringify({ user: "app", password: "Tr0ub4dor-x9Qz-77aa" });
    upstream.answer([
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "call_1", type: "function", function: { name: "login", arguments: args } }],
            },
            finish_reason: "tool_calls",
            logprobs: null,
          },
        ],
      }),
    ]);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const chat = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "log in" }],
    });
    const call = chat.choices[0]?.message.tool_calls?.[0];
    const expected = { user: "app", password: MASK };
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : undefined).toEqual(expected);

    upstream.answer([
      JSON.stringify({
        id: "resp_1",
        object: "response",
        created_at: 1,
        status: "completed",
        model: "gpt-4o",
        output: [
          {
            id: "fc_1",
            type: "function_call",
            call_id: "call_1",
            name: "login",
            arguments: args,
            status: "completed",
          },
        ],
        usage: null,
      }),
    ]);
    const response = await client.responses.create({ model: "gpt-4o", input: "log in" });
    const item = response.output[0];
    expect(item?.type === "function_call" ? JSON.parse(item.arguments) : undefined).toEqual(expected);
  });

  it("stops the answer before any of a call's arguments that hold a secret to block", async () => {
    upstream.answer(toolUseStream({ command: `psql "host=db user=admin password=${PASSWORD}"` }));
    const seen: string[] = [];
    const stream = anthropic(blocking).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "connect" }],
    });
    stream.on("inputJson", (partial) => seen.push(partial));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/stopped the model's answer/);
    expect(seen.join("")).toBe("");
    const event = await eventually(
      () => blocking.events.find((e) => e.error === "response_blocked" && e.endpoint === "messages"),
      "the blocked event",
    );
    expect(event.action).toBe("block");
  });

  it("stops a Responses stream blocked before anything went out with the error event alone", async () => {
    // Everything in one piece: the block comes before response.created reached the client, and the SDK
    // takes no response.failed before it.
    const token = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
    const response = {
      id: "resp_1",
      object: "response",
      created_at: 1,
      status: "in_progress",
      model: "gpt-4o",
      output: [],
      usage: null,
    };
    upstream.answer(
      sseEvents([
        { type: "response.created", sequence_number: 0, response },
        {
          type: "response.output_text.delta",
          sequence_number: 1,
          item_id: "m",
          output_index: 0,
          content_index: 0,
          delta: `Token ${token} ok`,
        },
      ]).join(""),
    );
    const client = new OpenAI({ baseURL: `${blocking.url}/v1`, apiKey: blocking.key, maxRetries: 0 });
    const error = await client.responses
      .stream({ model: "gpt-4o", input: "token?" })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/stopped the model's answer/);
  });

  it("reads OpenAI chat tool-call arguments decoded, streamed in pieces", async () => {
    const args = JSON.stringify({ command: `export DB_PASSWORD="${PASSWORD}" && ./migrate` });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-4o",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`;
    const call = (fn: Record<string, unknown>, first: boolean): Record<string, unknown> => ({
      tool_calls: [
        first ? { index: 0, id: "call_1", type: "function", function: fn } : { index: 0, function: fn },
      ],
    });
    upstream.answer([
      chunk({ role: "assistant", content: null, ...call({ name: "shell", arguments: "" }, true) }),
      ...cut(args, 5).map((a) => chunk(call({ arguments: a }, false))),
      chunk({}, "tool_calls"),
      "data: [DONE]\n\n",
    ]);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: "gpt-4o",
      messages: [{ role: "user", content: "migrate" }],
    });
    const done = await stream.finalChatCompletion();
    const got = done.choices[0]?.message.tool_calls?.[0];
    expect(got?.type === "function" ? JSON.parse(got.function.arguments) : undefined).toEqual({
      command: `export DB_PASSWORD="${MASK}" && ./migrate`,
    });
  });

  it("reads Responses API function calls decoded, streamed or sent whole, the same in every event", async () => {
    const args = JSON.stringify({ command: ["bash", "-lc", `psql "host=db password=${PASSWORD}"`] });
    const item = (id: string, a: string, status: string) => ({
      id,
      type: "function_call",
      call_id: `call_${id}`,
      name: "shell",
      arguments: a,
      status,
    });
    const response = (status: string, output: unknown[]) => ({
      id: "resp_1",
      object: "response",
      created_at: 1,
      status,
      model: "gpt-4o",
      output,
      usage: null,
    });
    const events = [
      { type: "response.created", response: response("in_progress", []) },
      { type: "response.output_item.added", output_index: 0, item: item("fc_1", "", "in_progress") },
      ...cut(args, 6).map((delta) => ({
        type: "response.function_call_arguments.delta",
        output_index: 0,
        item_id: "fc_1",
        delta,
      })),
      { type: "response.function_call_arguments.done", output_index: 0, item_id: "fc_1", arguments: args },
      { type: "response.output_item.done", output_index: 0, item: item("fc_1", args, "completed") },
      // A second call sent whole, with no deltas.
      { type: "response.output_item.done", output_index: 1, item: item("fc_2", args, "completed") },
      {
        type: "response.completed",
        response: response("completed", [item("fc_1", args, "completed"), item("fc_2", args, "completed")]),
      },
    ].map((e, i) => ({ ...e, sequence_number: i }));
    upstream.answer(sseEvents(events));
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const stream = await client.responses.create({ model: "gpt-4o", input: "connect", stream: true });
    let deltas = "";
    const texts: string[] = [];
    for await (const ev of stream) {
      if (ev.type === "response.function_call_arguments.delta") deltas += ev.delta;
      if (ev.type === "response.function_call_arguments.done") texts.push(ev.arguments);
      if (ev.type === "response.output_item.done" && ev.item.type === "function_call")
        texts.push(ev.item.arguments);
      if (ev.type === "response.completed")
        for (const o of ev.response.output) if (o.type === "function_call") texts.push(o.arguments);
    }
    const expected = { command: ["bash", "-lc", `psql "host=db password=${MASK}"`] };
    expect(JSON.parse(deltas)).toEqual(expected);
    expect(texts).toHaveLength(5);
    for (const t of texts) expect(JSON.parse(t)).toEqual(expected);
    // The streamed call is the same in its deltas and every copy of it.
    expect(texts.slice(0, 2)).toEqual([deltas, deltas]);
  });
});
