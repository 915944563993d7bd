import { describe, expect, it } from "vitest";
import { createSseParser } from "../sse.js";
import { wireFormat } from "./index.js";
import { aClaudeCodeRequest, diffPaths, markAll, markedPaths, TINY_PNG_BASE64 } from "./testing.js";
import type { WireEvent } from "./types.js";

const messages = wireFormat("anthropic-messages");
const countTokens = wireFormat("anthropic-count-tokens");

describe("anthropic-messages requests (a Claude Code turn)", () => {
  it("finds the system prompt, every tool definition, turns, tool calls and (MCP) tool results", () => {
    const slots = messages.requestTexts(aClaudeCodeRequest());
    const byPath = new Map(slots.map((s) => [s.path, s]));
    expect(byPath.get("system[0].text")?.role).toBe("system");
    expect(byPath.get("system[1].text")?.text.length).toBeGreaterThan(10_000);
    // 9 tools: name + description + one description per property (TodoWrite: the array's description,
    // and the three values of its status enum).
    expect(slots.filter((s) => s.role === "tool-definition")).toHaveLength(9 * 2 + 18 + 1 + 3);
    expect(byPath.get("tools[8].input_schema.properties.todos.items.properties.status.enum[1]")?.text).toBe(
      "in_progress",
    );
    expect(byPath.get("tools[8].input_schema.properties.todos.description")?.text).toBe(
      "The updated todo list",
    );
    const turns = slots.filter((s) => s.path.startsWith("messages")).map((s) => [s.path, s.role]);
    expect(turns).toEqual([
      ["messages[0].content[0].text", "user"],
      ["messages[0].content[1].text", "user"],
      ["messages[1].content[0].thinking", "assistant"],
      ["messages[1].content[1].text", "assistant"],
      ["messages[1].content[2].input.command", "assistant"],
      ["messages[1].content[2].input.description", "assistant"],
      ["messages[2].content[0].content", "tool-result"],
      ["messages[3].content[0].input.owner", "assistant"],
      ["messages[3].content[0].input.repo", "assistant"],
      ["messages[3].content[0].input.title", "assistant"],
      ["messages[3].content[0].input.body", "assistant"],
      ["messages[3].content[0].input", "assistant"], // its keys not shown with a value: "labels"
      ["messages[3].content[0].input.labels[0]", "assistant"],
      ["messages[3].content[0].input.labels[1]", "assistant"],
      ["messages[4].content[2].text", "user"],
      ["messages[4].content[0].content[0].text", "tool-result"],
      ["messages[4].content[0].content[1].title", "tool-result"],
      ["messages[4].content[0].content[1].source.data", "tool-result"],
    ]);
    expect(byPath.get("messages[0].content[1].text")?.text).toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("rewrites every slot and leaves the rest (cache_control, signatures, the image) byte for byte", () => {
    const original = aClaudeCodeRequest();
    const body = aClaudeCodeRequest();
    const slots = messages.requestTexts(body);
    const markers = markAll(slots);
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect(messages.requestTexts(sent).map((s) => s.text)).toEqual(markers);
    expect(diffPaths(original, sent).sort()).toEqual(markedPaths(slots).sort());
    const json = JSON.stringify(sent);
    expect(json).toContain(
      `{"type":"image","source":{"type":"base64","media_type":"image/png","data":"${TINY_PNG_BASE64}"}}`,
    );
    expect(json).toContain('"signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"');
  });

  it("reads documents, search results and server tool results; skips opaque blocks", () => {
    const body = {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              source: { type: "content", content: [{ type: "text", text: "chunk" }] },
              context: "ctx",
            },
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
              title: "t",
            },
            {
              type: "search_result",
              source: "https://x",
              title: "Result",
              content: [{ type: "text", text: "found" }],
            },
            { type: "redacted_thinking", data: "opaque" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "server_tool_use", id: "s1", name: "web_fetch", input: { url: "https://example.com" } },
            {
              type: "web_fetch_tool_result",
              tool_use_id: "s1",
              content: {
                type: "web_fetch_result",
                url: "https://example.com",
                content: {
                  type: "document",
                  source: { type: "text", media_type: "text/plain", data: "page" },
                },
              },
            },
            {
              type: "bash_code_execution_tool_result",
              tool_use_id: "s2",
              content: {
                type: "bash_code_execution_result",
                stdout: "out",
                stderr: "",
                return_code: 0,
                content: [],
              },
            },
          ],
        },
        {
          role: "user",
          content: [
            { type: "mcp_tool_result", tool_use_id: "m1", content: [{ type: "text", text: "mcp says" }] },
          ],
        },
      ],
    };
    expect(messages.requestTexts(body).map((s) => [s.path, s.role, s.text])).toEqual([
      ["messages[0].content[0].context", "user", "ctx"],
      ["messages[0].content[1].title", "user", "t"],
      ["messages[0].content[2].title", "user", "Result"],
      ["messages[0].content[0].source.content[0].text", "user", "chunk"],
      ["messages[0].content[2].content[0].text", "user", "found"],
      ["messages[1].content[0].input.url", "assistant", '"url": "https://example.com"'],
      ["messages[1].content[1].content.content.source.data", "tool-result", "page"],
      ["messages[1].content[2].content.stdout", "tool-result", "out"],
      ["messages[2].content[0].content[0].text", "tool-result", "mcp says"],
    ]);
  });

  it("count_tokens reads the same request and reports input tokens", () => {
    expect(countTokens.requestTexts(aClaudeCodeRequest()).length).toBe(
      messages.requestTexts(aClaudeCodeRequest()).length,
    );
    expect(countTokens.stream({ stream: true })).toBe(false);
    expect(countTokens.usage({ input_tokens: 2095 })).toEqual({ input: 2095, output: null });
    expect(countTokens.responseTexts({ input_tokens: 1 })).toEqual([]);
  });
});

