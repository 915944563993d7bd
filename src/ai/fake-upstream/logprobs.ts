import { chunkText } from "./echo.js";
import type { Turn } from "./turn.js";

/**
 * Log probabilities, as OpenAI sends them when a request asks: Chat Completions `logprobs: true` (with
 * `top_logprobs: N`), legacy Completions `logprobs: N`, and the Responses API's
 * `include: ["message.output_text.logprobs"]` (with `top_logprobs`). The fake's "tokens" are the pieces
 * it streams (`chunkSize` characters), so a stream chunk's log probabilities cover exactly its text, as a
 * real provider's do. The numbers are made up; the tokens (and their UTF-8 bytes) spell the text.
 */

type Json = Record<string, unknown>;

/** One scored token in the Chat Completions / Responses shape: token, logprob, bytes, alternatives. */
function scored(token: string, top: number, withTop: boolean): Json {
  const entry: Json = { token, logprob: -0.25, bytes: [...Buffer.from(token, "utf8")] };
  if (withTop)
    entry.top_logprobs = Array.from({ length: top }, (_, k) => {
      const alt = k === 0 ? token : `${token}~${k}`;
      return { token: alt, logprob: -0.25 - k, bytes: [...Buffer.from(alt, "utf8")] };
    });
  return entry;
}

function topOf(body: Json): number {
  const n = body.top_logprobs;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? Math.min(n, 20) : 0;
}

/**
 * A chat choice's `logprobs` for `text` (`{ content: [...], refusal: null }`), or null when the request
 * did not ask (`logprobs: true`).
 *
 * @example chatLogprobs(turn, "Hi there")?.content[0].token; // "Hi there" in pieces of chunkSize
 */
export function chatLogprobs(turn: Turn, text: string): Json | null {
  if (turn.body.logprobs !== true) return null;
  const top = topOf(turn.body);
  return { content: chunkText(text, turn.chunkSize).map((t) => scored(t, top, true)), refusal: null };
}

/**
 * A legacy completion choice's `logprobs` (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`),
 * or null when the request did not ask (`logprobs: N`, N ≥ 0). `offset` is where `text` starts in the
 * whole completion (a stream chunk's).
 *
 * @example completionLogprobs(turn, "def f(", 0)?.tokens; // ["def f("] with chunkSize 8
 */
export function completionLogprobs(turn: Turn, text: string, offset = 0): Json | null {
  const n = turn.body.logprobs;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return null;
  const tokens = chunkText(text, turn.chunkSize);
  const offsets: number[] = [];
  let at = offset;
  for (const t of tokens) {
    offsets.push(at);
    at += t.length;
  }
  return {
    tokens,
    token_logprobs: tokens.map(() => -0.25),
    top_logprobs: tokens.map((t) =>
      Object.fromEntries(
        Array.from({ length: Math.min(n, 5) }, (_, k) => [k === 0 ? t : `${t}~${k}`, -0.25 - k]),
      ),
    ),
    text_offset: offsets,
  };
}

/**
 * An `output_text` part's (or delta event's) `logprobs` for `text`: the scored tokens when the request
 * includes `message.output_text.logprobs`, else the empty list OpenAI sends.
 *
 * @example responsesLogprobs(turn, "Hi").length; // 0 unless asked
 */
export function responsesLogprobs(turn: Turn, text: string): Json[] {
  const include = turn.body.include;
  if (!Array.isArray(include) || !include.includes("message.output_text.logprobs")) return [];
  const top = topOf(turn.body);
  return chunkText(text, turn.chunkSize).map((t) => scored(t, top, top > 0));
}
