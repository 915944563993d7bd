import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Anthropic } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../services/ai/events.js";
import { B64, randomString, seeded } from "../inspect/testing.js";
import {
  eventually,
  readChatStream,
  startTestGateway,
  type TestGateway,
} from "../../../test/helpers/gateway.js";

/**
 * Answers as an upstream may really send them, not only as the fake upstream does: text that only comes
 * in the Responses API's whole-item events, a stream the client did not ask for (or JSON it did not
 * expect), an answer that is not JSON at all, text without spaces, emoji, a stream that breaks off, and a
 * client that leaves while the end is written.
 */

const TOKEN = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
const REDACTED = "[REDACTED_GITHUB_TOKEN]";

/** The next answer of the scripted upstream: sent whole, with this content type (or cut off after it). */
interface Answer {
  readonly contentType: string;
  readonly body: string;
  /** Drop the connection once the body is written, without ending the answer. */
  readonly cut?: boolean;
  /** Write the body, then send nothing more (until the test ends). */
  readonly stall?: boolean;
}

let upstream: Server;
const next: Answer[] = [];
let gw: TestGateway;
let blocking: TestGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = next.shift() ?? { contentType: "application/json", body: "{}" };
      res.writeHead(200, { "content-type": answer.contentType });
      if (answer.cut)
        res.write(answer.body, () => {
          res.destroy();
        });
      else if (answer.stall) res.write(answer.body);
      else res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startTestGateway({ upstreamUrl });
  blocking = await startTestGateway({ upstreamUrl, extraYaml: "  responses: { secret: block }\n" });
});

afterAll(async () => {
  await gw.close();
  await blocking.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => {
    upstream.close(() => {
      resolve();
    });
  });
});

function answer(contentType: string, body: string, cut = false, stall = false): void {
  next.push({ contentType, body, cut, stall });
}

function chatChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const choice = { index: 0, delta, logprobs: null, finish_reason: finish };
  const chunk = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o",
    choices: [choice],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** A Chat Completions stream whose content comes in `pieces`. */
function chatStream(pieces: readonly string[]): string {
  return (
    chatChunk({ role: "assistant", content: "" }) +
    pieces.map((p) => chatChunk({ content: p })).join("") +
    chatChunk({}, "stop") +
    "data: [DONE]\n\n"
  );
}

/** A whole Chat Completions answer with `content`. */
function chatCompletion(content: string): string {
  const message = { role: "assistant", content };
  return JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o",
    choices: [{ index: 0, message, finish_reason: "stop" }],
  });
}

