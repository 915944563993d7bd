import type { TextRole } from "../../inspect/types.js";
import { pushJsonText, pushJsonValue } from "./json-slots.js";
import { pushToolDefinition } from "./schema-slots.js";
import { arrayOf, indexPath, isRecord, pushSigned, pushString, writeEntry, type Json } from "./slots.js";
import { OwnSlot } from "./slot-kinds.js";
import type { TextSlot } from "./types.js";

/** Lists of blocks still to read: the list, the role its texts are read with, and its path. */
type BlockQueue = [unknown, TextRole, string][];

/** What the result object of a server tool (code execution, advisor...) holds that the model reads. */
const RESULT_TEXTS = ["stdout", "stderr", "content", "text", "error_message"] as const;
/** What a citation sent back with a text block repeats of its source. */
export const CITATION_TEXTS = ["cited_text", "document_title", "title", "source", "url"] as const;

/**
 * Push the texts of an array of Anthropic content blocks (anything else: nothing), read with `role`
 * (the message's) unless a block says otherwise. Blocks: `text` (and what its `citations` repeat of their
 * source: cited text, titles, URL); `document` (plain-text `source.data`, `content` sources, `title`,
 * `context`; PDFs, URLs and files skipped); `search_result` (title, source and text); `thinking` (note
 * that Anthropic verifies a thinking block against its signature, so a rewritten one is rejected unless
 * it is rewritten back to what the model produced); `compaction` (the summary that stands for earlier
 * turns, signed like thinking, and its `tool_changes`); `tool_use` / `server_tool_use` / `mcp_tool_use`
 * (each string and number of `input` with its key, and its keys: see `pushJsonValue`); `tool_result` /
 * `mcp_tool_result` (a string, read as JSON when it is, or nested blocks, `browser_state` included:
 * tab titles and URLs, download URLs, paths and errors); web search results (title and URL), web fetch
 * results (URL and page), code execution, bash, text editor (also the lines of an edit, as one text: see
 * `pushLines`), tool search and advisor results: all "tool-result". Tool definitions (tool-definition):
 * an inline `tool_addition` (see `pushAnthropicTool`) and an `mcp_tool_listing`. Skipped: images,
 * redacted thinking, encrypted contents and signatures, container uploads, file outputs, tool references
 * and removals (names of tools defined elsewhere), `fallback` (model names).
 *
 * @example pushBlocks(out, message.content, "user", "messages[0].content");
 */
export function pushBlocks(out: TextSlot[], blocks: unknown, role: TextRole, path: string): void {
  // Tool results nest blocks (a document inside a tool_result...); walk with a queue, not recursion.
  const queue: BlockQueue = [[blocks, role, path]];
  // A for-of over an array also visits the entries pushed while it runs.
  for (const [list, r, p] of queue) {
    arrayOf(list).forEach((block, j) => {
      if (isRecord(block)) pushBlock(out, block, r, indexPath(p, j), queue);
    });
  }
  // Nested blocks are visited after their siblings (breadth first): slot order is not document order.
}

/**
 * Push what the model reads in one tool definition, as a `tools[]` entry or an inline `tool_addition`
 * carries it: name, description, what the model reads in `input_schema` (see `pushSchemaTexts`),
 * `input_examples`, and an MCP toolset's pinned listing `tools` (each one's name, description and
 * input schema).
 *
 * @example pushAnthropicTool(out, body.tools[0], "tools[0]");
 */
export function pushAnthropicTool(out: TextSlot[], tool: Json, path: string): void {
  pushToolDefinition(out, tool, path, "input_schema");
  if (tool.input_examples !== undefined)
    pushJsonValue(out, tool, "input_examples", "tool-definition", `${path}.input_examples`);
  pushMcpTools(out, tool.tools, `${path}.tools`);
}

