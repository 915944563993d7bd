import type { Anthropic } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createStreamInspector, createVault } from "../../inspect/index.js";
import { B64, randomString, seeded, testInspector } from "../../inspect/testing.js";
import { createSseParser } from "../sse.js";
import { wireFormat } from "./index.js";
import { aClaudeCodeRequest, diffPaths, markAll, markedPaths, TINY_PNG_BASE64 } from "./testing.js";
import type { WireEvent } from "./types.js";

const messages = wireFormat("anthropic-messages");
const countTokens = wireFormat("anthropic-count-tokens");
const inspector = testInspector();

/**
 * `diffPaths` with the lines of a list read as one text (a text editor's edit) named by the list: a
 * replacement of it may change any of its lines, and how many there are.
 */
function listPaths(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => p.replace(/\.lines\[\d+\]$/, ".lines")))];
}

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
      ["messages[0].content[2].source", "user", "https://x"],
      ["messages[0].content[0].source.content[0].text", "user", "chunk"],
      ["messages[0].content[2].content[0].text", "user", "found"],
      ["messages[1].content[0].input.url", "assistant", '"url": "https://example.com"'],
      ["messages[1].content[1].content.url", "tool-result", "https://example.com"],
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

describe("anthropic-messages MCP servers", () => {
  const OAUTH = "k3Jd9QwXz7LmNp2Rt5Vb8Yc4Hf6Gs1Ae0Uo"; // opaque: a token only under its name
  const mcpRequest = () => ({
    messages: [{ role: "user", content: "Open an issue." }],
    mcp_servers: [
      {
        type: "url",
        url: "https://mcp.example.com/sse?api_key=Xw4Tq9Lm2Zr7Vb5Nc8Hd3Jf6Kg1Ps0Qa",
        name: "tracker",
        authorization_token: OAUTH,
        tool_configuration: { enabled: true, allowed_tools: ["create_issue"] },
      },
    ],
  });

  it("reads the name, and the URL and authorization token under their names, for messages and count_tokens", () => {
    for (const wire of [messages, countTokens]) {
      const slots = wire.requestTexts(mcpRequest()).filter((s) => s.path.startsWith("mcp_servers"));
      expect(slots.map((s) => [s.path, s.role, s.text, s.contextLength])).toEqual([
        ["mcp_servers[0].name", "tool-definition", "tracker", undefined],
        [
          "mcp_servers[0].url",
          "tool-definition",
          '"url": "https://mcp.example.com/sse?api_key=Xw4Tq9Lm2Zr7Vb5Nc8Hd3Jf6Kg1Ps0Qa"',
          '"url": '.length,
        ],
        [
          "mcp_servers[0].authorization_token",
          "tool-definition",
          `"authorization_token": "${OAUTH}"`,
          '"authorization_token": '.length,
        ],
      ]);
    }
  });

  it("finds the credentials, and a replacement changes the value, never the field's name", () => {
    const body = mcpRequest();
    const slots = messages.requestTexts(body);
    const vault = createVault();
    const types: string[] = [];
    for (const slot of slots) {
      const found = inspector.inspect(slot.text, slot.role);
      types.push(...found.map((d) => d.type));
      if (found.length > 0) slot.replace(vault.redact(slot.text, found));
    }
    // The token says nothing alone; under its name it is a secret.
    expect(inspector.inspect(OAUTH, "tool-definition")).toEqual([]);
    expect(types).toEqual(["generic-secret", "generic-secret"]);
    const server = body.mcp_servers[0]!;
    expect(server.url).toBe("https://mcp.example.com/sse?api_key=[SECRET_1]");
    expect(server.authorization_token).toBe("[SECRET_2]");
    // A replacement that does not keep the name is the value, whole.
    slots.find((s) => s.path === "mcp_servers[0].authorization_token")!.replace("[REDACTED]");
    expect(Object.keys(server)).toContain("authorization_token");
    expect(server.authorization_token).toBe("[REDACTED]");
    expect(server.tool_configuration).toEqual({ enabled: true, allowed_tools: ["create_issue"] });
  });

  it("finds a token given with a scheme word, and keeps the word when it is redacted", () => {
    const body = {
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "hi" }],
      mcp_servers: [
        { type: "url", url: "https://mcp.example.com/sse", name: "x", authorization_token: `Token ${OAUTH}` },
      ],
    };
    const vault = createVault();
    const types: string[] = [];
    for (const slot of messages.requestTexts(body)) {
      const found = inspector.inspect(slot.text, slot.role);
      types.push(...found.map((d) => d.type));
      if (found.length > 0) slot.replace(vault.redact(slot.text, found));
    }
    expect(types).toEqual(["generic-secret"]);
    expect(body.mcp_servers[0]!.authorization_token).toBe("Token [SECRET_1]");
  });
});