/** A Responses API stream of `events`, each named and numbered as OpenAI sends them. */
function responsesStream(events: readonly Record<string, unknown>[]): string {
  return events
    .map((e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`)
    .join("");
}

function responseObject(status: string, output: unknown[]): Record<string, unknown> {
  return { id: "resp_1", object: "response", created_at: 1, status, model: "gpt-4o", output, usage: null };
}

function client(g: TestGateway): OpenAI {
  return new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
}

/** `s` holds no lone surrogate (half an emoji): what a client that decodes each event on its own needs. */
function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

describe("Responses API text that never comes as deltas", () => {
  const args = '{"path":"/srv/app/.env"}';
  const running = {
    id: "mcp_1",
    type: "mcp_call",
    server_label: "files",
    name: "read_file",
    arguments: "",
    output: null,
    error: null,
    status: "in_progress",
  };
  const called = {
    ...running,
    arguments: args,
    output: `DEPLOY_TOKEN=${TOKEN}\nREGION=eu-west-1`,
    status: "completed",
  };
  // A message sent whole in its output_item.done, without a single delta.
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text: `The deploy token is ${TOKEN}, from .env.`, annotations: [] }],
  };
  const script = responsesStream([
    { type: "response.created", response: responseObject("in_progress", []) },
    { type: "response.output_item.added", output_index: 0, item: running },
    { type: "response.mcp_call_arguments.delta", output_index: 0, item_id: "mcp_1", delta: args },
    { type: "response.mcp_call_arguments.done", output_index: 0, item_id: "mcp_1", arguments: args },
    { type: "response.output_item.done", output_index: 0, item: called },
    { type: "response.output_item.done", output_index: 1, item: message },
    { type: "response.completed", response: responseObject("completed", [called, message]) },
  ]);

  it("masks a secret in an MCP call's output and in a message sent whole, each counted once", async () => {
    answer("text/event-stream", script);
    const stream = await client(gw).responses.create({ model: "gpt-4o", input: "read .env", stream: true });
    const events = [];
    for await (const ev of stream) events.push(ev);
    const seen = JSON.stringify(events);
    expect(seen).not.toContain(TOKEN.slice(0, 8));
    const items = events.flatMap((e) => (e.type === "response.output_item.done" ? [e.item] : []));
    const output = items[0]?.type === "mcp_call" ? items[0].output : undefined;
    expect(output).toMatch(/^DEPLOY_TOKEN=\[REDACTED_[A-Z_]+\]\nREGION=eu-west-1$/);
    expect(items[1]?.type === "message" ? items[1].content[0] : undefined).toMatchObject({
      text: `The deploy token is ${REDACTED}, from .env.`,
    });
    // The final response repeats both items as they were forwarded.
    const completed = events.find((e) => e.type === "response.completed");
    expect(completed?.type === "response.completed" ? completed.response.output : []).toEqual(items);
    const event = await eventually(
      () => gw.events.find((e) => e.endpoint === "responses" && e.status === 200),
      "the event",
    );
    const found = event.detections.filter((d) => d.where === "response" && d.dataClass === "secret");
    expect(found.reduce((n, d) => n + d.count, 0)).toBe(2);
  });

  it("masks a secret in a citation's URL, in every event that repeats it, streamed and whole", async () => {
    const cite = {
      type: "url_citation",
      url: `https://ci.example.com/builds?access_token=${TOKEN}`,
      title: "Build 42",
      start_index: 0,
      end_index: 8,
    };
    const cited = {
      ...message,
      id: "msg_3",
      content: [{ type: "output_text", text: "Build 42 passed.", annotations: [cite] }],
    };
    const where = { item_id: "msg_3", output_index: 0, content_index: 0 };
    answer(
      "text/event-stream",
      responsesStream([
        { type: "response.created", response: responseObject("in_progress", []) },
        { type: "response.output_text.delta", ...where, delta: "Build 42 passed.", logprobs: [] },
        { type: "response.output_text.annotation.added", ...where, annotation_index: 0, annotation: cite },
        { type: "response.output_text.done", ...where, text: "Build 42 passed.", logprobs: [] },
        { type: "response.output_item.done", output_index: 0, item: cited },
        { type: "response.completed", response: responseObject("completed", [cited]) },
      ]),
    );
    const stream = await client(gw).responses.create({ model: "gpt-4o", input: "ci?", stream: true });
    const urls: unknown[] = [];
    for await (const ev of stream) {
      if (ev.type === "response.output_text.annotation.added")
        urls.push((ev.annotation as { url: string }).url);
      const items =
        ev.type === "response.output_item.done"
          ? [ev.item]
          : ev.type === "response.completed"
            ? ev.response.output
            : [];
      for (const item of items)
        if (item.type === "message")
          for (const c of item.content)
            if (c.type === "output_text") urls.push(...c.annotations.map((a) => ("url" in a ? a.url : "")));
    }
    const masked = `https://ci.example.com/builds?access_token=${REDACTED}`;
    expect(urls).toEqual([masked, masked, masked]);

    answer(
      "application/json",
      JSON.stringify({ ...responseObject("completed", [cited]), object: "response" }),
    );
    const whole = await client(gw).responses.create({ model: "gpt-4o", input: "ci?" });
    const part = whole.output[0]?.type === "message" ? whole.output[0].content[0] : undefined;
    expect(part?.type === "output_text" ? part.annotations : []).toEqual([{ ...cite, url: masked }]);
  });

  it("masks what the provider's own tools searched, found, typed and listed, streamed and whole", async () => {
    // Items of tools the provider runs: they come whole, never as deltas (file search results come with
    // `include: ["file_search_call.results"]`, a web search's sources with its own include).
    const searched = {
      id: "fs_1",
      type: "file_search_call",
      status: "completed",
      queries: ["deploy token for the ledger service"],
      results: [
        { file_id: "file_1", filename: "runbook.md", score: 0.92, text: `Deploy with ${TOKEN} from CI.` },
      ],
    };
    const browsed = {
      id: "ws_1",
      type: "web_search_call",
      status: "completed",
      action: { type: "open_page", url: `https://ci.example.com/builds?access_token=${TOKEN}` },
    };
    const typed = {
      id: "cu_1",
      type: "computer_call",
      call_id: "call_1",
      status: "completed",
      action: { type: "type", text: `export GITHUB_TOKEN=${TOKEN}` },
      pending_safety_checks: [],
    };
    // An MCP server's tool list, which the provider fetched: its descriptions are the server's text.
    const listed = {
      id: "mcpl_1",
      type: "mcp_list_tools",
      server_label: "deploy",
      tools: [{ name: "deploy", description: `Deploys with ${TOKEN}.`, input_schema: { type: "object" } }],
    };
    const items = [searched, browsed, typed, listed];
    const masked = [
      `Deploy with ${REDACTED} from CI.`,
      `https://ci.example.com/builds?access_token=${REDACTED}`,
      `export GITHUB_TOKEN=${REDACTED}`,
      `Deploys with ${REDACTED}.`,
    ];
    const texts = (list: readonly unknown[]): unknown[] => {
      const [f, w, c, l] = list as [typeof searched, typeof browsed, typeof typed, typeof listed];
      return [f.results[0]?.text, w.action.url, c.action.text, l.tools[0]?.description];
    };
    answer(
      "text/event-stream",
      responsesStream([
        { type: "response.created", response: responseObject("in_progress", []) },
        ...items.flatMap((item, i) => [
          { type: "response.output_item.added", output_index: i, item: { ...item, status: "in_progress" } },
          { type: "response.output_item.done", output_index: i, item },
        ]),
        { type: "response.completed", response: responseObject("completed", items) },
      ]),
    );
    const before = gw.events.length;
    const stream = await client(gw).responses.create({ model: "gpt-4o", input: "deploy?", stream: true });
    const events = [];
    for await (const ev of stream) events.push(ev);
    expect(JSON.stringify(events)).not.toContain(TOKEN.slice(4, 12));
    const done = events.flatMap((e) => (e.type === "response.output_item.done" ? [e.item] : []));
    expect(texts(done)).toEqual(masked);
    const completed = events.find((e) => e.type === "response.completed");
    expect(completed?.type === "response.completed" ? completed.response.output : []).toEqual(done);
    const event = await eventually(
      () => gw.events.slice(before).find((e) => e.endpoint === "responses" && e.status === 200),
      "the event",
    );
    const found = event.detections.filter((d) => d.where === "response" && d.dataClass === "secret");
    expect(found.reduce((n, d) => n + d.count, 0)).toBe(4);

    answer("application/json", JSON.stringify({ ...responseObject("completed", items), object: "response" }));
    const whole = await client(gw).responses.create({ model: "gpt-4o", input: "deploy?" });
    expect(JSON.stringify(whole)).not.toContain(TOKEN.slice(4, 12));
    expect(texts(whole.output)).toEqual(masked);
  });

  it("times the first token when the first text comes in a whole item, without deltas", async () => {
    const hello = { ...message, id: "msg_2", content: [{ ...message.content[0], text: "Hello there." }] };
    answer(
      "text/event-stream",
      responsesStream([
        { type: "response.created", response: responseObject("in_progress", []) },
        { type: "response.output_item.done", output_index: 0, item: hello },
        { type: "response.completed", response: responseObject("completed", [hello]) },
      ]),
    );
    const { data: stream, response } = await client(gw)
      .responses.create({ model: "gpt-4o", input: "hi", stream: true })
      .withResponse();
    let text = "";
    for await (const ev of stream)
      if (ev.type === "response.output_item.done" && ev.item.type === "message")
        text += ev.item.content.map((c) => (c.type === "output_text" ? c.text : "")).join("");
    expect(text).toBe("Hello there.");
    const id = response.headers.get("x-detente-request-id");
    const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
    expect(event.ttftMs).not.toBeNull();
    expect(event.ttftMs!).toBeLessThanOrEqual(event.latencyMs);
  });

  it("stops the answer when the policy blocks it, before the secret goes out", async () => {
    answer("text/event-stream", script);
    const stream = await client(blocking).responses.create({
      model: "gpt-4o",
      input: "read .env",
      stream: true,
    });
    let seen = "";
    const failure = await (async () => {
      try {
        for await (const ev of stream) seen += JSON.stringify(ev);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toMatch(/stopped the model's answer/);
    expect(seen).not.toContain(TOKEN.slice(0, 8));
    const event = await eventually(
      () => blocking.events.find((e) => e.error === "response_blocked"),
      "the blocked event",
    );
    expect(event.action).toBe("block");
  });
});

describe("Anthropic blocks that start whole", () => {
  /** An Anthropic stream of these events, each with its event name. */
  const anthropicStream = (events: readonly Record<string, unknown>[]): string =>
    events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 1 },
  };
  const script = anthropicStream([
    { type: "message_start", message },
    {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "toolu_1", name: "shell", input: { command: `echo ${TOKEN}` } },
    },
    { type: "content_block_stop", index: 0 },
    {
      type: "content_block_start",
      index: 1,
      content_block: {
        type: "mcp_tool_result",
        tool_use_id: "mcptoolu_1",
        is_error: false,
        content: [{ type: "text", text: `token: ${TOKEN}` }],
      },
    },
    { type: "content_block_stop", index: 1 },
    {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: 9 },
    },
    { type: "message_stop" },
  ]);

  it("masks a tool input given whole in its start event, and an MCP tool result", async () => {
    answer("text/event-stream", script);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": gw.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 50,
        stream: true,
        messages: [{ role: "user", content: "run it" }],
      }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(TOKEN.slice(0, 8));
    expect(text).toContain(`"command":"echo ${REDACTED}"`);
    expect(text).toContain(`"text":"token: ${REDACTED}"`);
  });
});

