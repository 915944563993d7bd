import type { TextRole } from "../../inspect/types.js";
import { pushAnnotations } from "./annotations.js";
import { citedBy } from "./citations.js";
import { pushField, pushHeader } from "./header-slots.js";
import { pushJsonText, pushJsonValue } from "./json-slots.js";
import { pushSchemaTexts, pushToolDefinition } from "./schema-slots.js";
import { arrayOf, indexPath, isRecord, keyPath, pushString, scoredBy, type Json } from "./slots.js";
import type { TextSlot } from "./types.js";

/**
 * The texts of a Responses API request (`POST /v1/responses`): `instructions` (system); `input` as a
 * string (user) or as items (see `inputItemTexts`); `tools[]` (see `pushTools`); the structured-output
 * schema `text.format` (name, description, what the model reads in the schema); `prompt.variables`.
 *
 * @example
 * responsesRequestTexts({ instructions: "Be brief.", input: "hi" }).map((s) => s.role); // ["system", "user"]
 */
export function responsesRequestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  pushString(out, body, "instructions", "system", "instructions");
  if (typeof body.input === "string") pushString(out, body, "input", "user", "input");
  else
    arrayOf(body.input).forEach((item, i) => {
      if (isRecord(item)) inputItemTexts(out, item, indexPath("input", i));
    });
  pushTools(out, body.tools, "tools");
  if (isRecord(body.text) && isRecord(body.text.format))
    pushToolDefinition(out, body.text.format, "text.format", "schema");
  if (isRecord(body.prompt) && isRecord(body.prompt.variables)) {
    const variables = body.prompt.variables;
    for (const name of Object.keys(variables)) {
      const value = variables[name];
      const p = `prompt.variables[${JSON.stringify(name)}]`;
      if (typeof value === "string") pushString(out, variables, name, "user", p);
      else if (isRecord(value) && value.type === "input_text")
        pushString(out, value, "text", "user", `${p}.text`);
    }
  }
  return out;
}

/**
 * A message's `content`: a string, or parts of which only text and refusals are text.
 *
 * @example pushMessageContent(out, { role: "user", content: [{ type: "input_text", text: "hi" }] }, "user", "input[0]");
 */
export function pushMessageContent(out: TextSlot[], message: Json, role: TextRole, path: string): void {
  if (typeof message.content === "string") {
    pushString(out, message, "content", role, `${path}.content`);
    return;
  }
  arrayOf(message.content).forEach((part, j) => {
    if (!isRecord(part)) return;
    const p = indexPath(`${path}.content`, j);
    if (part.type === "refusal") pushString(out, part, "refusal", role, `${p}.refusal`);
    else if (part.type === "input_text" || part.type === "output_text" || part.type === "text") {
      const from = out.length;
      pushString(out, part, "text", role, `${p}.text`);
      citedBy(out, from, part);
      pushAnnotations(out, part, role, p);
      scoredBy(out, from, part); // an output_text's logprobs (answers, input items)
    }
  });
}

/**
 * Reasoning items: the summary and reasoning text parts (the encrypted content is opaque).
 *
 * @example pushReasoning(out, { type: "reasoning", summary: [{ type: "summary_text", text: "..." }] }, "assistant", "input[3]");
 */
export function pushReasoning(out: TextSlot[], item: Json, role: TextRole, path: string): void {
  for (const key of ["summary", "content"] as const)
    arrayOf(item[key]).forEach((part, j) => {
      if (isRecord(part)) pushString(out, part, "text", role, `${indexPath(`${path}.${key}`, j)}.text`);
    });
}

function roleOf(role: unknown): TextRole {
  switch (role) {
    case "system":
    case "developer":
      return "system";
    case "assistant":
      return "assistant";
    default:
      return "user";
  }
}

/** Push `holder[key]` for each element of `list` that is an object: the `text` of a typed action, a check's `message`. */
function pushEach(out: TextSlot[], list: unknown, key: string, role: TextRole, path: string): void {
  arrayOf(list).forEach((x, j) => {
    if (isRecord(x)) pushString(out, x, key, role, `${indexPath(path, j)}.${key}`);
  });
}

/**
 * A call of a tool the provider runs: a file search's queries and the text of its results, a web
 * search's action (query, queries, find-in-page pattern, the URLs it opened and its sources, with their
 * keys), the text a computer-use call types and its pending safety checks. Other items: nothing.
 */
