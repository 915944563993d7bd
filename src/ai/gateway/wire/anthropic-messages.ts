import { anthropicResponseTexts, anthropicStreamSnapshots } from "./anthropic-answer.js";
import { anthropicRequestTexts } from "./anthropic-content.js";
import {
  anthropicAnswerContainers,
  anthropicNamedContainers,
  anthropicStreamContainers,
} from "./containers.js";
import { anthropicThread } from "./anthropic-thread.js";
import { indexOf, isRecord, numberOf, pushSignedStream, pushStream, stringOf, type Json } from "./slots.js";
import type { StreamSlot, Usage, WireFormat } from "./types.js";

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
 * see `anthropicRequestTexts`. Response texts: every block that carries text (see
 * `anthropicResponseTexts`). Streams: `block:N` per content block; `text_delta`, `thinking_delta` and
 * `input_json_delta` (a JSON fragment) carry text, `content_block_stop` ends the block, `message_delta`
 * and `message_stop` end them all; what comes whole (a block start's tool input or result, a citation, a
 * compaction summary) is a snapshot (see `anthropicStreamSnapshots`). Usage: input = input + cache
 * creation + cache read tokens.
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
  streams: true,
  requestTexts: anthropicRequestTexts,
  responseTexts: anthropicResponseTexts,
  streamTexts(event) {
    const d = event.data;
    const n = indexOf(d.index);
    const out: StreamSlot[] = [];
    if (n === undefined) return out;
    if (d.type === "content_block_delta" && isRecord(d.delta)) {
      const field = DELTA_FIELDS[stringOf(d.delta.type) ?? ""];
      // Thinking is signed: read, never changed (see TextSlot.signed).
      if (field === "thinking") pushSignedStream(out, d.delta, field, `block:${n}`, "delta.thinking");
      else if (field)
        pushStream(out, d.delta, field, `block:${n}`, `delta.${field}`, field === "partial_json");
    } else if (d.type === "content_block_start" && isRecord(d.content_block)) {
      // Blocks start empty in practice; text already in a start event is the block's first piece.
      const block = d.content_block;
      if (block.type === "text") pushStream(out, block, "text", `block:${n}`, "content_block.text");
      else if (block.type === "thinking")
        pushSignedStream(out, block, "thinking", `block:${n}`, "content_block.thinking");
    }
    return out;
  },
  streamSnapshots: anthropicStreamSnapshots,
  streamEnds(event) {
    const d = event.data;
    // A thinking block's signature comes last: what was held of its text goes before it.
    const signature =
      d.type === "content_block_delta" && isRecord(d.delta) && d.delta.type === "signature_delta";
    if (d.type === "content_block_stop" || signature) {
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
  namedContainers: anthropicNamedContainers,
  answerContainers: anthropicAnswerContainers,
  streamContainers: anthropicStreamContainers,
  heldConversation: anthropicThread,
};