describe("Anthropic answers' compaction summaries, citations and server tool results", () => {
  // An AWS access key id: a secret, which the default policy masks in answers and `blocking` blocks.
  const AWS_KEY = "AKIAQ3EGRZ7TXLMN4VWP";
  const MASKED = "[REDACTED_AWS_ACCESS_KEY_ID]";
  const summary = (key: string) => `Summary: the user deploys with ${key} from CI.`;
  const citation = (key: string): Anthropic.Beta.BetaCitationCharLocation => ({
    type: "char_location",
    cited_text: `aws_access_key_id = ${key}`,
    document_index: 0,
    document_title: "credentials",
    start_char_index: 0,
    end_char_index: 40,
    file_id: null,
  });
  const run = (key: string): Anthropic.Beta.BetaCodeExecutionToolResultBlock => ({
    type: "code_execution_tool_result",
    tool_use_id: "srvtoolu_1",
    content: { type: "code_execution_result", stdout: `${key}\n`, stderr: "", return_code: 0, content: [] },
  });
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-opus-4-6",
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 9 },
  };
  const whole = JSON.stringify({
    ...message,
    content: [
      { type: "compaction", content: summary(AWS_KEY), encrypted_content: "ENC-STATE", signature: "SIG" },
      { type: "text", text: "See the runbook.", citations: [citation(AWS_KEY)] },
      run(AWS_KEY),
    ],
  });
  const anthropicStream = (events: readonly Record<string, unknown>[]): string =>
    events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const streamed = anthropicStream([
    { type: "message_start", message: { ...message, content: [], stop_reason: null } },
    { type: "content_block_start", index: 0, content_block: { type: "compaction", content: null } },
    {
      type: "content_block_delta",
      index: 0,
      delta: { type: "compaction_delta", content: summary(AWS_KEY), encrypted_content: "ENC-STATE" },
    },
    { type: "content_block_stop", index: 0 },
    { type: "content_block_start", index: 1, content_block: { type: "text", text: "", citations: null } },
    {
      type: "content_block_delta",
      index: 1,
      delta: { type: "citations_delta", citation: citation(AWS_KEY) },
    },
    { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "See the runbook." } },
    { type: "content_block_stop", index: 1 },
    { type: "content_block_start", index: 2, content_block: run(AWS_KEY) },
    { type: "content_block_stop", index: 2 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 9 },
    },
    { type: "message_stop" },
  ]);
  const anthropic = (g: TestGateway) => new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0 });
  const ask = {
    model: "claude-opus-4-6",
    max_tokens: 100,
    messages: [{ role: "user" as const, content: "go on" }],
  };
  /** The secrets the audit event of request `id` counts in the answer. */
  const secretsFound = async (id: string | null) => {
    const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
    const found = event.detections.filter((d) => d.where === "response" && d.dataClass === "secret");
    return found.reduce((n, d) => n + d.count, 0);
  };

  it("masks them in a whole answer, which the SDK reads, leaving the signature and encrypted state", async () => {
    answer("application/json", whole);
    const { data, response } = await anthropic(gw).beta.messages.create(ask).withResponse();
    expect(JSON.stringify(data)).not.toContain(AWS_KEY.slice(0, 8));
    expect(data.content[0]).toEqual({
      type: "compaction",
      content: summary(MASKED),
      encrypted_content: "ENC-STATE",
      signature: "SIG",
    });
    expect(data.content[1]).toEqual({
      type: "text",
      text: "See the runbook.",
      citations: [citation(MASKED)],
    });
    expect(data.content[2]).toEqual(run(MASKED));
    expect(await secretsFound(response.headers.get("x-detente-request-id"))).toBe(3);
  });

  it("masks them in a stream, whose events and final message the SDK builds without the secret", async () => {
    answer("text/event-stream", streamed);
    const stream = anthropic(gw).beta.messages.stream(ask);
    const compactions: string[] = [];
    stream.on("compaction", (content) => compactions.push(content));
    const events = [];
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalMessage();
    expect(JSON.stringify([events, final, compactions])).not.toContain(AWS_KEY.slice(0, 8));
    expect(compactions).toEqual([summary(MASKED)]);
    // Each event went out as the type it came as (the text may come in one more text_delta: a flush).
    const types = events.map((e) => (e.type === "content_block_delta" ? e.delta.type : e.type));
    expect(types.filter((t) => t !== "text_delta")).toEqual([
      "message_start",
      "content_block_start",
      "compaction_delta",
      "content_block_stop",
      "content_block_start",
      "citations_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(final.content).toEqual([
      { type: "compaction", content: summary(MASKED), encrypted_content: "ENC-STATE" },
      { type: "text", text: "See the runbook.", citations: [citation(MASKED)] },
      run(MASKED),
    ]);
    const { response } = await stream.withResponse();
    expect(await secretsFound(response.headers.get("x-detente-request-id"))).toBe(3);
  });

  it("masks a private key given as a text editor edit's lines, each line of it one of them", async () => {
    // A synthetic PEM private key: only its BEGIN and END lines around the body make it one.
    const r = seeded(7);
    const keyBody = Array.from({ length: 12 }, () => randomString(r, 64, B64));
    const pem = ["-----BEGIN RSA PRIVATE KEY-----", ...keyBody, "-----END RSA PRIVATE KEY-----"];
    const lines = ["-deploy_key: none", "+deploy_key: |", ...pem.map((l) => `+  ${l}`)];
    const edit: Anthropic.Beta.BetaTextEditorCodeExecutionToolResultBlock = {
      type: "text_editor_code_execution_tool_result",
      tool_use_id: "srvtoolu_2",
      content: {
        type: "text_editor_code_execution_str_replace_result",
        lines,
        new_lines: lines.length - 1,
        new_start: 1,
        old_lines: 1,
        old_start: 1,
      },
    };
    answer(
      "text/event-stream",
      anthropicStream([
        { type: "message_start", message: { ...message, content: [], stop_reason: null } },
        { type: "content_block_start", index: 0, content_block: edit },
        { type: "content_block_stop", index: 0 },
        {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: 9 },
        },
        { type: "message_stop" },
      ]),
    );
    const stream = anthropic(gw).beta.messages.stream(ask);
    const events = [];
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalMessage();
    const seen = JSON.stringify([events, final]);
    for (const line of keyBody) expect(seen).not.toContain(line);
    const [block] = final.content;
    expect(block?.type).toBe("text_editor_code_execution_tool_result");
    const got = (block as Anthropic.Beta.BetaTextEditorCodeExecutionToolResultBlock).content;
    const edited = got as Anthropic.Beta.BetaTextEditorCodeExecutionStrReplaceResultBlock;
    expect(edited.lines?.slice(0, 2)).toEqual(["-deploy_key: none", "+deploy_key: |"]);
    expect(edited.lines?.join("\n")).toContain("[REDACTED_PRIVATE_KEY]");
    const { response } = await stream.withResponse();
    expect(await secretsFound(response.headers.get("x-detente-request-id"))).toBe(1);
  });

  it("stops a stream before a compaction summary with a secret goes out, when the policy blocks", async () => {
    answer("text/event-stream", streamed);
    const stream = await anthropic(blocking).beta.messages.create({ ...ask, stream: true });
    let seen = "";
    const failure = await (async () => {
      try {
        for await (const ev of stream) seen += JSON.stringify(ev);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as Error).message).toMatch(/stopped the model's answer/);
    expect(seen).not.toContain(AWS_KEY.slice(0, 8));
    expect(seen).not.toContain("compaction_delta");
  });

  it("withholds a whole answer with a secret in its compaction summary, when the policy blocks", async () => {
    answer("application/json", whole);
    const sent = anthropic(blocking).beta.messages.create(ask);
    await expect(sent).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await expect(sent).rejects.toThrow(/withheld the model's answer/);
  });
});

describe("a spoken answer (Chat Completions audio output)", () => {
  // The audio, base64 (not inspected: it passes as it came), and its transcript, which is.
  const AUDIO = Buffer.from("RIFF....WAVEfmt not really audio").toString("base64");

  it("masks a secret in the transcript, whole and streamed, and passes the audio untouched", async () => {
    const spoken = `Push with ${TOKEN} today.`;
    answer(
      "application/json",
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o-audio-preview",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: null,
              audio: { id: "audio_1", data: AUDIO, expires_at: 2, transcript: spoken },
            },
            finish_reason: "stop",
          },
        ],
      }),
    );
    const ask = {
      model: "gpt-4o-audio-preview",
      modalities: ["text", "audio"] as ("text" | "audio")[],
      audio: { voice: "alloy" as const, format: "wav" as const },
      messages: [{ role: "user" as const, content: "How do I push?" }],
    };
    const whole = await client(gw).chat.completions.create(ask);
    expect(whole.choices[0]?.message.audio).toEqual({
      id: "audio_1",
      data: AUDIO,
      expires_at: 2,
      transcript: `Push with ${REDACTED} today.`,
    });

    // Cut where the token starts and inside it (a cut inside `ghp_` lets its first letters out: see
    // "streamed text without spaces").
    const cut = [spoken.slice(0, 10), spoken.slice(10, 30), spoken.slice(30)];
    answer(
      "text/event-stream",
      chatChunk({ role: "assistant", content: null, audio: { id: "audio_1", transcript: "" } }) +
        cut.map((t) => chatChunk({ audio: { transcript: t } })).join("") +
        chatChunk({ audio: { data: AUDIO } }) +
        chatChunk({ audio: { expires_at: 2 } }, "stop") +
        "data: [DONE]\n\n",
    );
    const stream = await client(gw).chat.completions.create({ ...ask, stream: true });
    let transcript = "";
    let data = "";
    for await (const chunk of stream) {
      const audio = (chunk.choices[0]?.delta as { audio?: { transcript?: string; data?: string } }).audio;
      transcript += audio?.transcript ?? "";
      data += audio?.data ?? "";
    }
    expect(transcript).toBe(`Push with ${REDACTED} today.`);
    expect(data).toBe(AUDIO);
  });
});

