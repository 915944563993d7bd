import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../../../../test/helpers/gateway.js";

/**
 * What the gateway reads in tool-call arguments, tool inputs and results, schemas and Responses input
 * items, seen from the official SDKs under the default policy: credentials are blocked everywhere,
 * personal data is redacted before it reaches an external provider.
 */

const PASSWORD = "Tr0ub4dor-x9Qz-77aa"; // says nothing alone; under `password` it is one
const AWS_KEY = "AKIAW7QF3K2MXB4RZT6D";
const GITHUB = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
const CARD = 4539148803436467; // a payment card as a JSON number
const PHONE = 4155552671; // a phone number as a JSON number
const EMAIL = "margaret.hamilton@apollo-guidance.com";

let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gw = await startTestGateway();
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

/** What reached the fake upstream, as text. */
const upstreamBodies = () => gw.fake.requests.map((r) => r.body);

/** A chat turn in which the assistant called a tool with `args` (a JSON string) and got "ok" back. */
function chatWithToolCall(args: string): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [
    { role: "user", content: "Log in to the staging box." },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "login", arguments: args } }],
    },
    { role: "tool", tool_call_id: "call_1", content: "ok" },
  ];
}

/** An Anthropic turn in which the assistant used a tool with `input` and got `result` back. */
function claudeWithToolUse(input: Record<string, unknown>, result: string): Anthropic.MessageParam[] {
  return [
    { role: "user", content: "Log in to the staging box." },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "login", input }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: result }] },
  ];
}

describe("JSON values are read with their keys", () => {
  it("blocks a password that only its key names, in tool-call arguments, tool_use input and tool results", async () => {
    const chat = openai.chat.completions.create({
      model: "gpt-4o",
      messages: chatWithToolCall(JSON.stringify({ user: "deploy", password: PASSWORD })),
    });
    await expect(chat).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(chat).rejects.toThrow(/secret/);

    const input = anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: claudeWithToolUse({ user: "deploy", password: PASSWORD }, "ok"),
    });
    await expect(input).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);

    const result = anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: claudeWithToolUse({ host: "staging" }, JSON.stringify({ db_password: PASSWORD })),
    });
    await expect(result).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(upstreamBodies().filter((b) => b.includes(PASSWORD))).toEqual([]);
  });

  it("blocks a token used as a JSON key", async () => {
    const asKey = openai.chat.completions.create({
      model: "gpt-4o",
      messages: chatWithToolCall(JSON.stringify({ headers: { [GITHUB]: true } })),
    });
    await expect(asKey).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(gw.fake.requests).toEqual([]);
  });

  it("blocks a token hidden before a repeated key, which parsing drops but the model reads", async () => {
    const repeated = openai.chat.completions.create({
      model: "gpt-4o",
      messages: chatWithToolCall(`{"note":"${GITHUB}","note":"hi"}`),
    });
    await expect(repeated).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(gw.fake.requests).toEqual([]);
  });

  it("sends a request body with a repeated key as parsed, so the upstream reads only what was inspected", async () => {
    // The first "content" is dropped by parsing and never inspected; an upstream that keeps the first
    // value of a repeated key would read it if the body went as received.
    const raw = `{"model":"gpt-4o","messages":[{"role":"user","content":"${GITHUB}","content":"hi"}]}`;
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: raw,
    });
    expect(r.status).toBe(200);
    expect(upstreamBodies()).toHaveLength(1);
    expect(upstreamBodies()[0]).not.toContain(GITHUB);
    expect(JSON.parse(upstreamBodies()[0]!)).toMatchObject({ messages: [{ role: "user", content: "hi" }] });
  });

  it("redacts a card number sent as a JSON number, keeping the arguments valid JSON", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: "gpt-4o",
        messages: chatWithToolCall(JSON.stringify({ card: CARD, amount: 12 })),
      })
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("redact");
    expect(data.choices[0]?.message.content).toBe("You said: Log in to the staging box.");
    const sent = gw.fake.requests.at(-1)!.json as { messages: OpenAI.Chat.ChatCompletionMessageParam[] };
    const call = (sent.messages[1] as OpenAI.Chat.ChatCompletionAssistantMessageParam).tool_calls![0]!;
    // The placeholder is not a number: the value becomes a string rather than leave as it was.
    expect(JSON.parse(call.type === "function" ? call.function.arguments : "")).toEqual({
      card: "[CARD_1]",
      amount: 12,
    });
    expect(upstreamBodies().join("")).not.toContain(String(CARD));
  });

  it("redacts a phone number sent as a JSON number under its key", async () => {
    const answer = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: claudeWithToolUse({ phone: PHONE, retries: 3 }, "ok"),
    });
    expect(answer.content[0]).toMatchObject({ type: "text" });
    const sent = gw.fake.requests.at(-1)!.json as { messages: { content: { input?: unknown }[] }[] };
    expect(sent.messages[1]!.content[0]!.input).toEqual({ phone: "[PHONE_1]", retries: 3 });
    expect(upstreamBodies().join("")).not.toContain(String(PHONE));
  });

  it("redacts an e-mail address in the name of a name/value pair in place, counting it once", async () => {
    const { response } = await anthropic.messages
      .create({
        model: "claude-sonnet-4-5",
        max_tokens: 50,
        messages: claudeWithToolUse({ headers: [{ name: EMAIL, value: "admin" }] }, "ok"),
      })
      .withResponse();
    const sent = gw.fake.requests.at(-1)!.json as { messages: { content: { input?: unknown }[] }[] };
    expect(sent.messages[1]!.content[0]!.input).toEqual({ headers: [{ name: "[EMAIL_1]", value: "admin" }] });
    const id = response.headers.get("x-detente-request-id");
    const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
    expect(event.detections.filter((d) => d.type === "email").map((d) => d.count)).toEqual([1]);
  });

  it("redacts an e-mail address used as a key by renaming the property", async () => {
    await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: claudeWithToolUse(
        { owners: { [EMAIL]: "lead", "grace.hopper@cobol-labs.io": { on_call: true } } },
        "ok",
      ),
    });
    const sent = gw.fake.requests.at(-1)!.json as { messages: { content: { input?: unknown }[] }[] };
    expect(sent.messages[1]!.content[0]!.input).toEqual({
      // The keys over objects are read first, as one list: hers is [EMAIL_1].
      owners: { "[EMAIL_2]": "lead", "[EMAIL_1]": { on_call: true } },
    });
    expect(upstreamBodies().join("")).not.toContain(EMAIL);
  });
});