describe("anthropic-messages responses", () => {
  it("exposes text, thinking and each string leaf of tool_use input, keeping input an object", () => {
    const body = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Let me check.", signature: "sig" },
        { type: "text", text: "Running it." },
        { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "echo hi", timeout: 5 } },
      ],
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 1000,
        output_tokens: 7,
      },
    };
    const slots = messages.responseTexts(body);
    expect(slots.map((s) => [s.path, s.text])).toEqual([
      ["content[0].thinking", "Let me check."],
      ["content[1].text", "Running it."],
      ["content[2].input.command", "echo hi"],
    ]);
    slots[2]!.replace("echo bye");
    expect(body.content[2]).toEqual({
      type: "tool_use",
      id: "toolu_1",
      name: "Bash",
      input: { command: "echo bye", timeout: 5 },
    });
    expect(messages.usage(body)).toEqual({ input: 1110, output: 7 });
  });
});

describe("anthropic-messages streams", () => {
  const transcript = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_read_input_tokens":5,"output_tokens":1}}}',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
    'event: ping\ndata: {"type": "ping"}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}',
    'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi "}}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"there"}}',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}',
    'event: content_block_start\ndata: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"command\\": \\"ls"}}',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\\"}"}}',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}',
    'event: message_stop\ndata: {"type":"message_stop"}',
    "",
  ].join("\n\n");

  const events = (): WireEvent[] => {
    const parser = createSseParser();
    return parser
      .push(transcript)
      .map((e) => ({ event: e.event!, data: JSON.parse(e.data) as Record<string, unknown> }));
  };

  it("concatenates text, thinking and JSON deltas per content block, and ends blocks on stop", () => {
    const evs = events();
    const out: Record<string, string> = {};
    for (const ev of evs)
      for (const s of messages.streamTexts(ev)) out[s.stream] = (out[s.stream] ?? "") + s.text;
    expect(out).toEqual({ "block:0": "Hmm.", "block:1": "Hi there", "block:2": '{"command": "ls"}' });
    expect(evs.flatMap((e) => messages.streamEnds(e))).toEqual([
      "block:0",
      "block:1",
      "block:2",
      "block",
      "block",
    ]);
    expect(messages.streamUsage(evs[0]!)).toEqual({ input: 30, output: 1 });
    expect(messages.streamUsage(evs[14]!)).toEqual({ output: 42 });
    expect(messages.streamUsage(evs[2]!)).toEqual({});
  });

  it("writes flush events as content_block_delta of the same kind", () => {
    const evs = events();
    for (const i of [3, 7, 11]) {
      const slot = messages.streamTexts(evs[i]!)[0]!;
      const flush = messages.flushEvent(slot.stream, "tail", evs[i]!);
      expect(flush.event).toBe("content_block_delta");
      const data = JSON.parse(flush.data) as Record<string, unknown>;
      const back = messages.streamTexts({ event: flush.event!, data });
      expect(back.map((s) => [s.stream, s.text, s.jsonFragment === true])).toEqual([
        [slot.stream, "tail", i === 11],
      ]);
    }
    // A text block that started with text is a valid model for a flush too.
    const start = {
      event: "content_block_start",
      data: { type: "content_block_start", index: 4, content_block: { type: "text", text: "Hi" } },
    };
    expect(messages.streamTexts(start)[0]!.stream).toBe("block:4");
    expect(JSON.parse(messages.flushEvent("block:4", "!", start).data)).toEqual({
      type: "content_block_delta",
      index: 4,
      delta: { type: "text_delta", text: "!" },
    });
  });
});