function pushHostedCall(out: TextSlot[], item: Json, path: string): void {
  const call: TextRole = "assistant";
  const result: TextRole = "tool-result";
  switch (item.type) {
    case "file_search_call":
      if (Array.isArray(item.queries)) {
        const queries: unknown[] = item.queries;
        for (let j = 0; j < queries.length; j++)
          pushString(out, queries, j, call, indexPath(`${path}.queries`, j));
      }
      pushEach(out, item.results, "text", result, `${path}.results`);
      return;
    case "web_search_call":
      pushJsonValue(out, item, "action", call, `${path}.action`);
      return;
    case "computer_call":
      if (isRecord(item.action)) pushString(out, item.action, "text", call, `${path}.action.text`);
      pushEach(out, item.actions, "text", call, `${path}.actions`);
      pushEach(out, item.pending_safety_checks, "message", result, `${path}.pending_safety_checks`);
      return;
    default:
      return;
  }
}

/**
 * Items an answer carries that are read as an input item is (with `inputItemTexts`), as answer text: what
 * the provider's own tools searched for, found and typed, an MCP server's tool list, tool searches and
 * their results, a program and its result.
 */
export const ANSWER_ITEMS_READ_AS_INPUT: ReadonlySet<unknown> = new Set([
  "file_search_call",
  "web_search_call",
  "computer_call",
  "mcp_list_tools",
  "tool_search_call",
  "tool_search_output",
  "additional_tools",
  "program",
  "program_output",
]);

/**
 * What the model reads in one input item. Calls it made are assistant text (arguments with their keys,
 * code, shell actions with their environment, search queries, typed text); what came back is
 * tool-result text (outputs, logs, search results, MCP tool lists and errors). Images, screenshots,
 * generated images, encrypted reasoning and compaction items and references carry nothing to read.
 *
 * @example inputItemTexts(out, { type: "function_call_output", call_id: "c1", output: "done" }, "input[2]");
 */
export function inputItemTexts(out: TextSlot[], item: Json, path: string): void {
  switch (item.type) {
    case undefined:
    case "message":
      pushMessageContent(out, item, roleOf(item.role), path);
      return;
    case "function_call":
    case "mcp_approval_request":
      pushJsonText(out, item, "arguments", "assistant", `${path}.arguments`);
      return;
    case "custom_tool_call":
      pushString(out, item, "input", "assistant", `${path}.input`);
      return;
    case "local_shell_call":
    case "shell_call":
      pushJsonValue(out, item, "action", "assistant", `${path}.action`);
      return;
    case "apply_patch_call":
      if (isRecord(item.operation))
        pushString(out, item.operation, "diff", "assistant", `${path}.operation.diff`);
      return;
    case "mcp_call":
      pushJsonText(out, item, "arguments", "assistant", `${path}.arguments`);
      pushJsonText(out, item, "output", "tool-result", `${path}.output`);
      pushString(out, item, "error", "tool-result", `${path}.error`);
      return;
    case "mcp_approval_response":
      pushString(out, item, "reason", "user", `${path}.reason`);
      return;
    case "mcp_list_tools":
      arrayOf(item.tools).forEach((tool, j) => {
        if (isRecord(tool)) pushToolDefinition(out, tool, indexPath(`${path}.tools`, j), "input_schema");
      });
      pushString(out, item, "error", "tool-result", `${path}.error`);
      return;
    case "code_interpreter_call":
      pushString(out, item, "code", "assistant", `${path}.code`);
      pushEach(out, item.outputs, "logs", "tool-result", `${path}.outputs`);
      return;
    case "program":
      pushString(out, item, "code", "assistant", `${path}.code`);
      return;
    case "program_output":
      pushJsonText(out, item, "result", "tool-result", `${path}.result`);
      return;
    case "file_search_call":
    case "web_search_call":
    case "computer_call":
      pushHostedCall(out, item, path);
      return;
    case "computer_call_output":
      pushEach(
        out,
        item.acknowledged_safety_checks,
        "message",
        "tool-result",
        `${path}.acknowledged_safety_checks`,
      );
      return;
    case "tool_search_call":
      if (typeof item.arguments === "string")
        pushJsonText(out, item, "arguments", "assistant", `${path}.arguments`);
      else pushJsonValue(out, item, "arguments", "assistant", `${path}.arguments`);
      return;
    case "tool_search_output":
    case "additional_tools":
      pushTools(out, item.tools, `${path}.tools`);
      return;
    case "function_call_output":
    case "custom_tool_call_output":
    case "local_shell_call_output":
    case "shell_call_output":
    case "apply_patch_call_output":
      pushToolOutput(out, item, path);
      return;
    case "reasoning":
      pushReasoning(out, item, "assistant", path);
      return;
    default:
      return; // image_generation_call, compaction, compaction_trigger, item_reference
  }
}

