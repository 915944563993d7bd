import type { TextRole } from "../../inspect/types.js";
import {
  arrayOf,
  indexPath,
  isRecord,
  partialUsageOf,
  pushJsonLeaves,
  pushLeaves,
  pushString,
  pushToolDefinition,
  stringOf,
  usageOf,
  type Json,
} from "./slots.js";
import {
  responsesFlushEvent,
  responsesStreamEnds,
  responsesStreamSnapshots,
  responsesStreamTexts,
} from "./openai-responses-stream.js";
import type { TextSlot, WireFormat } from "./types.js";

/**
 * OpenAI Responses (`POST /v1/responses`), what Codex CLI and newer SDK code speak.
 *
 * Request texts: `instructions` (system); `input` as a string (user) or as items: messages (`content` a
 * string or `input_text`/`output_text`/`refusal` parts; `input_image`/`input_file`/audio skipped) with
 * their role, `function_call.arguments` (string leaves), `custom_tool_call.input`, shell and apply-patch
 * calls (assistant), `function_call_output` / `custom_tool_call_output` / shell and MCP outputs
 * (tool-result), reasoning summaries and text (assistant); `tools[]` function/custom definitions and MCP
 * server descriptions; `prompt.variables`.
 *
 * Stream ids: `output:N:content:M` (output_text or refusal part M of output item N), `output:N:arguments`
 * (function or MCP call arguments, a JSON fragment), `output:N:input` (custom tool input),
 * `output:N:summary:M`, `output:N:reasoning:M`, `output:N:code`. The `*.done`, `content_part.*`,
 * `output_item.*` and `response.*` events repeat the full text: see `streamSnapshots`. Flush events copy
 * the delta event they are modelled on, `sequence_number` included; a gateway that inserts events and
 * whose clients check the numbering renumbers them.
 *
 * @example
 * openaiResponses.requestTexts({ instructions: "Be brief.", input: "hi" }).map((s) => s.role); // ["system", "user"]
 */
export const openaiResponses: WireFormat = {
  id: "openai-responses",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  stream: (body) => body.stream === true,
  requestTexts,
  responseTexts(body) {
    const out: TextSlot[] = [];
    arrayOf(body.output).forEach((item, i) => {
      if (isRecord(item)) outputItemTexts(out, item, indexPath("output", i));
    });
    return out;
  },
  streamTexts: responsesStreamTexts,
  streamSnapshots: responsesStreamSnapshots,
  streamEnds: responsesStreamEnds,
  flushEvent: responsesFlushEvent,
  usage: (body) => usageOf(body.usage, "input_tokens", "output_tokens"),
  streamUsage(event) {
    const response = event.data.response;
    return isRecord(response) ? partialUsageOf(response.usage, "input_tokens", "output_tokens") : {};
  },
};

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

function requestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  pushString(out, body, "instructions", "system", "instructions");
  if (typeof body.input === "string") pushString(out, body, "input", "user", "input");
  else
    arrayOf(body.input).forEach((item, i) => {
      if (isRecord(item)) inputItemTexts(out, item, indexPath("input", i));
    });
  arrayOf(body.tools).forEach((tool, i) => {
    if (!isRecord(tool)) return;
    const p = indexPath("tools", i);
    if (tool.type === "function") pushToolDefinition(out, tool, p, "parameters");
    else if (tool.type === "custom") pushToolDefinition(out, tool, p, "format");
    else if (tool.type === "mcp")
      pushString(out, tool, "server_description", "tool-definition", `${p}.server_description`);
  });
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

/** A message's `content`: a string, or parts of which only text and refusals are text. */
function pushMessageContent(out: TextSlot[], message: Json, role: TextRole, path: string): void {
  if (typeof message.content === "string") {
    pushString(out, message, "content", role, `${path}.content`);
    return;
  }
  arrayOf(message.content).forEach((part, j) => {
    if (!isRecord(part)) return;
    const p = indexPath(`${path}.content`, j);
    if (part.type === "refusal") pushString(out, part, "refusal", role, `${p}.refusal`);
    else if (part.type === "input_text" || part.type === "output_text" || part.type === "text")
      pushString(out, part, "text", role, `${p}.text`);
  });
}

/** A tool's output: a string, or a list of parts of which `input_text` is text (images and files skipped). */
function pushToolOutput(out: TextSlot[], item: Json, path: string): void {
  if (typeof item.output === "string") {
    // Often JSON (Codex wraps shell output as {"output": ..., "metadata": ...}): expose the decoded leaves.
    pushJsonLeaves(out, item, "output", "tool-result", `${path}.output`);
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

/** Reasoning items: the summary and reasoning text parts (the encrypted content is opaque). */
function pushReasoning(out: TextSlot[], item: Json, role: TextRole, path: string): void {
  for (const key of ["summary", "content"] as const)
    arrayOf(item[key]).forEach((part, j) => {
      if (isRecord(part)) pushString(out, part, "text", role, `${indexPath(`${path}.${key}`, j)}.text`);
    });
}

function inputItemTexts(out: TextSlot[], item: Json, path: string): void {
  switch (item.type) {
    case undefined:
    case "message": {
      const role = roleOf(item.role);
      pushMessageContent(out, item, role, path);
      return;
    }
    case "function_call":
      pushJsonLeaves(out, item, "arguments", "assistant", `${path}.arguments`);
      return;
    case "custom_tool_call":
      pushString(out, item, "input", "assistant", `${path}.input`);
      return;
    case "local_shell_call":
    case "shell_call":
      pushLeaves(out, item, "action", "assistant", `${path}.action`);
      return;
    case "apply_patch_call":
      if (isRecord(item.operation))
        pushString(out, item.operation, "diff", "assistant", `${path}.operation.diff`);
      return;
    case "mcp_call":
      pushJsonLeaves(out, item, "arguments", "assistant", `${path}.arguments`);
      pushJsonLeaves(out, item, "output", "tool-result", `${path}.output`);
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
      return; // images, computer screenshots, references, web/file search calls: nothing to read
  }
}

/** A response's output item (non-streaming body, or an item inside a stream event). */
function outputItemTexts(out: TextSlot[], item: Json, path: string): void {
  switch (item.type) {
    case "message":
      pushMessageContent(out, item, "response", path);
      return;
    case "function_call":
      pushJsonLeaves(out, item, "arguments", "response", `${path}.arguments`);
      return;
    case "custom_tool_call":
      pushString(out, item, "input", "response", `${path}.input`);
      return;
    case "mcp_call":
      pushJsonLeaves(out, item, "arguments", "response", `${path}.arguments`);
      pushString(out, item, "output", "response", `${path}.output`);
      return;
    case "reasoning":
      pushReasoning(out, item, "response", path);
      return;
    case "code_interpreter_call":
      pushString(out, item, "code", "response", `${path}.code`);
      return;
    default:
      return;
  }
}
