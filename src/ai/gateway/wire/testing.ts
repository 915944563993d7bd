import { keyPath } from "./slots.js";

/**
 * Realistic request bodies for wire-format and gateway tests, shaped like what the assistants send
 * (hand-written from the providers' API references and the SDKs' type definitions, not captured
 * traffic): a Claude Code turn, a Codex CLI Responses turn, a Continue FIM request, a Cursor-style chat
 * request. Each call returns a fresh object, so a test may rewrite it.
 *
 * @example
 * const body = aClaudeCodeRequest();
 * wireFormat("anthropic-messages").requestTexts(body).length; // dozens of slots
 */

/**
 * A 1x1 transparent PNG: the bytes a test checks survive a rewrite untouched.
 *
 * @example expect(JSON.stringify(body)).toContain(TINY_PNG_BASE64);
 */
export const TINY_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

const SYSTEM_PARAGRAPH =
  "You are an interactive CLI tool that helps users with software engineering tasks. Use the instructions " +
  "below and the tools available to you to assist the user. IMPORTANT: Assist with defensive security " +
  "tasks only. When you reference code, include the pattern file_path:line_number.\n";

function schema(properties: Record<string, string>, required: string[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [name, description] of Object.entries(properties)) props[name] = { type: "string", description };
  return {
    type: "object",
    properties: props,
    required,
    additionalProperties: false,
    $schema: "http://json-schema.org/draft-07/schema#",
  };
}

const CLAUDE_TOOLS: [string, string, Record<string, string>][] = [
  [
    "Bash",
    "Executes a given bash command in a persistent shell session.",
    {
      command: "The command to execute",
      description: "Clear, concise description of what this command does in 5-10 words",
    },
  ],
  [
    "Glob",
    "Fast file pattern matching tool that works with any codebase size.",
    { pattern: "The glob pattern to match files against", path: "The directory to search in" },
  ],
  [
    "Grep",
    "A powerful search tool built on ripgrep.",
    { pattern: "The regular expression pattern to search for", path: "File or directory to search in" },
  ],
  ["Read", "Reads a file from the local filesystem.", { file_path: "The absolute path to the file to read" }],
  [
    "Edit",
    "Performs exact string replacements in files.",
    {
      file_path: "The absolute path to the file to modify",
      old_string: "The text to replace",
      new_string: "The text to replace it with",
    },
  ],
  [
    "Write",
    "Writes a file to the local filesystem.",
    { file_path: "The absolute path to the file to write", content: "The content to write to the file" },
  ],
  [
    "WebFetch",
    "Fetches content from a specified URL and processes it using an AI model.",
    { url: "The URL to fetch content from", prompt: "The prompt to run on the fetched content" },
  ],
  [
    "mcp__github__create_issue",
    "Create a new issue in a GitHub repository",
    { owner: "Repository owner", repo: "Repository name", title: "Issue title", body: "Issue body" },
  ],
];

/**
 * A Claude Code request to `/v1/messages`: a large system prompt array with `cache_control`, many tool
 * definitions (one with a nested schema), a thinking block, `tool_use` / `tool_result` turns, an MCP
 * tool result with a nested content array and a document, and an image part in a user turn.
 *
 * @example wireFormat("anthropic-messages").requestTexts(aClaudeCodeRequest()).length; // dozens of slots
 */