/** A tool's output: a string (read as JSON when it is), or parts of which text and shell output are text. */
function pushToolOutput(out: TextSlot[], item: Json, path: string): void {
  if (typeof item.output === "string") {
    // Often JSON (Codex wraps shell output as {"output": ..., "metadata": ...}): its values with their keys.
    pushJsonText(out, item, "output", "tool-result", `${path}.output`);
    return;
  }
  arrayOf(item.output).forEach((part, j) => {
    if (!isRecord(part)) return;
    const p = indexPath(`${path}.output`, j);
    if (part.type === "input_text" || part.type === "output_text")
      pushString(out, part, "text", "tool-result", `${p}.text`);
    else if (typeof part.stdout === "string" || typeof part.stderr === "string") {
      pushString(out, part, "stdout", "tool-result", `${p}.stdout`);
      pushString(out, part, "stderr", "tool-result", `${p}.stderr`);
    }
  });
}

/**
 * Tool definitions: functions (and their output schema) and custom tools with what the model reads in
 * their schema or grammar, MCP servers (see `pushMcpServer`), tool search descriptions and parameters,
 * namespaces (name, description, the functions and custom tools in them; a namespace in a namespace is
 * not read, so the walk stays flat).
 */
function pushTools(out: TextSlot[], tools: unknown, path: string): void {
  arrayOf(tools).forEach((tool, i) => {
    if (!isRecord(tool)) return;
    const p = indexPath(path, i);
    if (tool.type === "mcp") pushMcpServer(out, tool, p);
    else if (tool.type === "tool_search") {
      pushString(out, tool, "description", "tool-definition", `${p}.description`);
      pushSchemaTexts(out, tool.parameters, "tool-definition", `${p}.parameters`);
    } else if (tool.type === "namespace") {
      pushString(out, tool, "name", "tool-definition", `${p}.name`);
      pushString(out, tool, "description", "tool-definition", `${p}.description`);
      arrayOf(tool.tools).forEach((inner, j) => {
        if (isRecord(inner)) pushFunctionTool(out, inner, indexPath(`${p}.tools`, j));
      });
    } else pushFunctionTool(out, tool, p);
  });
}

/**
 * An MCP tool: the server's label and description, which the model reads, and what the provider needs to
 * call the server: its URL, an OAuth `authorization` token, `headers`. These three are shown under their
 * names (`"Authorization": "Bearer ..."`, see `pushField`), so a bare token still reads as one; the
 * credential of a credential header is shown alone under a credential's name, without its scheme word
 * (`Token ...`) or cookie name (see `pushHeader`).
 */
function pushMcpServer(out: TextSlot[], tool: Json, path: string): void {
  pushString(out, tool, "server_label", "tool-definition", `${path}.server_label`);
  pushString(out, tool, "server_description", "tool-definition", `${path}.server_description`);
  pushField(out, tool, "server_url", "tool-definition", `${path}.server_url`);
  pushHeader(out, tool, "authorization", "tool-definition", `${path}.authorization`);
  const headers = tool.headers;
  if (isRecord(headers))
    for (const name of Object.keys(headers))
      pushHeader(out, headers, name, "tool-definition", keyPath(`${path}.headers`, name));
}

function pushFunctionTool(out: TextSlot[], tool: Json, path: string): void {
  if (tool.type === "function") {
    pushToolDefinition(out, tool, path, "parameters");
    pushSchemaTexts(out, tool.output_schema, "tool-definition", `${path}.output_schema`);
  } else if (tool.type === "custom") pushToolDefinition(out, tool, path, "format");
}
