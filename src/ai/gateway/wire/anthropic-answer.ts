import { pushJsonValue } from "./json-slots.js";
import { CITATION_TEXTS, pushServerToolResult, pushTexts } from "./anthropic-blocks.js";
import { arrayOf, indexOf, indexPath, isRecord, pushSigned, pushString, type Json } from "./slots.js";
import { StreamView } from "./slot-kinds.js";
import type { StreamSlot, TextSlot, WireEvent } from "./types.js";

/**
 * The texts of a whole Messages answer (`content[]`), each with role "response": `text` (and its
 * citations: see `pushWholeTexts`) and `thinking` blocks, and what every other block carries.
 *
 * @example anthropicResponseTexts({ content: [{ type: "compaction", content: "Summary." }] })[0]!.path; // "content[0].content"
 */
export function anthropicResponseTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  arrayOf(body.content).forEach((block, i) => {
    if (!isRecord(block)) return;
    const p = indexPath("content", i);
    if (block.type === "text") pushString(out, block, "text", "response", `${p}.text`);
    else if (block.type === "thinking") pushSigned(out, block, "thinking", "response", `${p}.thinking`);
    pushWholeTexts(out, block, p);
  });
  return out;
}

/**
 * Texts a stream sends whole, that no text delta carries: what a block start carries besides a text or
 * thinking block's first piece (see `pushWholeTexts`: a tool's input given whole, since Anthropic's API
 * starts it `{}` and streams it as JSON deltas but a compatible server may not; tool and server tool
 * results; citations; a compaction summary), a `citations_delta`'s citation, and a `compaction_delta`,
 * which carries the block's summary whole (the SDKs set the block's content to it, they do not append).
 * Each string is a stream of its own, named by its place in the block (`block:N:input.cmd`,
 * `block:N:content` for a compaction summary whichever event carries it), so the gateway inspects it
 * whole and counts a repeated copy once.
 *
 * @example anthropicStreamSnapshots({ data: { type: "content_block_start", index: 1, content_block: { type: "tool_use", input: { cmd: "ls" } } } })[0]!.stream; // "block:1:input.cmd"
 */
export function anthropicStreamSnapshots(event: WireEvent): StreamSlot[] {
  const d = event.data;
  const n = indexOf(d.index);
  if (n === undefined) return [];
  const texts: TextSlot[] = [];
  if (d.type === "content_block_start" && isRecord(d.content_block))
    pushWholeTexts(texts, d.content_block, "content_block");
  else if (d.type === "content_block_delta" && isRecord(d.delta)) {
    if (d.delta.type === "citations_delta")
      pushTexts(texts, d.delta.citation, CITATION_TEXTS, "response", "delta.citation");
    else if (d.delta.type === "compaction_delta")
      pushString(texts, d.delta, "content", "response", "delta.content");
  }
  // Named by the place in the block, after the event's `content_block.` or `delta.`.
  return texts.map(
    (t) => new StreamView(t, t.role, t.path, `block:${n}:${t.path.slice(t.path.indexOf(".") + 1)}`),
  );
}

/**
 * Push what an answer block carries whole, with role "response" (everything but the text of a `text`
 * block and the thinking of a `thinking` block, which streams deliver as deltas): a text block's
 * citations (cited text, titles, URL); each value of a `tool_use` / `server_tool_use` /
 * `mcp_tool_use` block's `input` (`content[1].input.command`, so a replacement keeps `input` an object);
 * an MCP tool's result (a string, or text blocks and their citations); a `compaction` summary; web search
 * results (title and URL: the page is encrypted), a web fetch's URL and page (title and plain text; a
 * PDF is skipped); code execution and bash output, a text editor's view, edited lines and errors, a tool
 * search's error, an advisor's advice. Skipped: signatures, encrypted contents (redacted thinking, a
 * compaction's state, encrypted stdout, redacted advice), ids, file ids (container uploads, output
 * files), names of tools and MCP servers, a compaction's `tool_changes` and an `mcp_tool_listing` (tool
 * definitions the caller or an MCP server wrote, read when the client sends them back), `fallback`
 * (model names). Fixed depth: nothing upstream-controlled is recursed into.
 */
function pushWholeTexts(out: TextSlot[], block: Json, path: string): void {
  switch (block.type) {
    case "text":
      pushCitations(out, block.citations, `${path}.citations`);
      return;
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use":
      pushJsonValue(out, block, "input", "response", `${path}.input`);
      return;
    case "tool_result":
    case "mcp_tool_result":
      if (typeof block.content === "string") pushString(out, block, "content", "response", `${path}.content`);
      else
        arrayOf(block.content).forEach((part, j) => {
          if (!isRecord(part) || part.type !== "text") return;
          const p = indexPath(`${path}.content`, j);
          pushString(out, part, "text", "response", `${p}.text`);
          pushCitations(out, part.citations, `${p}.citations`);
        });
      return;
    case "compaction":
      pushString(out, block, "content", "response", `${path}.content`);
      return;
    case "web_search_tool_result":
      arrayOf(block.content).forEach((result, k) => {
        pushTexts(out, result, ["title", "url"], "response", indexPath(`${path}.content`, k));
      });
      return;
    case "web_fetch_tool_result":
      pushWebFetch(out, block.content, `${path}.content`);
      return;
    case "code_execution_tool_result":
    case "bash_code_execution_tool_result":
    case "text_editor_code_execution_tool_result":
    case "tool_search_tool_result":
    case "advisor_tool_result":
      pushServerToolResult(out, block.content, "response", `${path}.content`);
      return;
    default:
      return; // thinking (streamed), redacted_thinking, container_upload, fallback, mcp_tool_listing
  }
}

/** A fetched page: its URL, and the document's title and text (a base64 PDF is not text). */
function pushWebFetch(out: TextSlot[], result: unknown, path: string): void {
  if (!isRecord(result)) return;
  pushString(out, result, "url", "response", `${path}.url`);
  const doc = result.content;
  if (!isRecord(doc)) return;
  pushString(out, doc, "title", "response", `${path}.content.title`);
  if (isRecord(doc.source) && doc.source.type === "text")
    pushString(out, doc.source, "data", "response", `${path}.content.source.data`);
}

function pushCitations(out: TextSlot[], citations: unknown, path: string): void {
  arrayOf(citations).forEach((citation, k) => {
    pushTexts(out, citation, CITATION_TEXTS, "response", indexPath(path, k));
  });
}