export function aClaudeCodeRequest(): Record<string, unknown> {
  const tools: Record<string, unknown>[] = CLAUDE_TOOLS.map(([name, description, props]) => ({
    name,
    description,
    input_schema: schema(props, Object.keys(props).slice(0, 1)),
  }));
  tools.push({
    name: "TodoWrite",
    description: "Use this tool to create and manage a structured task list for your current coding session.",
    input_schema: {
      type: "object",
      properties: {
        todos: {
          type: "array",
          description: "The updated todo list",
          items: {
            type: "object",
            properties: {
              content: { type: "string", minLength: 1 },
              status: { type: "string", enum: ["pending", "in_progress", "completed"] },
            },
            required: ["content", "status"],
          },
        },
      },
      required: ["todos"],
    },
  });
  return {
    model: "claude-sonnet-4-5-20250929",
    max_tokens: 32000,
    stream: true,
    metadata: { user_id: "user_3f2a_account__session_9b1c" },
    thinking: { type: "enabled", budget_tokens: 4000 },
    system: [
      {
        type: "text",
        text: "You are Claude Code, Anthropic's official CLI for Claude.",
        cache_control: { type: "ephemeral" },
      },
      { type: "text", text: SYSTEM_PARAGRAPH.repeat(60), cache_control: { type: "ephemeral" } },
    ],
    tools,
    messages: [
      {
        role: "user",
        content: [
          {
            type: "text",
            text: "<system-reminder>\nAs you answer the user's questions, you can use the following context: ...\n</system-reminder>",
          },
          {
            type: "text",
            text: "The deploy script fails with this config, can you fix it?\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
            cache_control: { type: "ephemeral" },
          },
        ],
      },
      {
        role: "assistant",
        content: [
          {
            type: "thinking",
            thinking: "The user wants me to look at the deploy script first.",
            signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
          },
          { type: "text", text: "Let me look at the deploy script." },
          {
            type: "tool_use",
            id: "toolu_01A09q90qw90lq917835lq9",
            name: "Bash",
            input: { command: "cat scripts/deploy.sh", description: "Show the deploy script" },
          },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_01A09q90qw90lq917835lq9",
            content: "#!/bin/sh\nset -e\naws s3 sync dist/ s3://example-bucket\n",
          },
        ],
      },
      {
        role: "assistant",
        content: [
          {
            type: "tool_use",
            id: "toolu_02B",
            name: "mcp__github__create_issue",
            input: {
              owner: "acme",
              repo: "web",
              title: "Deploy fails",
              body: "Steps:\n1. run deploy\n2. see the error",
              labels: ["bug", "deploy"],
            },
          },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_02B",
            content: [
              { type: "text", text: "Created issue #42: https://github.com/acme/web/issues/42" },
              {
                type: "document",
                source: { type: "text", media_type: "text/plain", data: "Issue template: describe the bug." },
                title: "ISSUE_TEMPLATE.md",
              },
            ],
          },
          { type: "image", source: { type: "base64", media_type: "image/png", data: TINY_PNG_BASE64 } },
          { type: "text", text: "Here is a screenshot of the error." },
        ],
      },
    ],
  };
}

/**
 * A Codex CLI request to `/v1/responses`: long `instructions`, `input` items (developer and user
 * messages, a reasoning item with encrypted content, a shell `function_call` and its output, an
 * `apply_patch` custom tool call and its output, a user image), function and custom tool definitions.
 *
 * @example wireFormat("openai-responses").requestTexts(aCodexRequest())[0]!.path; // "instructions"
 */
export function aCodexRequest(): Record<string, unknown> {
  return {
    model: "gpt-5-codex",
    instructions:
      "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer.\n".repeat(
        40,
      ),
    input: [
      {
        type: "message",
        role: "developer",
        content: [
          {
            type: "input_text",
            text: "<permissions instructions>Sandbox: workspace-write.</permissions instructions>",
          },
        ],
      },
      {
        type: "message",
        role: "user",
        content: [
          {
            type: "input_text",
            text: "<environment_context>\n  <cwd>/home/dev/repo</cwd>\n</environment_context>",
          },
        ],
      },
      {
        type: "message",
        role: "user",
        content: [
          {
            type: "input_text",
            text: "Why does the test for the billing client fail? Token is sk-proj-abc123",
          },
        ],
      },
      {
        type: "reasoning",
        id: "rs_68a1",
        summary: [{ type: "summary_text", text: "**Inspecting the failing test**" }],
        encrypted_content: "gAAAAABo3fakeEncryptedBlob==",
      },
      {
        type: "function_call",
        id: "fc_68a2",
        call_id: "call_shell_1",
        name: "shell",
        arguments:
          '{"command":["bash","-lc","npm test -- billing"],"workdir":"/home/dev/repo","timeout_ms":120000}',
      },
      {
        type: "function_call_output",
        call_id: "call_shell_1",
        output: '{"output":"FAIL billing.test.ts\\n  expected 200, got 401","metadata":{"exit_code":1}}',
      },
      {
        type: "custom_tool_call",
        id: "ctc_1",
        call_id: "call_patch_1",
        name: "apply_patch",
        input:
          "*** Begin Patch\n*** Update File: src/billing.ts\n@@\n-const retries = 0;\n+const retries = 3;\n*** End Patch",
      },
      {
        type: "custom_tool_call_output",
        call_id: "call_patch_1",
        output: "Success. Updated the following files:\nM src/billing.ts",
      },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "I fixed the retry count.", annotations: [] }],
      },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "Now it shows this:" },
          { type: "input_image", image_url: `data:image/png;base64,${TINY_PNG_BASE64}`, detail: "auto" },
        ],
      },
    ],
    tools: [
      {
        type: "function",
        name: "shell",
        description: "Runs a shell command and returns its output.",
        strict: false,
        parameters: {
          type: "object",
          properties: {
            command: { type: "array", items: { type: "string" }, description: "The command to execute" },
            workdir: { type: "string", description: "The working directory to execute the command in" },
            timeout_ms: { type: "number", description: "The timeout for the command in milliseconds" },
          },
          required: ["command"],
          additionalProperties: false,
        },
      },
      {
        type: "custom",
        name: "apply_patch",
        description: "Use the `apply_patch` tool to edit files.",
        format: {
          type: "grammar",
          syntax: "lark",
          definition: 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF',
        },
      },
      { type: "web_search" },
    ],
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning: { effort: "medium", summary: "auto" },
    store: false,
    stream: true,
    include: ["reasoning.encrypted_content"],
    prompt_cache_key: "0199a1b2-session",
  };
}

