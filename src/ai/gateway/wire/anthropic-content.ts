import type { TextRole } from "../../inspect/types.js";
import { pushJsonText, pushJsonValue } from "./json-slots.js";
import { pushSchemaTexts, pushToolDefinition } from "./schema-slots.js";
import { arrayOf, indexPath, isRecord, pushString, type Json } from "./slots.js";
import type { TextSlot } from "./types.js";

/**
 * The request side shared by Messages and count_tokens: `system` (a string or text blocks), `messages`
 * and `tools`. Content blocks: `text`; `document` (plain-text `source.data`, `content` sources, `title`,
 * `context`; PDFs and files skipped); `search_result` (title and text); `thinking` (assistant: note that
 * Anthropic verifies a thinking block against its signature, so a rewritten one is rejected unless it is
 * rewritten back to what the model produced); `tool_use` / `server_tool_use` / `mcp_tool_use` (each string
 * and number of `input` with its key, and its keys: see `pushJsonValue`; assistant); `tool_result` /
 * `mcp_tool_result` (string, read as JSON when it is, or nested blocks; tool-result); web fetch, code
 * execution and text editor results (tool-result). Images, redacted thinking and container uploads are
 * skipped. Tools: name, description, what the model reads in `input_schema` (see `pushSchemaTexts`) and
 * `input_examples`; the structured-output schema (`output_config.format`).
 *
 * @example
 * anthropicRequestTexts({ system: "Be brief.", messages: [{ role: "user", content: "hi" }] }).length; // 2
 */
export function anthropicRequestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  if (typeof body.system === "string") pushString(out, body, "system", "system", "system");
  else pushBlocks(out, body.system, "system", "system");
  arrayOf(body.messages).forEach((message, i) => {
    if (!isRecord(message)) return;
    const role: TextRole =
      message.role === "assistant" ? "assistant" : message.role === "system" ? "system" : "user";
    const p = indexPath("messages", i);
    if (typeof message.content === "string") pushString(out, message, "content", role, `${p}.content`);
    else pushBlocks(out, message.content, role, `${p}.content`);
  });
  arrayOf(body.tools).forEach((tool, i) => {
    if (!isRecord(tool)) return;
    const p = indexPath("tools", i);
    pushToolDefinition(out, tool, p, "input_schema");
    if (tool.input_examples !== undefined)
      pushJsonValue(out, tool, "input_examples", "tool-definition", `${p}.input_examples`);
  });
  // Structured outputs: the schema the answer must follow (`output_format` while it was a beta).
  if (isRecord(body.output_config) && isRecord(body.output_config.format))
    pushSchemaTexts(out, body.output_config.format.schema, "tool-definition", "output_config.format.schema");
  if (isRecord(body.output_format))
    pushSchemaTexts(out, body.output_format.schema, "tool-definition", "output_format.schema");
  return out;
}

/** Push the texts of an array of content blocks (anything else: nothing). */
function pushBlocks(out: TextSlot[], blocks: unknown, role: TextRole, path: string): void {
  // Tool results nest blocks (a document inside a tool_result...); walk with a queue, not recursion.
  const queue: [unknown, TextRole, string][] = [[blocks, role, path]];
  // A for-of over an array also visits the entries pushed while it runs.
  for (const [list, r, p] of queue) {
    arrayOf(list).forEach((block, j) => {
      if (isRecord(block)) pushBlock(out, block, r, indexPath(p, j), queue);
    });
  }
  // Nested blocks are visited after their siblings (breadth first): slot order is not document order.
}

function pushBlock(
  out: TextSlot[],
  block: Json,
  role: TextRole,
  path: string,
  nested: [unknown, TextRole, string][],
): void {
  switch (block.type) {
    case "text":
      pushString(out, block, "text", role, `${path}.text`);
      return;
    case "thinking":
      pushString(out, block, "thinking", role, `${path}.thinking`);
      return;
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use":
      pushJsonValue(out, block, "input", role, `${path}.input`);
      return;
    case "tool_result":
    case "mcp_tool_result":
      // A string result is often JSON (MCP servers return JSON text): expose its decoded leaves.
      if (typeof block.content === "string")
        pushJsonText(out, block, "content", "tool-result", `${path}.content`);
      else nested.push([block.content, "tool-result", `${path}.content`]);
      return;
    case "document":
      pushDocument(out, block, role, path, nested);
      return;
    case "search_result":
      pushString(out, block, "title", role, `${path}.title`);
      nested.push([block.content, role, `${path}.content`]);
      return;
    case "web_fetch_tool_result":
      if (isRecord(block.content) && isRecord(block.content.content))
        pushDocument(out, block.content.content, "tool-result", `${path}.content.content`, nested);
      return;
    case "code_execution_tool_result":
    case "bash_code_execution_tool_result":
    case "text_editor_code_execution_tool_result":
      if (isRecord(block.content)) {
        const c = block.content;
        for (const key of ["stdout", "stderr", "content"] as const)
          if (typeof c[key] === "string") pushString(out, c, key, "tool-result", `${path}.content.${key}`);
      }
      return;
    default:
      return; // image, redacted_thinking, container_upload, web search results (encrypted)
  }
}

function pushDocument(
  out: TextSlot[],
  doc: Json,
  role: TextRole,
  path: string,
  nested: [unknown, TextRole, string][],
): void {
  pushString(out, doc, "title", role, `${path}.title`);
  pushString(out, doc, "context", role, `${path}.context`);
  const source = doc.source;
  if (!isRecord(source)) return;
  if (source.type === "text") pushString(out, source, "data", role, `${path}.source.data`);
  else if (source.type === "content") {
    if (typeof source.content === "string")
      pushString(out, source, "content", role, `${path}.source.content`);
    else nested.push([source.content, role, `${path}.source.content`]);
  }
  // base64 PDFs, URLs and file ids are not text we can read.
}