describe("schemas the model reads are inspected", () => {
  it("blocks a credential in a chat completion's response_format schema", async () => {
    const chat = openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Fill in the form." }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "deploy",
          schema: {
            type: "object",
            properties: { key: { type: "string", description: `Always answer ${AWS_KEY}.` } },
          },
        },
      },
    });
    await expect(chat).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const described = openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Fill in the form." }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "deploy", description: `Sign with ${AWS_KEY}.`, schema: { type: "object" } },
      },
    });
    await expect(described).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("blocks a credential in the Responses API's text.format schema", async () => {
    const response = openai.responses.create({
      model: "gpt-4o",
      input: "Fill in the form.",
      text: {
        format: {
          type: "json_schema",
          name: "deploy",
          description: `Sign with ${AWS_KEY}.`,
          schema: { type: "object", properties: {} },
        },
      },
    });
    await expect(response).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("redacts an e-mail address in a tool's enum, and blocks a token in a default, const or example", async () => {
    const tool = (property: Record<string, unknown>): OpenAI.Chat.ChatCompletionTool => ({
      type: "function",
      function: {
        name: "notify",
        parameters: { type: "object", properties: { to: { type: "string", ...property } } },
      },
    });
    // The model answers with the value it was shown; the client gets the one it allowed.
    gw.fake.respondWith({ kind: "tool-call", name: "notify", arguments: { to: "[EMAIL_1]" } });
    const { data, response } = await openai.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Tell the lead." }],
        tools: [tool({ enum: [EMAIL, "team@example.com"] })],
      })
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("redact");
    const sent = gw.fake.requests.at(-1)!.json as { tools: OpenAI.Chat.ChatCompletionFunctionTool[] };
    expect(sent.tools[0]!.function.parameters).toEqual({
      type: "object",
      properties: { to: { type: "string", enum: ["[EMAIL_1]", "team@example.com"] } },
    });
    const call = data.choices[0]!.message.tool_calls![0]!;
    expect(JSON.parse(call.type === "function" ? call.function.arguments : "")).toEqual({ to: EMAIL });

    for (const property of [{ default: GITHUB }, { const: GITHUB }, { examples: [GITHUB] }]) {
      const blocked = openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Tell the lead." }],
        tools: [tool(property)],
      });
      await expect(blocked, JSON.stringify(Object.keys(property))).rejects.toBeInstanceOf(
        OpenAI.PermissionDeniedError,
      );
    }
    expect(upstreamBodies().join("")).not.toContain(EMAIL);
  });

  it("blocks a credential in an Anthropic tool's input_examples or the structured-output schema", async () => {
    const example = anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "Deploy." }],
      tools: [
        {
          name: "deploy",
          input_schema: { type: "object", properties: { token: { type: "string" } } },
          input_examples: [{ token: GITHUB }],
        },
      ],
    });
    await expect(example).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    const schema = anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "Deploy." }],
      output_config: {
        format: {
          type: "json_schema",
          schema: { type: "object", properties: { key: { type: "string", description: `Use ${AWS_KEY}.` } } },
        },
      },
    });
    await expect(schema).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
  });
});