/**
 * A Continue autocomplete request to a Mistral/Codestral-style `/v1/fim/completions`.
 *
 * @example wireFormat("openai-fim").requestTexts(aContinueFimRequest()).length; // 2
 */
export function aContinueFimRequest(): Record<string, unknown> {
  return {
    model: "codestral-latest",
    prompt:
      '// Path: src/db.ts\nimport pg from "pg";\n\nexport const pool = new pg.Pool({\n  connectionString: "postgres://app:hunter2@db.internal:5432/app",\n',
    suffix: "});\n\nexport async function query(sql: string) {\n  return pool.query(sql);\n}\n",
    max_tokens: 256,
    temperature: 0.01,
    stop: ["\n\n", "/src/"],
    stream: true,
  };
}

/**
 * A Cursor/Continue-style `/v1/chat/completions` request with an image part, a tool call and its result.
 *
 * @example wireFormat("openai-chat").requestTexts(aChatRequest())[0]!.role; // "system"
 */
export function aChatRequest(): Record<string, unknown> {
  return {
    model: "gpt-4.1",
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: "system", content: "You are a helpful coding assistant." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is wrong in this screenshot? My email is jane.doe@example.com" },
          {
            type: "image_url",
            image_url: { url: `data:image/png;base64,${TINY_PNG_BASE64}`, detail: "high" },
          },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_abc",
            type: "function",
            function: { name: "read_file", arguments: '{"path":"src/app.ts","lines":[1,40]}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_abc", content: "export const app = createApp();" },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "read_file",
          description: "Read a file from the workspace",
          parameters: {
            type: "object",
            properties: { path: { type: "string", description: "Workspace-relative path" } },
            required: ["path"],
          },
        },
      },
    ],
  };
}

/**
 * The paths (in the slots' notation) at which two JSON values differ, leaf by leaf: what a test compares
 * with the slot paths to show that rewriting the slots changed nothing else.
 *
 * @example diffPaths({ a: [1, "x"] }, { a: [1, "y"] }); // ["a[1]"]
 */
export function diffPaths(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const stack: [unknown, unknown, string][] = [[a, b, ""]];
  while (stack.length > 0) {
    const [x, y, p] = stack.pop()!;
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = Math.max(x.length, y.length) - 1; i >= 0; i--) stack.push([x[i], y[i], `${p}[${i}]`]);
    } else if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].reverse();
      for (const k of keys) stack.push([x[k], y[k], keyPath(p, k)]);
    } else if (x !== y) out.push(p);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value shown under its key (json-slots.ts): `"key": "value"` or `"key": 4539...`. */
const KEYED = /^("(?:[^"\\]|\\.)*": "?)([\s\S]*?)("?)$/;
/** Keys shown alone (json-slots.ts): `"key"`, one a line. */
const KEY = /^"(?:[^"\\\n]|\\.)*"(?:\n"(?:[^"\\\n]|\\.)*")*$/;

/**
 * Replace every slot's text with a numbered marker (`⟦0⟧`, `⟦1⟧`, ...) and return the slots' texts
 * afterwards, so a test can check that each replacement landed where the slot said and nowhere else. A
 * value shown under its key gets the marker as its value (as redaction would replace it), keeping the
 * key; a key list is left as it is (marking it would rename properties).
 *
 * @example const markers = markAll(wire.requestTexts(body)); JSON.stringify(body).includes(markers[0]!); // true
 */
export function markAll(slots: readonly { readonly text: string; replace(text: string): void }[]): string[] {
  return slots.map((slot, i) => {
    const marker = `⟦${i}⟧`;
    const keyed = KEYED.exec(slot.text);
    if (keyed) slot.replace(`${keyed[1]}${marker}${keyed[3]}`);
    else if (!KEY.test(slot.text)) slot.replace(marker);
    return slot.text;
  });
}

/**
 * The paths a `markAll` changes in a body: the slots' paths without the key lists.
 *
 * @example diffPaths(original, sent).sort(); // equals markedPaths(slots).sort()
 */
export function markedPaths(slots: readonly { readonly text: string; readonly path: string }[]): string[] {
  return slots.filter((s) => !KEY.test(s.text)).map((s) => s.path);
}