describe("an answer read by its own Content-Type", () => {
  const headers = () => ({ authorization: `Bearer ${gw.key}`, "content-type": "application/json" });
  const ask = (stream: boolean) =>
    JSON.stringify({ model: "gpt-4o", stream, messages: [{ role: "user", content: "the token?" }] });

  it("inspects a stream sent to a request that did not ask for one, and JSON sent to one that did", async () => {
    for (const type of ["text/event-stream; charset=utf-8", "Text/Event-Stream"]) {
      answer(type, chatStream(["The token is ", TOKEN.slice(0, 10), TOKEN.slice(10), " and nothing else."]));
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: headers(),
        body: ask(false),
      });
      const text = await res.text();
      expect(text, type).not.toContain(TOKEN.slice(0, 8));
      expect(text, type).toContain(REDACTED);
    }
    const json = {
      id: "chatcmpl-2",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o",
      choices: [
        { index: 0, message: { role: "assistant", content: `It is ${TOKEN}.` }, finish_reason: "stop" },
      ],
    };
    answer("application/json", JSON.stringify(json));
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: headers(),
      body: ask(true),
    });
    const body = (await res.json()) as typeof json;
    expect(body.choices[0]?.message.content).toBe(`It is ${REDACTED}.`);
  });
});

describe("an answer that is not JSON", () => {
  const ask = (g: TestGateway) =>
    fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${g.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "the token?" }] }),
    });
  // Plain text, JSON cut off half-way, and JSON that is only a string: none has fields to read text from.
  const bodies: [string, string, string][] = [
    ["plain text", "text/plain; charset=utf-8", `The deploy token is ${TOKEN}.\n`],
    ["JSON cut off", "application/json", `{"choices":[{"message":{"content":"The deploy token is ${TOKEN}.`],
    ["a bare JSON string", "application/json", JSON.stringify(`The deploy token is ${TOKEN}.`)],
  ];

  it.each(bodies)(
    "%s is inspected as text: a secret in it is masked as in any answer",
    async (_what, type, body) => {
      answer(type, body);
      const res = await ask(gw);
      expect(res.status, type).toBe(200);
      expect(res.headers.get("content-type"), type).toBe(type);
      const text = await res.text();
      expect(text, body).not.toContain(TOKEN.slice(0, 8));
      expect(text, body).toBe(body.replace(TOKEN, REDACTED));
      const id = res.headers.get("x-detente-request-id");
      const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
      expect(event.detections).toMatchObject([{ where: "response", dataClass: "secret", count: 1 }]);
    },
  );

  it.each(bodies)(
    "%s is withheld with the provider's error when the policy blocks it",
    async (_what, type, body) => {
      answer(type, body);
      const res = await ask(blocking);
      expect(res.status, body).toBe(403);
      const text = await res.text();
      expect(text, body).not.toContain(TOKEN.slice(0, 8));
      // OpenAI's error shape, as for any answer the policy blocks.
      const error = (JSON.parse(text) as { error: { code: string; message: string } }).error;
      expect(error.code, body).toBe("response_blocked");
      expect(error.message, body).toMatch(/withheld the model's answer/);
      const id = res.headers.get("x-detente-request-id");
      const event = await eventually(() => blocking.events.find((e) => e.requestId === id), "the event");
      expect(event).toMatchObject({ action: "block", status: 403, error: "response_blocked" });
    },
  );
});

