import { named, pieces, type Streamed, type Turn } from "./turn.js";

/**
 * Replies in Anthropic's Messages format: a `message` body, and the stream's event sequence as the API
 * sends it (`message_start`, `content_block_start`, `ping`, `content_block_delta`s, `content_block_stop`,
 * `message_delta` with the output token count, `message_stop`).
 */

type Json = Record<string, unknown>;

function usage(turn: Turn, output: number): Json {
  return {
    input_tokens: turn.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    service_tier: "standard",
  };
}

function block(turn: Turn, done: boolean): Json {
  const say = turn.say;
  if (say.kind === "text") return { type: "text", text: done ? say.text : "" };
  return {
    type: "tool_use",
    id: `toolu_${turn.id}`,
    name: say.name,
    input: done ? (JSON.parse(say.arguments) as unknown) : {},
  };
}

function message(turn: Turn, done: boolean): Json {
  return {
    id: `msg_${turn.id}`,
    type: "message",
    role: "assistant",
    model: turn.model,
    content: done ? [block(turn, true)] : [],
    stop_reason: done ? stopReason(turn) : null,
    stop_sequence: null,
    usage: usage(turn, done ? turn.outputTokens : 1),
  };
}

function stopReason(turn: Turn): string {
  return turn.say.kind === "text" ? "end_turn" : "tool_use";
}

/**
 * A non-streaming `message` body.
 *
 * @example messageJson(turn).content; // [{ type: "text", text: "You said: hi" }]
 */
export function messageJson(turn: Turn): Json {
  return message(turn, true);
}

/**
 * The Messages event stream of one text or tool_use block.
 *
 * @example const s = messageStream(turn); res.end(s.head + s.chunks.join("") + s.tail);
 */
export function messageStream(turn: Turn): Streamed {
  const head =
    named("message_start", { type: "message_start", message: message(turn, false) }) +
    named("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: block(turn, false),
    }) +
    named("ping", { type: "ping" });
  const delta = (piece: string): Json =>
    turn.say.kind === "text"
      ? { type: "text_delta", text: piece }
      : { type: "input_json_delta", partial_json: piece };
  const chunks = pieces(turn).map((piece) =>
    named("content_block_delta", { type: "content_block_delta", index: 0, delta: delta(piece) }),
  );
  const tail =
    named("content_block_stop", { type: "content_block_stop", index: 0 }) +
    named("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason(turn), stop_sequence: null },
      usage: { output_tokens: turn.outputTokens },
    }) +
    named("message_stop", { type: "message_stop" });
  return { head, chunks, tail };
}
