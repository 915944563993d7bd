import { anthropicRequestTexts } from "./anthropic-content.js";
import {
  arrayOf,
  indexPath,
  isRecord,
  indexOf,
  numberOf,
  pushLeaves,
  pushStream,
  pushString,
  stringOf,
  type Json,
} from "./slots.js";
import type { StreamSlot, TextSlot, Usage, WireEvent, WireFormat } from "./types.js";

/** Input tokens as Anthropic counts them: uncached + written to the cache + read from the cache. */
function inputTokens(usage: Json): number | undefined {
  const base = numberOf(usage.input_tokens);
  if (base === undefined) return undefined;
  return (
    base + (numberOf(usage.cache_creation_input_tokens) ?? 0) + (numberOf(usage.cache_read_input_tokens) ?? 0)
  );
}

function usageOf(usage: unknown): Usage {
  if (!isRecord(usage)) return { input: null, output: null };
  return { input: inputTokens(usage) ?? null, output: numberOf(usage.output_tokens) ?? null };
}

const DELTA_FIELDS: Record<string, string> = {
  text_delta: "text",
  input_json_delta: "partial_json",
  thinking_delta: "thinking",
};

/**
 * Anthropic Messages (`POST /v1/messages`), what Claude Code and the Anthropic SDKs speak. Request texts:
 * see `anthropicRequestTexts`. Response texts: `text` and `thinking` blocks, and each string leaf of a
 * `tool_use` / `server_tool_use` / `mcp_tool_use` block's `input` object (`content[1].input.command`), so
 * a replacement keeps `input` an object. Streams: `block:N` per content block; `text_delta`, `thinking_delta`
 * and `input_json_delta` (a JSON fragment) carry text, `content_block_stop` ends the block, `message_delta`
 * and `message_stop` end them all. Usage: input = input + cache creation + cache read tokens.
 *
 * @example
 * anthropicMessages.streamTexts({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } } })[0]!.stream; // "block:0"
 */
export const anthropicMessages: WireFormat = {
  id: "anthropic-messages",
  family: "anthropic",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  stream: (body) => body.stream === true,
  requestTexts: anthropicRequestTexts,
  responseTexts(body) {
    const out: TextSlot[] = [];
    arrayOf(body.content).forEach((block, i) => {
      if (!isRecord(block)) return;
      const p = indexPath("content", i);
      if (block.type === "text") pushString(out, block, "text", "response", `${p}.text`);
      else if (block.type === "thinking") pushString(out, block, "thinking", "response", `${p}.thinking`);
      else if (block.type === "tool_use" || block.type === "server_tool_use" || block.type === "mcp_tool_use")
        pushLeaves(out, block, "input", "response", `${p}.input`);
    });
    return out;
  },
  streamTexts(event) {
    const d = event.data;
    const n = indexOf(d.index);
    const out: StreamSlot[] = [];
    if (n === undefined) return out;
    if (d.type === "content_block_delta" && isRecord(d.delta)) {
      const field = DELTA_FIELDS[stringOf(d.delta.type) ?? ""];
      if (field) pushStream(out, d.delta, field, `block:${n}`, `delta.${field}`, field === "partial_json");
    } else if (d.type === "content_block_start" && isRecord(d.content_block)) {
      // Blocks start empty in practice; text already in a start event is the block's first piece.
      const block = d.content_block;
      if (block.type === "text") pushStream(out, block, "text", `block:${n}`, "content_block.text");
      else if (block.type === "thinking")
        pushStream(out, block, "thinking", `block:${n}`, "content_block.thinking");
    }
    return out;
  },
  streamSnapshots: (event) => anthropicStreamSnapshots(event),
  streamEnds(event) {
    const d = event.data;
    if (d.type === "content_block_stop") {
      const n = indexOf(d.index);
      return n === undefined ? [] : [`block:${n}`];
    }
    return d.type === "message_delta" || d.type === "message_stop" ? ["block"] : [];
  },
  flushEvent(stream, text, like) {
    const d = like.data;
    const n = indexOf(d.index);
    if (stream !== `block:${n}`)
      throw new Error(`an Anthropic flush needs an event of ${stream} as its model`);
    let type: string | undefined;
    if (d.type === "content_block_delta" && isRecord(d.delta)) type = stringOf(d.delta.type);
    else if (d.type === "content_block_start" && isRecord(d.content_block))
      type = d.content_block.type === "thinking" ? "thinking_delta" : "text_delta";
    const field = DELTA_FIELDS[type ?? ""];
    if (!type || !field)
      throw new Error(`an Anthropic flush needs a text, thinking or JSON delta of ${stream}`);
    const data = JSON.stringify({ type: "content_block_delta", index: n, delta: { type, [field]: text } });
    return { event: "content_block_delta", data };
  },
  usage: (body) => usageOf(body.usage),
  streamUsage(event) {
    const d = event.data;
    const usage = d.type === "message_start" && isRecord(d.message) ? d.message.usage : d.usage;
    if (!isRecord(usage)) return {};
    const out: { input?: number; output?: number } = {};
    const input = inputTokens(usage);
    const output = numberOf(usage.output_tokens);
    if (input !== undefined) out.input = input;
    if (output !== undefined) out.output = output;
    return out;
  },
};

/** Block types whose `input` is a tool's arguments, and those whose `content` is a tool's result. */
const TOOL_USE_BLOCKS: ReadonlySet<unknown> = new Set(["tool_use", "server_tool_use", "mcp_tool_use"]);
const TOOL_RESULT_BLOCKS: ReadonlySet<unknown> = new Set(["mcp_tool_result", "tool_result"]);

/**
 * Texts a block start carries whole, that no delta repeats: a tool's input given whole (Anthropic's API
 * starts it `{}` and streams it as JSON deltas, but a compatible server may not) and an MCP tool's result.
 * Each string is a stream of its own (`block:N:<path>`), so the gateway inspects it whole.
 *
 * @example anthropicStreamSnapshots({ data: { type: "content_block_start", index: 1, content_block: { type: "tool_use", input: { cmd: "ls" } } } })[0]!.stream; // "block:1:content_block.input.cmd"
 */
export function anthropicStreamSnapshots(event: WireEvent): StreamSlot[] {
  const d = event.data;
  const n = indexOf(d.index);
  if (d.type !== "content_block_start" || n === undefined || !isRecord(d.content_block)) return [];
  const block = d.content_block;
  const texts: TextSlot[] = [];
  if (TOOL_USE_BLOCKS.has(block.type)) pushLeaves(texts, block, "input", "response", "content_block.input");
  else if (TOOL_RESULT_BLOCKS.has(block.type)) {
    if (typeof block.content === "string")
      pushString(texts, block, "content", "response", "content_block.content");
    else
      arrayOf(block.content).forEach((part, j) => {
        if (isRecord(part) && part.type === "text")
          pushString(texts, part, "text", "response", `${indexPath("content_block.content", j)}.text`);
      });
  }
  return texts.map((t) => ({
    role: t.role,
    path: t.path,
    stream: `block:${n}:${t.path}`,
    get text() {
      return t.text;
    },
    replace(text: string) {
      t.replace(text);
    },
  }));
}