describe("a secret to block at the very end of a stream", () => {
  it("stops the answer before its [DONE], also when no event ends the text first", async () => {
    // Some upstreams send [DONE] with no finish_reason before it: the held-back key is flushed there.
    const body =
      chatChunk({ role: "assistant", content: "" }) +
      chatChunk({ content: "The key is " }) +
      chatChunk({ content: TOKEN }) +
      "data: [DONE]\n\n";
    answer("text/event-stream", body);
    const res = await fetch(`${blocking.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${blocking.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    const text = await res.text();
    expect(text).not.toContain(TOKEN.slice(0, 8));
    expect(text).not.toContain("[DONE]");
    expect(text).toMatch(/stopped the model's answer/);
    const id = res.headers.get("x-detente-request-id");
    const event = await eventually(() => blocking.events.find((e) => e.requestId === id), "the event");
    expect(event).toMatchObject({ action: "block", error: "response_blocked" });
  });
});

describe("a stream the upstream breaks off", () => {
  const start = chatChunk({ role: "assistant", content: "" }) + chatChunk({ content: "Half an answer" });
  const broken: [string, string, boolean][] = [
    ["a dropped connection", start, true],
    // One event larger than the gateway reads (8 MiB): what cannot be read is not passed on.
    ["an unreadable event", start + `data: {"x":"${"y".repeat(9 << 20)}`, false],
  ];

  it.each(broken)(
    "with %s tells the client, and is audited as failed (error 502)",
    async (what, body, cut) => {
      answer("text/event-stream", body, cut);
      const { data: stream, response } = await client(gw)
        .chat.completions.create({
          model: "gpt-4o",
          stream: true,
          messages: [{ role: "user", content: "hi" }],
        })
        .withResponse();
      let received = "";
      const failure = await (async () => {
        try {
          for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? "";
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(failure, what).toBeInstanceOf(OpenAI.APIError);
      expect((failure as Error).message, what).toMatch(/upstream stream was interrupted/);
      expect(received, what).toBe("Half an answer");
      const id = response.headers.get("x-detente-request-id")!;
      const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
      expect(event, what).toMatchObject({ action: "error", status: 502, error: "upstream_stream_error" });
      // What `detente ai events --action error` reads back from the store.
      await gw.flush();
      const stored = await listEvents({
        ctx: { store: gw.store },
        input: { action: ["error"], limit: 100 },
      });
      expect(
        stored.find((e) => e.requestId === id),
        what,
      ).toMatchObject({ action: "error", status: 502, error: "upstream_stream_error" });
    },
  );
});

describe("an answer with hundreds of thousands of findings", () => {
  it("passes, whole and streamed, with every one counted", async () => {
    const n = 250_000;
    const addresses = Array.from({ length: n }, (_, i) => `u${i}@corp.io`).join(" ");
    answer("application/json", chatCompletion(addresses));
    const whole = await client(gw).chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "list them" }],
    });
    expect(whole.choices[0]?.message.content).toBe(addresses);
    answer("text/event-stream", chatStream([addresses]));
    const streamed = await readChatStream(
      await client(gw).chat.completions.create({
        model: "gpt-4o",
        stream: true,
        messages: [{ role: "user", content: "list them" }],
      }),
    );
    expect(streamed).toEqual({ text: addresses, error: null });
    await gw.flush();
    for (const e of gw.events.slice(-2)) {
      expect(e.status).toBe(200);
      expect(e.detections).toMatchObject([{ where: "response", type: "email", count: n }]);
    }
  });
});

describe("a whole answer larger than the gateway reads (64 MiB)", () => {
  it("is a 502 that says so, not a crash or a bare 500", async () => {
    answer("application/json", `{"pad":"${"x".repeat(65 << 20)}"}`);
    const failure = await client(gw)
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as Error).message).toMatch(/upstream "openai" sent an answer larger than 67108864 bytes/);
  });
});

