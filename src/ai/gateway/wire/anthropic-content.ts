import type { TextRole } from "../../inspect/types.js";
import { pushAnthropicTool, pushBlocks } from "./anthropic-blocks.js";
import { pushField, pushHeader } from "./header-slots.js";
import { pushSchemaTexts } from "./schema-slots.js";
import { arrayOf, indexPath, isRecord, pushString, type Json } from "./slots.js";
import type { TextSlot } from "./types.js";

/**
 * The request side shared by Messages and count_tokens, in the provider's prompt order: `tools` (see
 * `pushAnthropicTool`), MCP servers, `system` (a string or text blocks) and `messages` (a string or
 * content blocks: see `pushBlocks`); the structured-output schema (`output_config.format`); the
 * instructions that replace the summarization prompt when the conversation is compacted (`compaction`, a `compact_20260112` context edit). MCP
 * servers (`mcp_servers`): the name, which the model reads, and the `url` and `authorization_token`,
 * which the provider uses to call the server, each shown under its name (see `pushField`, and
 * `pushHeader` for the token, which may come after a scheme word) so that a bare token still reads as one.
 *
 * @example
 * anthropicRequestTexts({ system: "Be brief.", messages: [{ role: "user", content: "hi" }] }).length; // 2
 */
export function anthropicRequestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  // In the order the provider reads the prompt (tools, system, messages), as redaction placeholders are
  // numbered in this order: a new e-mail address in the conversation must not renumber one in a tool's
  // description, which would change the head of the prompt and miss the provider's prompt cache.
  arrayOf(body.tools).forEach((tool, i) => {
    if (isRecord(tool)) pushAnthropicTool(out, tool, indexPath("tools", i));
  });
  arrayOf(body.mcp_servers).forEach((server, i) => {
    if (!isRecord(server)) return;
    const p = indexPath("mcp_servers", i);
    pushString(out, server, "name", "tool-definition", `${p}.name`);
    pushField(out, server, "url", "tool-definition", `${p}.url`);
    pushHeader(out, server, "authorization_token", "tool-definition", `${p}.authorization_token`);
  });
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
  // Structured outputs: the schema the answer must follow (`output_format` while it was a beta).
  if (isRecord(body.output_config) && isRecord(body.output_config.format))
    pushSchemaTexts(out, body.output_config.format.schema, "tool-definition", "output_config.format.schema");
  if (isRecord(body.output_format))
    pushSchemaTexts(out, body.output_format.schema, "tool-definition", "output_format.schema");
  // Compaction: the caller's own summarization prompt, which the model follows like a system prompt.
  if (isRecord(body.compaction))
    pushString(out, body.compaction, "instructions", "system", "compaction.instructions");
  if (isRecord(body.context_management))
    arrayOf(body.context_management.edits).forEach((edit, i) => {
      const p = indexPath("context_management.edits", i);
      if (isRecord(edit)) pushString(out, edit, "instructions", "system", `${p}.instructions`);
    });
  return out;
}