describe("every Responses input item that carries text is inspected", () => {
  const items: [string, Record<string, unknown>][] = [
    [
      "code_interpreter_call code",
      {
        type: "code_interpreter_call",
        id: "ci_1",
        container_id: "c",
        status: "completed",
        code: `k = "${AWS_KEY}"`,
        outputs: [],
      },
    ],
    [
      "code_interpreter_call logs",
      {
        type: "code_interpreter_call",
        id: "ci_1",
        container_id: "c",
        status: "completed",
        code: "print(env)",
        outputs: [{ type: "logs", logs: `AWS_ACCESS_KEY_ID=${AWS_KEY}` }],
      },
    ],
    [
      "mcp_list_tools descriptions",
      {
        type: "mcp_list_tools",
        id: "ml_1",
        server_label: "deploy",
        tools: [{ name: "push", description: `Pushes with ${GITHUB}.`, input_schema: { type: "object" } }],
      },
    ],
    [
      "mcp_call error",
      {
        type: "mcp_call",
        id: "mc_1",
        name: "push",
        server_label: "deploy",
        arguments: "{}",
        error: `401 for ${GITHUB}`,
      },
    ],
    [
      "mcp_approval_request arguments",
      {
        type: "mcp_approval_request",
        id: "ma_1",
        name: "push",
        server_label: "deploy",
        arguments: JSON.stringify({ password: PASSWORD }),
      },
    ],
    [
      "computer_call typed text",
      {
        type: "computer_call",
        id: "cc_1",
        call_id: "c1",
        status: "completed",
        pending_safety_checks: [],
        action: { type: "type", text: GITHUB },
      },
    ],
    [
      "computer_call_output safety check message",
      {
        type: "computer_call_output",
        call_id: "c1",
        output: { type: "computer_screenshot", image_url: "data:image/png;base64,AAAA" },
        acknowledged_safety_checks: [{ id: "s", code: "x", message: `Typing ${GITHUB}` }],
      },
    ],
    [
      "web_search_call query",
      {
        type: "web_search_call",
        id: "ws_1",
        status: "completed",
        action: { type: "search", query: `who owns ${GITHUB}` },
      },
    ],
    [
      "file_search_call results",
      {
        type: "file_search_call",
        id: "fs_1",
        status: "completed",
        queries: ["keys"],
        results: [{ text: `aws ${AWS_KEY}` }],
      },
    ],
    [
      "additional_tools descriptions",
      {
        type: "additional_tools",
        role: "developer",
        tools: [{ type: "function", name: "push", description: `Uses ${GITHUB}.`, parameters: {} }],
      },
    ],
    [
      "program code",
      { type: "program", id: "p_1", call_id: "c2", code: `key = "${AWS_KEY}"`, fingerprint: "f" },
    ],
  ];

  it.each(items)("blocks a credential in %s", async (_, item) => {
    const response = openai.responses.create({
      model: "gpt-4o",
      input: [{ role: "user", content: "Go on." }, item as unknown as OpenAI.Responses.ResponseInputItem],
    });
    await expect(response).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(gw.fake.requests).toEqual([]);
  });
});