describe("an upstream that stops sending partway through its answer", () => {
  // `slow-*` goes to an upstream with `timeoutMs: 500` (test/helpers/gateway.ts).
  it("answers a whole answer's client with a 504 in the provider's format", async () => {
    answer("application/json", '{"id":"chatcmpl-1","object":"chat.completion","choices":[', false, true);
    const failure = await client(gw)
      .chat.completions.create({ model: "slow-model", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((failure as Error).message).toMatch(/upstream "slow" sent nothing more of its answer within/);
    const event = await eventually(
      () => gw.events.find((e) => e.modelRequested === "slow-model" && !e.stream),
      "the event",
    );
    expect(event).toMatchObject({ action: "error", status: 504, error: "upstream_timeout" });
  });

  it("ends a stream with a timeout error, after the text that came, audited as a timeout", async () => {
    const start = chatStream(["Half ", "an answer"])
      .split("data: [DONE]")[0]!
      .split(chatChunk({}, "stop"))[0]!;
    answer("text/event-stream", start, false, true);
    const stream = await client(gw).chat.completions.create({
      model: "slow-model",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    const { text: received, error: failure } = await readChatStream(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toMatch(/upstream "slow" sent nothing more of its answer within/);
    expect(received).toBe("Half an answer");
    const event = await eventually(
      () => gw.events.find((e) => e.modelRequested === "slow-model" && e.stream),
      "the event",
    );
    expect(event).toMatchObject({ action: "error", status: 504, error: "upstream_timeout" });
  });
});

describe("streamed text without spaces", () => {
  it("reaches the client as it comes, with a secret in it still masked", async () => {
    const prose = "这是一个没有空格的很长的回答，模型会一个字一个字地输出它。".repeat(10);
    const text = `${prose}部署用的令牌是 ${TOKEN}，请勿外传。${prose}`;
    const pieces = text.match(/[\s\S]{1,4}/g)!;
    answer("text/event-stream", chatStream(pieces));
    const stream = await client(gw).chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "用中文回答" }],
    });
    let received = "";
    let deltas = 0;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content ?? "";
      if (piece) deltas++;
      received += piece;
    }
    expect(received).not.toContain(TOKEN.slice(0, 3));
    expect(received.replace(/g?h?\[REDACTED_GITHUB_TOKEN\]/, TOKEN)).toBe(text);
    // Not held to the end and sent in one piece: about one delta out per delta in.
    expect(deltas).toBeGreaterThan(pieces.length * 0.9);
  });

  it("times the first token when all of it was held back to the stream's end", async () => {
    // A credential's prefix and nothing after it: held back (it could still grow into a token) until
    // the choice ends, then sent in an event of its own.
    answer("text/event-stream", chatStream(["ghp_"]));
    const { data: stream, response } = await client(gw)
      .chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    let received = "";
    for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? "";
    expect(received).toBe("ghp_");
    const id = response.headers.get("x-detente-request-id");
    const event = await eventually(() => gw.events.find((e) => e.requestId === id), "the event");
    expect(event.ttftMs).not.toBeNull();
  });

  it("never splits an emoji between two events", async () => {
    const text = "x\u{1f600}".repeat(2000);
    answer("text/event-stream", chatStream(text.match(/[\s\S]{1,3}/g)!));
    const stream = await client(gw).chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "smile" }],
    });
    let received = "";
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content ?? "";
      expect(wellFormed(piece), JSON.stringify(piece.slice(0, 4))).toBe(true);
      received += piece;
    }
    expect(received).toBe(text);
  });
});

describe("a client that leaves after the upstream ended", () => {
  it("is audited as the client leaving (499), not as an upstream failure", async () => {
    // One event larger than the loopback socket buffers hold (about 4 MB with Linux defaults): the
    // upstream has sent everything and ended while the gateway still waits to write it out.
    answer("text/event-stream", chatStream(["word ".repeat(1_400_000)]));
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      });
      req.on("response", (res) => {
        res.once("data", () => {
          res.pause();
          setTimeout(() => {
            req.destroy();
            resolve(String(res.headers["x-detente-request-id"]));
          }, 300);
        });
      });
      req.on("error", (e) => {
        if (!req.destroyed) reject(e);
      });
      req.end(
        JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "long" }] }),
      );
    });
    const event = await eventually(() => gw.events.find((e) => e.requestId === requestId), "the event");
    expect(event).toMatchObject({ error: "client_closed", status: 499 });
    // What `detente ai events --json` reads back from the store.
    await gw.flush();
    const stored = await listEvents({ ctx: { store: gw.store }, input: { limit: 100 } });
    expect(stored.find((e) => e.requestId === requestId)).toMatchObject({
      error: "client_closed",
      status: 499,
    });
  });
});
