import { embed, embeddingBase64, estimateTokens } from "./echo.js";
import { chatLogprobs, completionLogprobs } from "./logprobs.js";
import { citedIn, pieces, plainText, sse, type SaidCitation, type Streamed, type Turn } from "./turn.js";

/**
 * Replies in OpenAI's Chat Completions, legacy Completions, Mistral-style FIM and Embeddings formats, as
 * the providers send them: ids, `created`, `system_fingerprint`, usage in every response, and streams of
 * chunks that end with `data: [DONE]` (with a usage chunk when `stream_options.include_usage` is set).
 */

const DONE = "data: [DONE]\n\n";

function usage(turn: Turn): Record<string, unknown> {
  return {
    prompt_tokens: turn.inputTokens,
    completion_tokens: turn.outputTokens,
    total_tokens: turn.inputTokens + turn.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Chat Completions citations (`message.annotations`, a delta's `annotations`), as web search sends them. */
function chatAnnotations(citations: readonly SaidCitation[]): Record<string, unknown>[] {
  return citations.map((c) => ({
    type: "url_citation",
    url_citation: { start_index: c.start, end_index: c.end, title: c.title, url: c.url },
  }));
}

function includeUsage(turn: Turn): boolean {
  const o = turn.body.stream_options;
  return typeof o === "object" && o !== null && (o as { include_usage?: unknown }).include_usage === true;
}

/**
 * A `chat.completion` body.
 *
 * @example chatJson(turn).choices; // [{ index: 0, message: { role: "assistant", content: "You said: hi", ... }, finish_reason: "stop" }]
 */
export function chatJson(turn: Turn): Record<string, unknown> {
  const say = turn.say;
  const message =
    say.kind === "text"
      ? { role: "assistant", content: say.text, refusal: null, annotations: chatAnnotations(say.citations) }
      : {
          role: "assistant",
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            {
              id: `call_${turn.id}`,
              type: "function",
              function: { name: say.name, arguments: say.arguments },
            },
          ],
        };
  return {
    id: `chatcmpl-${turn.id}`,
    object: "chat.completion",
    created: turn.created,
    model: turn.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: say.kind === "text" ? chatLogprobs(turn, say.text) : null,
        finish_reason: say.kind === "text" ? "stop" : "tool_calls",
      },
    ],
    usage: usage(turn),
    service_tier: "default",
    system_fingerprint: "fp_detente_fake",
  };
}

/**
 * A Chat Completions stream: role chunk, content (or tool-call argument) chunks, finish, usage, `[DONE]`.
 *
 * @example const s = chatStream(turn); res.end(s.head + s.chunks.join("") + s.tail); // ... data: [DONE]
 */
export function chatStream(turn: Turn): Streamed {
  const withUsage = includeUsage(turn);
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null,
    logprobs: Record<string, unknown> | null = null,
  ): string =>
    sse({
      id: `chatcmpl-${turn.id}`,
      object: "chat.completion.chunk",
      created: turn.created,
      model: turn.model,
      service_tier: "default",
      system_fingerprint: "fp_detente_fake",
      choices: [{ index: 0, delta, logprobs, finish_reason: finish }],
      ...(withUsage ? { usage: null } : {}),
    });
  const say = turn.say;
  const head =
    say.kind === "text"
      ? chunk({ role: "assistant", content: "", refusal: null }, null)
      : chunk(
          {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              {
                index: 0,
                id: `call_${turn.id}`,
                type: "function",
                function: { name: say.name, arguments: "" },
              },
            ],
          },
          null,
        );
  let at = 0;
  const chunks = pieces(turn).map((p) => {
    const from = at;
    at += p.length;
    // Citations come in a chunk of their own, once the text they cite has.
    const cited = citedIn(turn, from, at);
    return (
      chunk(
        say.kind === "text" ? { content: p } : { tool_calls: [{ index: 0, function: { arguments: p } }] },
        null,
        say.kind === "text" ? chatLogprobs(turn, p) : null,
      ) + (cited.length > 0 ? chunk({ annotations: chatAnnotations(cited) }, null) : "")
    );
  });
  let tail = chunk({}, say.kind === "text" ? "stop" : "tool_calls");
  if (withUsage)
    tail += sse({
      id: `chatcmpl-${turn.id}`,
      object: "chat.completion.chunk",
      created: turn.created,
      model: turn.model,
      service_tier: "default",
      system_fingerprint: "fp_detente_fake",
      choices: [],
      usage: usage(turn),
    });
  return { head, chunks, tail: tail + DONE };
}

/**
 * A legacy `text_completion` body.
 *
 * @example completionJson(turn).choices; // [{ text: "You said: def f(", index: 0, logprobs: null, finish_reason: "stop" }]
 */