function pushBlock(out: TextSlot[], block: Json, role: TextRole, path: string, nested: BlockQueue): void {
  switch (block.type) {
    case "text":
      pushString(out, block, "text", role, `${path}.text`);
      arrayOf(block.citations).forEach((citation, k) => {
        pushTexts(out, citation, CITATION_TEXTS, role, indexPath(`${path}.citations`, k));
      });
      return;
    case "thinking":
      // Signed only with a signature: a block without one is text like any other.
      if (typeof block.signature === "string" && block.signature.length > 0)
        pushSigned(out, block, "thinking", role, `${path}.thinking`);
      else pushString(out, block, "thinking", role, `${path}.thinking`);
      return;
    case "compaction":
      pushString(out, block, "content", role, `${path}.content`);
      // tool_addition and tool_removal blocks: read as blocks (a flat list, queued like nested content).
      nested.push([block.tool_changes, role, `${path}.tool_changes`]);
      return;
    case "tool_addition":
      // A reference names a tool defined elsewhere; a definition is read as a `tools[]` entry.
      if (isRecord(block.tool) && block.tool.type === "tool_definition" && isRecord(block.tool.definition))
        pushAnthropicTool(out, block.tool.definition, `${path}.tool.definition`);
      return;
    case "mcp_tool_listing":
      pushMcpTools(out, block.tools, `${path}.tools`);
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
      pushTexts(out, block, ["title", "source"], role, path);
      nested.push([block.content, role, `${path}.content`]);
      return;
    case "browser_state":
      pushBrowserState(out, block, role, path);
      return;
    case "web_search_tool_result":
      // Each result's page is encrypted; its title and URL are not.
      arrayOf(block.content).forEach((result, k) => {
        pushTexts(out, result, ["title", "url"], "tool-result", indexPath(`${path}.content`, k));
      });
      return;
    case "web_fetch_tool_result":
      if (!isRecord(block.content)) return;
      pushString(out, block.content, "url", "tool-result", `${path}.content.url`);
      if (isRecord(block.content.content))
        pushDocument(out, block.content.content, "tool-result", `${path}.content.content`, nested);
      return;
    case "code_execution_tool_result":
    case "bash_code_execution_tool_result":
    case "text_editor_code_execution_tool_result":
    case "tool_search_tool_result":
    case "advisor_tool_result":
      pushServerToolResult(out, block.content, "tool-result", `${path}.content`);
      return;
    default:
      return; // image, redacted_thinking, container_upload, tool_removal, fallback
  }
}

function pushDocument(out: TextSlot[], doc: Json, role: TextRole, path: string, nested: BlockQueue): void {
  pushTexts(out, doc, ["title", "context"], role, path);
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

/**
 * Push one slot over a text given as a list of lines (a text editor's edit, `lines`): the lines joined
 * with "\n", so what spans lines (a PEM private key, found by its BEGIN and END lines) is found whole. A
 * replacement is split on "\n" and written back as the list; a masked span that covered line breaks
 * leaves fewer lines, still a list of strings. A list with anything but strings in it is read line by
 * line, each string its own slot, so nothing else in it is touched.
 *
 * @example pushLines(out, block.content, "lines", "tool-result", "messages[1].content[5].content.lines");
 */
export function pushLines(out: TextSlot[], holder: Json, key: string, role: TextRole, path: string): void {
  const lines = holder[key];
  if (!Array.isArray(lines)) return;
  if (!lines.every((line) => typeof line === "string")) {
    for (let k = 0; k < lines.length; k++) pushString(out, lines, k, role, indexPath(path, k));
    return;
  }
  const text = lines.join("\n");
  if (text.length === 0) return;
  out.push(
    new OwnSlot(role, path, text, (next) => {
      writeEntry(holder, key, next.split("\n"));
      return next;
    }),
  );
}

/**
 * The result object of a server tool, read with `role` ("tool-result" in a request, "response" in an
 * answer): its output texts and an edit's `lines` (encrypted output skipped).
 */
export function pushServerToolResult(out: TextSlot[], content: unknown, role: TextRole, path: string): void {
  if (!isRecord(content)) return;
  pushTexts(out, content, RESULT_TEXTS, role, path);
  pushLines(out, content, "lines", role, `${path}.lines`);
}

/** The browser's tabs and what a call changed, from which the provider writes the text the model reads. */
function pushBrowserState(out: TextSlot[], block: Json, role: TextRole, path: string): void {
  arrayOf(block.tabs).forEach((tab, k) => {
    pushTexts(out, tab, ["title", "url"], role, indexPath(`${path}.tabs`, k));
  });
  arrayOf(block.state_changes).forEach((change, k) => {
    pushTexts(out, change, ["url", "path", "error"], role, indexPath(`${path}.state_changes`, k));
  });
}

/** Tools as an MCP server lists them: name, description and input schema each. */
function pushMcpTools(out: TextSlot[], tools: unknown, path: string): void {
  arrayOf(tools).forEach((tool, k) => {
    if (isRecord(tool)) pushToolDefinition(out, tool, indexPath(path, k), "input_schema");
  });
}

/** Push `holder[key]` for each of `keys` that holds a string (a holder that is not an object: nothing). */
export function pushTexts(
  out: TextSlot[],
  holder: unknown,
  keys: readonly string[],
  role: TextRole,
  path: string,
): void {
  if (!isRecord(holder)) return;
  for (const key of keys) pushString(out, holder, key, role, `${path}.${key}`);
}