describe("anthropic-messages blocks of the newer APIs (compaction, inline tools, browser state...)", () => {
  const GITHUB = "ghp_" + "Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8";
  const schema = (s: string) => ({
    type: "object",
    properties: { service: { type: "string", description: `The service. ${s}` } },
  });
  // `s` (a credential, or nothing) is in every text the model reads; names, ids and opaque fields never.
  const aRequest = (s = "") => ({
    compaction: { type: "summarize", instructions: `Keep the deploy steps. ${s}` },
    context_management: {
      edits: [
        { type: "compact_20260112", instructions: `Keep decisions. ${s}` },
        { type: "clear_thinking_20251015" },
      ],
    },
    tools: [
      {
        type: "mcp_toolset",
        mcp_server_name: "tracker",
        tools: [{ name: "create_issue", description: `Open an issue. ${s}`, input_schema: schema(s) }],
      },
    ],
    messages: [
      {
        role: "system",
        content: [
          {
            type: "tool_addition",
            tool: {
              type: "tool_definition",
              definition: {
                name: "deploy",
                description: `Deploy a service. ${s}`,
                input_schema: schema(s),
                input_examples: [{ service: `api ${s}` }],
              },
            },
          },
          { type: "tool_removal", tool: { type: "tool_reference", name: "rollback" } },
        ],
      },
      {
        role: "assistant",
        content: [
          {
            type: "compaction",
            content: `Summary: the user deployed the api. ${s}`,
            encrypted_content: "opaque-compaction",
            signature: "sig-compaction",
            tool_changes: [
              {
                type: "tool_addition",
                tool: {
                  type: "tool_definition",
                  definition: {
                    type: "mcp_toolset",
                    mcp_server_name: "pager",
                    tools: [
                      { name: "page", description: `Page on-call. ${s}`, input_schema: { type: "object" } },
                    ],
                  },
                },
              },
              {
                type: "tool_addition",
                tool: { type: "mcp_tool_reference", server_name: "tracker", name: "x" },
              },
              { type: "tool_removal", tool: { type: "mcp_toolset_reference", server_name: "old" } },
            ],
          },
          {
            type: "mcp_tool_listing",
            mcp_server_name: "tracker",
            tools: [
              { name: "list_issues", description: `List issues. ${s}`, input_schema: { type: "object" } },
            ],
          },
          {
            type: "text",
            text: "As the wiki says.",
            citations: [
              {
                type: "search_result_location",
                cited_text: `The key is ${s}`,
                source: `https://wiki.example/keys?k=${s}`,
                title: `Keys ${s}`,
                search_result_index: 0,
                start_block_index: 0,
                end_block_index: 1,
              },
            ],
          },
          {
            type: "web_search_tool_result",
            tool_use_id: "srv_1",
            content: [
              {
                type: "web_search_result",
                title: `Deploying ${s}`,
                url: `https://docs.example/deploy?t=${s}`,
                encrypted_content: "opaque-page",
                page_age: "2 days ago",
              },
            ],
          },
          {
            type: "web_fetch_tool_result",
            tool_use_id: "srv_2",
            content: { type: "web_fetch_result", url: `https://docs.example/page?token=${s}`, content: {} },
          },
          {
            type: "text_editor_code_execution_tool_result",
            tool_use_id: "srv_3",
            content: {
              type: "text_editor_code_execution_str_replace_result",
              lines: ["-token = old", `+token = ${s}`],
              old_start: 1,
            },
          },
          {
            type: "text_editor_code_execution_tool_result",
            tool_use_id: "srv_4",
            content: {
              type: "text_editor_code_execution_tool_result_error",
              error_code: "file_not_found",
              error_message: `No such file: ${s}`,
            },
          },
          {
            type: "tool_search_tool_result",
            tool_use_id: "srv_5",
            content: {
              type: "tool_search_tool_result_error",
              error_code: "unavailable",
              error_message: `Down ${s}`,
            },
          },
          {
            type: "advisor_tool_result",
            tool_use_id: "srv_6",
            content: { type: "advisor_result", text: `Rotate the key ${s}` },
          },
          {
            type: "advisor_tool_result",
            tool_use_id: "srv_7",
            content: { type: "advisor_redacted_result", encrypted_content: "opaque-advice" },
          },
          { type: "fallback", from: { model: "claude-opus-4-1" }, to: { model: "claude-sonnet-4-5" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "search_result",
            source: `https://wiki.example/keys?k=${s}`,
            title: "Keys",
            content: [{ type: "text", text: "Rotate monthly." }],
          },
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [
              {
                type: "browser_state",
                tabs: [
                  {
                    tab_id: "t1",
                    title: `Admin ${s}`,
                    url: `https://admin.example/?session=${s}`,
                    active: true,
                  },
                ],
                state_changes: [
                  { type: "tab_opened", tab_id: "t2" },
                  {
                    type: "download_failed",
                    download_id: "d1",
                    url: `https://x.example/?k=${s}`,
                    error: `Denied ${s}`,
                  },
                  {
                    type: "download_completed",
                    download_id: "d2",
                    url: "https://x.example/r",
                    path: `/tmp/${s}.csv`,
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  });

  it("reads each block's texts with the role of its kind: messages, tool definitions, tool results", () => {
    const slots = messages.requestTexts(aRequest());
    const system = "messages[0].content[0].tool.definition";
    const compaction = "messages[1].content[0]";
    expect(slots.map((s) => [s.path, s.role])).toEqual([
      // Tools first, as the provider reads the prompt (placeholders are numbered in this order).
      // An MCP toolset's pinned listing in tools[].
      ["tools[0].tools[0].name", "tool-definition"],
      ["tools[0].tools[0].description", "tool-definition"],
      ["tools[0].tools[0].input_schema.properties.service.description", "tool-definition"],
      // An inline tool in a system message, read as a tools[] entry.
      [`${system}.name`, "tool-definition"],
      [`${system}.description`, "tool-definition"],
      [`${system}.input_schema.properties.service.description`, "tool-definition"],
      [`${system}.input_examples[0].service`, "tool-definition"],
      // The summary of earlier turns, as the assistant wrote it.
      [`${compaction}.content`, "assistant"],
      ["messages[1].content[1].tools[0].name", "tool-definition"],
      ["messages[1].content[1].tools[0].description", "tool-definition"],
      ["messages[1].content[2].text", "assistant"],
      ["messages[1].content[2].citations[0].cited_text", "assistant"],
      ["messages[1].content[2].citations[0].title", "assistant"],
      ["messages[1].content[2].citations[0].source", "assistant"],
      ["messages[1].content[3].content[0].title", "tool-result"],
      ["messages[1].content[3].content[0].url", "tool-result"],
      ["messages[1].content[4].content.url", "tool-result"],
      // An edit's lines are one text.
      ["messages[1].content[5].content.lines", "tool-result"],
      ["messages[1].content[6].content.error_message", "tool-result"],
      ["messages[1].content[7].content.error_message", "tool-result"],
      ["messages[1].content[8].content.text", "tool-result"],
      // Nested lists come after their siblings: the compaction's tool changes, the tool result's blocks.
      [`${compaction}.tool_changes[0].tool.definition.tools[0].name`, "tool-definition"],
      [`${compaction}.tool_changes[0].tool.definition.tools[0].description`, "tool-definition"],
      ["messages[2].content[0].title", "user"],
      ["messages[2].content[0].source", "user"],
      ["messages[2].content[0].content[0].text", "user"],
      ["messages[2].content[1].content[0].tabs[0].title", "tool-result"],
      ["messages[2].content[1].content[0].tabs[0].url", "tool-result"],
      ["messages[2].content[1].content[0].state_changes[1].url", "tool-result"],
      ["messages[2].content[1].content[0].state_changes[1].error", "tool-result"],
      ["messages[2].content[1].content[0].state_changes[2].url", "tool-result"],
      ["messages[2].content[1].content[0].state_changes[2].path", "tool-result"],
      ["compaction.instructions", "system"],
      ["context_management.edits[0].instructions", "system"],
    ]);
    expect(countTokens.requestTexts(aRequest()).map((s) => s.path)).toEqual(slots.map((s) => s.path));
  });

  it("finds a credential in each, and redacting them all sends none and changes nothing else", () => {
    const original = aRequest(GITHUB);
    const body = aRequest(GITHUB);
    const planted = JSON.stringify(body).split(GITHUB).length - 1;
    const slots = messages.requestTexts(body);
    const withToken = slots.filter((s) => s.text.includes(GITHUB));
    expect(withToken).toHaveLength(planted);
    const vault = createVault();
    for (const slot of withToken) {
      const found = inspector.inspect(slot.text, slot.role);
      expect(
        found.map((d) => d.type),
        slot.path,
      ).toContain("github-token");
      slot.replace(vault.redact(slot.text, found));
    }
    const sent = JSON.stringify(body);
    expect(sent).not.toContain(GITHUB);
    expect(listPaths(diffPaths(original, body)).sort()).toEqual(withToken.map((s) => s.path).sort());
    // Opaque fields go as they came.
    for (const opaque of ["opaque-compaction", "sig-compaction", "opaque-page", "opaque-advice"])
      expect(sent).toContain(`"${opaque}"`);
  });

  it("walks compactions nested in tool changes without recursion", () => {
    let block: Record<string, unknown> = { type: "compaction", content: "the bottom" };
    for (let i = 0; i < 50_000; i++) block = { type: "compaction", tool_changes: [block] };
    const slots = messages.requestTexts({ messages: [{ role: "assistant", content: [block] }] });
    expect(slots.map((s) => s.text)).toEqual(["the bottom"]);
  });
});

describe("anthropic-messages responses", () => {
  it("exposes text, thinking and each value of tool_use input with its key, keeping input an object", () => {
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
      ["content[2].input.command", '"command": "echo hi"'],
      ["content[2].input", '"timeout"'],
    ]);
    slots[2]!.replace('"command": "echo bye"');
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

  it("concatenates text, thinking and JSON deltas per content block, and ends blocks on stop and thinking on its signature", () => {
    const evs = events();
    const out: Record<string, string> = {};
    for (const ev of evs)
      for (const s of messages.streamTexts(ev)) out[s.stream] = (out[s.stream] ?? "") + s.text;
    expect(out).toEqual({ "block:0": "Hmm.", "block:1": "Hi there", "block:2": '{"command": "ls"}' });
    expect(evs.flatMap((e) => messages.streamEnds(e))).toEqual([
      "block:0", // the thinking's signature_delta: its text goes before it
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

describe("anthropic-messages answers: every block that carries text, whole and streamed", () => {
  /** An answer with every block type of the SDK's `BetaContentBlock` union, and the opaque fields of each. */
  const blocks = (): Anthropic.Beta.BetaContentBlock[] => [
    {
      type: "compaction",
      content: "Summary: deploys use the staging key.",
      encrypted_content: "ENC-STATE",
      signature: "SIG-C",
      tool_changes: [
        {
          type: "tool_addition",
          tool: {
            type: "tool_definition",
            definition: { name: "deploy", description: "Deploys.", input_schema: { type: "object" } },
          },
        },
      ],
    },
    { type: "thinking", thinking: "Let me look.", signature: "SIG-T" },
    { type: "redacted_thinking", data: "REDACTED-DATA" },
    {
      type: "text",
      text: "It says so.",
      citations: [
        {
          type: "char_location",
          cited_text: "the cited text",
          document_index: 0,
          document_title: "Runbook",
          start_char_index: 0,
          end_char_index: 14,
          file_id: null,
        },
        {
          type: "web_search_result_location",
          cited_text: "a web quote",
          encrypted_index: "ENC-INDEX",
          title: "A page",
          url: "https://example.com/page",
        },
      ],
    },
    { type: "server_tool_use", id: "srvtoolu_1", name: "web_fetch", input: { url: "https://example.com/b" } },
    {
      type: "web_search_tool_result",
      tool_use_id: "srvtoolu_0",
      content: [
        {
          type: "web_search_result",
          encrypted_content: "ENC-PAGE",
          page_age: null,
          title: "Result",
          url: "https://example.com/r",
        },
      ],
    },
    {
      type: "web_fetch_tool_result",
      tool_use_id: "srvtoolu_1",
      content: {
        type: "web_fetch_result",
        url: "https://example.com/b",
        retrieved_at: null,
        content: {
          type: "document",
          citations: null,
          title: "B",
          source: { type: "text", media_type: "text/plain", data: "the page text" },
        },
      },
    },
    {
      type: "web_fetch_tool_result",
      tool_use_id: "srvtoolu_2",
      content: {
        type: "web_fetch_result",
        url: "https://example.com/c.pdf",
        retrieved_at: null,
        content: {
          type: "document",
          citations: null,
          title: null,
          source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
        },
      },
    },
    {
      type: "code_execution_tool_result",
      tool_use_id: "srvtoolu_3",
      content: {
        type: "code_execution_result",
        stdout: "python out",
        stderr: "python err",
        return_code: 0,
        content: [{ type: "code_execution_output", file_id: "file_1" }],
      },
    },
    {
      type: "code_execution_tool_result",
      tool_use_id: "srvtoolu_4",
      content: {
        type: "encrypted_code_execution_result",
        encrypted_stdout: "ENC-STDOUT",
        stderr: "hidden run err",
        return_code: 1,
        content: [],
      },
    },
    {
      type: "bash_code_execution_tool_result",
      tool_use_id: "srvtoolu_5",
      content: {
        type: "bash_code_execution_result",
        stdout: "bash out",
        stderr: "",
        return_code: 0,
        content: [],
      },
    },
    {
      type: "text_editor_code_execution_tool_result",
      tool_use_id: "srvtoolu_6",
      content: {
        type: "text_editor_code_execution_view_result",
        content: "the file",
        file_type: "text",
        num_lines: 1,
        start_line: 1,
        total_lines: 1,
      },
    },
    {
      type: "text_editor_code_execution_tool_result",
      tool_use_id: "srvtoolu_7",
      content: {
        type: "text_editor_code_execution_str_replace_result",
        lines: ["-old line", "+new line"],
        new_lines: 1,
        new_start: 1,
        old_lines: 1,
        old_start: 1,
      },
    },
    {
      type: "text_editor_code_execution_tool_result",
      tool_use_id: "srvtoolu_8",
      content: {
        type: "text_editor_code_execution_tool_result_error",
        error_code: "file_not_found",
        error_message: "no such file",
      },
    },
    {
      type: "tool_search_tool_result",
      tool_use_id: "srvtoolu_9",
      content: {
        type: "tool_search_tool_result_error",
        error_code: "unavailable",
        error_message: "search down",
      },
    },
    {
      type: "tool_search_tool_result",
      tool_use_id: "srvtoolu_10",
      content: {
        type: "tool_search_tool_search_result",
        tool_references: [{ type: "tool_reference", tool_name: "deploy" }],
      },
    },
    {
      type: "advisor_tool_result",
      tool_use_id: "srvtoolu_11",
      content: { type: "advisor_result", text: "the advice", stop_reason: null },
    },
    {
      type: "advisor_tool_result",
      tool_use_id: "srvtoolu_12",
      content: { type: "advisor_redacted_result", encrypted_content: "ENC-ADVICE", stop_reason: null },
    },
    {
      type: "mcp_tool_use",
      id: "mcptoolu_1",
      name: "search",
      server_name: "docs",
      input: { q: "the query" },
    },
    {
      type: "mcp_tool_result",
      tool_use_id: "mcptoolu_1",
      is_error: false,
      content: [
        {
          type: "text",
          text: "mcp text",
          citations: [
            {
              type: "search_result_location",
              cited_text: "mcp cited",
              source: "docs://a",
              title: null,
              search_result_index: 0,
              start_block_index: 0,
              end_block_index: 0,
            },
          ],
        },
      ],
    },
    { type: "mcp_tool_result", tool_use_id: "mcptoolu_2", is_error: true, content: "mcp error" },
    { type: "container_upload", file_id: "file_2" },
    {
      type: "fallback",
      from: { model: "claude-opus-4-6" },
      to: { model: "claude-sonnet-4-5" },
      trigger: { type: "refusal", category: null },
    },
    {
      type: "mcp_tool_listing",
      mcp_server_name: "docs",
      tools: [{ name: "search", description: "Searches.", input_schema: { type: "object" } }],
    },
    { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls", env: ["A=1"] } },
  ];
  const anAnswer = () => ({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-opus-4-6",
    content: blocks(),
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  });
  /** What each block exposes, by path under the block (`content[i].` left off), as a whole answer has it. */
  const WHOLE: [number, string, string][] = [
    [0, "content", "Summary: deploys use the staging key."],
    [1, "thinking", "Let me look."],
    [3, "text", "It says so."],
    [3, "citations[0].cited_text", "the cited text"],
    [3, "citations[0].document_title", "Runbook"],
    [3, "citations[1].cited_text", "a web quote"],
    [3, "citations[1].title", "A page"],
    [3, "citations[1].url", "https://example.com/page"],
    [4, "input.url", '"url": "https://example.com/b"'],
    [5, "content[0].title", "Result"],
    [5, "content[0].url", "https://example.com/r"],
    [6, "content.url", "https://example.com/b"],
    [6, "content.content.title", "B"],
    [6, "content.content.source.data", "the page text"],
    [7, "content.url", "https://example.com/c.pdf"],
    [8, "content.stdout", "python out"],
    [8, "content.stderr", "python err"],
    [9, "content.stderr", "hidden run err"],
    [10, "content.stdout", "bash out"],
    [11, "content.content", "the file"],
    [12, "content.lines", "-old line\n+new line"],
    [13, "content.error_message", "no such file"],
    [14, "content.error_message", "search down"],
    [16, "content.text", "the advice"],
    [18, "input.q", '"q": "the query"'],
    [19, "content[0].text", "mcp text"],
    [19, "content[0].citations[0].cited_text", "mcp cited"],
    [19, "content[0].citations[0].source", "docs://a"],
    [20, "content", "mcp error"],
    [24, "input.command", '"command": "ls"'],
    [24, "input", '"env"'],
    [24, "input.env[0]", "A=1"],
  ];
  const start = (index: number, block: unknown): WireEvent => ({
    event: "content_block_start",
    data: { type: "content_block_start", index, content_block: block },
  });
  const delta = (index: number, d: Record<string, unknown>): WireEvent => ({
    event: "content_block_delta",
    data: { type: "content_block_delta", index, delta: d },
  });

  it("reads every text of a whole answer, with role response", () => {
    const slots = messages.responseTexts(anAnswer());
    expect(slots.map((s) => [s.path, s.text])).toEqual(WHOLE.map(([i, p, t]) => [`content[${i}].${p}`, t]));
    expect(new Set(slots.map((s) => s.role))).toEqual(new Set(["response"]));
  });

  it("rewrites them all into valid JSON and leaves signatures, encrypted contents, ids and tool changes as they were", () => {
    const original = anAnswer();
    const body = anAnswer();
    const slots = messages.responseTexts(body);
    const markers = markAll(slots);
    expect(markers).toHaveLength(WHOLE.length);
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect(messages.responseTexts(sent).map((s) => s.text)).toEqual(markers);
    expect(listPaths(diffPaths(original, sent)).sort()).toEqual(markedPaths(slots).sort());
    const json = JSON.stringify(sent);
    for (const opaque of [
      "ENC-STATE",
      "SIG-C",
      "SIG-T",
      "REDACTED-DATA",
      "ENC-INDEX",
      "ENC-PAGE",
      "ENC-STDOUT",
    ])
      expect(json).toContain(`"${opaque}"`);
    expect(json).toContain('"description":"Deploys."');
    expect(json).toContain('"description":"Searches."');
  });

  it("reads the same texts from each block's start event, as deltas (text, thinking) or whole snapshots", () => {
    blocks().forEach((block, i) => {
      const ev = start(i, block);
      const streamed = [...messages.streamTexts(ev), ...messages.streamSnapshots(ev)];
      const expected = WHOLE.filter(([j]) => j === i).map(([, p, t]) => [`content_block.${p}`, t]);
      expect(
        streamed.map((s) => [s.path, s.text]),
        block.type,
      ).toEqual(expected);
      // Snapshots are streams of their own, named by their place in the block.
      for (const s of messages.streamSnapshots(ev))
        expect(s.stream).toBe(`block:${i}:${s.path.slice("content_block.".length)}`);
    });
  });

  it("reads a compaction_delta's summary whole, under the same stream as one its block started with", () => {
    const summary = "Summary: the key is in vault.";
    const ev = delta(0, { type: "compaction_delta", content: summary, encrypted_content: "ENC" });
    // The delta carries the block's whole summary (the SDK sets it, not appends it): not a text delta.
    expect(messages.streamTexts(ev)).toEqual([]);
    const [snap, ...more] = messages.streamSnapshots(ev);
    expect(more).toEqual([]);
    expect([snap?.stream, snap?.path, snap?.text]).toEqual(["block:0:content", "delta.content", summary]);
    const begun = messages.streamSnapshots(
      start(0, { type: "compaction", content: summary, encrypted_content: null }),
    );
    expect(begun.map((s) => s.stream)).toEqual(["block:0:content"]);
    snap!.replace("Summary: [REDACTED]");
    expect(ev.data).toEqual({
      type: "content_block_delta",
      index: 0,
      delta: { type: "compaction_delta", content: "Summary: [REDACTED]", encrypted_content: "ENC" },
    });
    // A failed compaction (null content) and an empty start carry nothing.
    expect(messages.streamSnapshots(delta(0, { type: "compaction_delta", content: null }))).toEqual([]);
    expect(messages.streamSnapshots(start(0, { type: "compaction", content: null }))).toEqual([]);
  });

  it("reads a citations_delta's citation whole, and nothing of a signature_delta", () => {
    const ev = delta(2, {
      type: "citations_delta",
      citation: {
        type: "char_location",
        cited_text: "quoted",
        document_index: 0,
        document_title: "Doc",
        start_char_index: 0,
        end_char_index: 6,
        file_id: null,
      },
    });
    expect(messages.streamTexts(ev)).toEqual([]);
    expect(messages.streamSnapshots(ev).map((s) => [s.stream, s.path, s.text])).toEqual([
      ["block:2:citation.cited_text", "delta.citation.cited_text", "quoted"],
      ["block:2:citation.document_title", "delta.citation.document_title", "Doc"],
    ]);
    const signature = delta(0, { type: "signature_delta", signature: "EqQB" });
    expect([...messages.streamTexts(signature), ...messages.streamSnapshots(signature)]).toEqual([]);
  });
});

describe("anthropic-messages text editor edits, whose text comes as lines", () => {
  // A synthetic PEM private key, one line of the edit each line of it (the key detector needs the block).
  const r = seeded(5);
  const keyBody = Array.from({ length: 12 }, () => randomString(r, 64, B64));
  const pem = ["-----BEGIN RSA PRIVATE KEY-----", ...keyBody, "-----END RSA PRIVATE KEY-----"];
  const lines = ["-deploy_key: none", "+deploy_key: |", ...pem.map((l) => `+  ${l}`)];
  const edit = (): Anthropic.Beta.BetaTextEditorCodeExecutionToolResultBlock => ({
    type: "text_editor_code_execution_tool_result",
    tool_use_id: "srvtoolu_1",
    content: {
      type: "text_editor_code_execution_str_replace_result",
      lines: [...lines],
      new_lines: lines.length - 1,
      new_start: 1,
      old_lines: 1,
      old_start: 1,
    },
  });
  const linesOf = (block: unknown) =>
    (block as Anthropic.Beta.BetaTextEditorCodeExecutionToolResultBlock).content as { lines: string[] };

  it("reads a request's lines as one text, where a private key across them is found and redacted whole", () => {
    const block = edit();
    const body = { messages: [{ role: "assistant", content: [block] }] };
    const slots = messages.requestTexts(body);
    expect(slots.map((s) => [s.path, s.role, s.text])).toEqual([
      ["messages[0].content[0].content.lines", "tool-result", lines.join("\n")],
    ]);
    const slot = slots[0]!;
    const found = inspector.inspect(slot.text, slot.role);
    expect(found.map((d) => d.type)).toEqual(["private-key"]);
    slot.replace(createVault().redact(slot.text, found));
    const sent = JSON.stringify(body);
    for (const line of keyBody) expect(sent).not.toContain(line);
    // Still a list of lines; the redacted span covered line breaks, so there are fewer.
    const after = linesOf((JSON.parse(sent) as typeof body).messages[0]!.content[0]).lines;
    expect(after.slice(0, 2)).toEqual(["-deploy_key: none", "+deploy_key: |"]);
    expect(after.length).toBeLessThan(lines.length);
    expect(after.every((l) => typeof l === "string")).toBe(true);
  });

  it("reads an answer's lines as one text, whole and in a stream's start event, and masks the key whole", () => {
    const body = { content: [edit()] };
    const [whole, ...more] = messages.responseTexts(body);
    expect(more).toEqual([]);
    expect([whole?.path, whole?.text]).toEqual(["content[0].content.lines", lines.join("\n")]);
    const ev: WireEvent = {
      event: "content_block_start",
      data: { type: "content_block_start", index: 3, content_block: edit() },
    };
    expect(messages.streamTexts(ev)).toEqual([]);
    const [snap, ...others] = messages.streamSnapshots(ev);
    expect(others).toEqual([]);
    expect([snap?.stream, snap?.path, snap?.text]).toEqual([
      "block:3:content.lines",
      "content_block.content.lines",
      lines.join("\n"),
    ]);
    for (const [slot, block] of [
      [whole!, body.content[0]],
      [snap!, ev.data.content_block],
    ] as const) {
      const masker = createStreamInspector(inspector, { mask: ["secret"] });
      const first = masker.push(slot.text);
      const last = masker.end();
      expect([...first.detections, ...last.detections].map((d) => d.type)).toEqual(["private-key"]);
      slot.replace(first.emit + last.emit);
      const sent = JSON.stringify(block);
      for (const line of keyBody) expect(sent).not.toContain(line);
      expect(linesOf(block).lines.join("\n")).toContain("[REDACTED_PRIVATE_KEY]");
    }
  });
});