export function completionJson(turn: Turn): Record<string, unknown> {
  return {
    id: `cmpl-${turn.id}`,
    object: "text_completion",
    created: turn.created,
    model: turn.model,
    system_fingerprint: "fp_detente_fake",
    choices: [
      {
        text: plainText(turn),
        index: 0,
        logprobs: completionLogprobs(turn, plainText(turn)),
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: turn.inputTokens,
      completion_tokens: turn.outputTokens,
      total_tokens: turn.inputTokens + turn.outputTokens,
    },
  };
}

/**
 * A legacy Completions stream: text chunks, a finishing chunk, usage when asked, `[DONE]`.
 *
 * @example const s = completionStream(turn); res.end(s.head + s.chunks.join("") + s.tail);
 */
export function completionStream(turn: Turn): Streamed {
  const chunk = (
    text: string,
    finish: string | null,
    logprobs: Record<string, unknown> | null = null,
    extra: Record<string, unknown> = {},
  ): string =>
    sse({
      id: `cmpl-${turn.id}`,
      object: "text_completion",
      created: turn.created,
      model: turn.model,
      system_fingerprint: "fp_detente_fake",
      choices: [{ text, index: 0, logprobs, finish_reason: finish }],
      ...extra,
    });
  let tail = chunk("", "stop");
  if (includeUsage(turn))
    tail += sse({
      id: `cmpl-${turn.id}`,
      object: "text_completion",
      created: turn.created,
      model: turn.model,
      choices: [],
      usage: {
        prompt_tokens: turn.inputTokens,
        completion_tokens: turn.outputTokens,
        total_tokens: turn.inputTokens + turn.outputTokens,
      },
    });
  let offset = 0;
  const chunks = pieces(turn).map((p) => {
    const scored = completionLogprobs(turn, p, offset);
    offset += p.length;
    return chunk(p, null, scored);
  });
  return { head: "", chunks, tail: tail + DONE };
}

/**
 * A Mistral FIM body: chat-shaped, `object: "chat.completion"`.
 *
 * @example fimJson(turn).object; // "chat.completion"
 */
export function fimJson(turn: Turn): Record<string, unknown> {
  return {
    id: `fim-${turn.id}`,
    object: "chat.completion",
    created: turn.created,
    model: turn.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: plainText(turn), tool_calls: null, prefix: false },
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: turn.inputTokens,
      completion_tokens: turn.outputTokens,
      total_tokens: turn.inputTokens + turn.outputTokens,
    },
  };
}

/**
 * A Mistral FIM stream: chat chunks, usage on the last one, `[DONE]`.
 *
 * @example const s = fimStream(turn); res.end(s.head + s.chunks.join("") + s.tail);
 */
export function fimStream(turn: Turn): Streamed {
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null,
    extra: Record<string, unknown> = {},
  ): string =>
    sse({
      id: `fim-${turn.id}`,
      object: "chat.completion.chunk",
      created: turn.created,
      model: turn.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
  const usage = {
    prompt_tokens: turn.inputTokens,
    completion_tokens: turn.outputTokens,
    total_tokens: turn.inputTokens + turn.outputTokens,
  };
  return {
    head: chunk({ role: "assistant", content: "" }, null),
    chunks: pieces(turn).map((p) => chunk({ content: p }, null)),
    tail: chunk({ content: "" }, "stop", { usage }) + DONE,
  };
}

/**
 * An embeddings list: one deterministic vector per input (float arrays, or base64 when asked).
 *
 * @example embeddingsJson({ input: ["a", "b"] }, "text-embedding-3-small").data; // two 8-dimensional vectors
 */
export function embeddingsJson(body: Record<string, unknown>, model: string): Record<string, unknown> {
  const raw = body.input;
  const inputs: unknown[] = Array.isArray(raw) && raw.length > 0 && typeof raw[0] !== "number" ? raw : [raw];
  const dims =
    typeof body.dimensions === "number" && body.dimensions >= 1
      ? Math.min(4096, Math.floor(body.dimensions))
      : 8;
  const base64 = body.encoding_format === "base64";
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === "string" ? input : JSON.stringify(input ?? "");
    tokens += Array.isArray(input) ? input.length : estimateTokens(text.length);
    const vector = embed(text, dims);
    return { object: "embedding", index, embedding: base64 ? embeddingBase64(vector) : vector };
  });
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

const MODELS = [
  "gpt-4.1",
  "gpt-4o-mini",
  "gpt-5-codex",
  "o4-mini",
  "text-embedding-3-small",
  "codestral-latest",
];
const CLAUDE_MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"];

/**
 * `GET /v1/models` in OpenAI's shape, or Anthropic's when the client is an Anthropic one.
 *
 * @example modelsJson(false).object; // "list"
 */
export function modelsJson(anthropic: boolean): Record<string, unknown> {
  if (anthropic) {
    const data = CLAUDE_MODELS.map((id) => ({
      type: "model",
      id,
      display_name: id,
      created_at: "2025-09-29T00:00:00Z",
    }));
    return { data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id };
  }
  return {
    object: "list",
    data: [...MODELS, ...CLAUDE_MODELS].map((id) => ({
      id,
      object: "model",
      created: 1_700_000_000,
      owned_by: "detente-fake",
    })),
  };
}
