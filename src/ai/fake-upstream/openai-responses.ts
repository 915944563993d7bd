import { responsesLogprobs } from "./logprobs.js";
import { citedIn, named, pieces, type SaidCitation, type Streamed, type Turn } from "./turn.js";

/**
 * Replies in OpenAI's Responses format: a `response` object, and the event sequence its stream sends
 * (`response.created`, `response.in_progress`, `output_item.added`, `content_part.added`, the
 * `output_text.delta`s or `function_call_arguments.delta`s, their `.done`s, `output_item.done`,
 * `response.completed` with usage), each named and numbered by `sequence_number`.
 */

type Json = Record<string, unknown>;

/** An `output_text` part's citations, as web search sends them. */
function annotation(c: SaidCitation): Json {
  return { type: "url_citation", start_index: c.start, end_index: c.end, url: c.url, title: c.title };
}

function responseObject(turn: Turn, status: "in_progress" | "completed", output: Json[]): Json {
  const b = turn.body;
  return {
    id: `resp_${turn.id}`,
    object: "response",
    created_at: turn.created,
    status,
    background: b.background === true,
    error: null,
    incomplete_details: null,
    instructions: typeof b.instructions === "string" ? b.instructions : null,
    max_output_tokens: typeof b.max_output_tokens === "number" ? b.max_output_tokens : null,
    model: turn.model,
    output,
    parallel_tool_calls: b.parallel_tool_calls !== false,
    previous_response_id: typeof b.previous_response_id === "string" ? b.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: b.store !== false,
    temperature: 1,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: b.tool_choice ?? "auto",
    tools: Array.isArray(b.tools) ? b.tools : [],
    top_p: 1,
    truncation: "disabled",
    usage:
      status === "completed"
        ? {
            input_tokens: turn.inputTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: turn.outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: turn.inputTokens + turn.outputTokens,
          }
        : null,
    user: null,
    metadata: {},
  };
}

function outputItem(turn: Turn, done: boolean): Json {
  const say = turn.say;
  const status = done ? "completed" : "in_progress";
  if (say.kind === "text") {
    const content = done
      ? [
          {
            type: "output_text",
            text: say.text,
            annotations: say.citations.map(annotation),
            logprobs: responsesLogprobs(turn, say.text),
          },
        ]
      : [];
    return { id: `msg_${turn.id}`, type: "message", status, role: "assistant", content };
  }
  return {
    id: `fc_${turn.id}`,
    type: "function_call",
    status,
    arguments: done ? say.arguments : "",
    call_id: `call_${turn.id}`,
    name: say.name,
  };
}

/**
 * A non-streaming `response` body.
 *
 * @example responsesJson(turn).output; // [{ type: "message", content: [{ type: "output_text", text: "You said: hi", ... }] }]
 */
export function responsesJson(turn: Turn): Json {
  return responseObject(turn, "completed", [outputItem(turn, true)]);
}

/**
 * The Responses event stream of one message or one function call.
 *
 * @example const s = responsesStream(turn); res.end(s.head + s.chunks.join("") + s.tail);
 */
export function responsesStream(turn: Turn): Streamed {
  let seq = 0;
  const ev = (type: string, fields: Json): string => named(type, { type, sequence_number: seq++, ...fields });
  const say = turn.say;
  let head =
    ev("response.created", { response: responseObject(turn, "in_progress", []) }) +
    ev("response.in_progress", { response: responseObject(turn, "in_progress", []) }) +
    ev("response.output_item.added", { output_index: 0, item: outputItem(turn, false) });
  let chunks: string[];
  let tail: string;
  if (say.kind === "text") {
    const at = { item_id: `msg_${turn.id}`, output_index: 0, content_index: 0 };
    head += ev("response.content_part.added", {
      ...at,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    });
    let end = 0;
    let k = 0;
    chunks = pieces(turn).map((delta) => {
      const from = end;
      end += delta.length;
      // Each citation right after the delta its span ends in.
      return (
        ev("response.output_text.delta", { ...at, delta, logprobs: responsesLogprobs(turn, delta) }) +
        citedIn(turn, from, end)
          .map((c) =>
            ev("response.output_text.annotation.added", {
              ...at,
              annotation_index: k++,
              annotation: annotation(c),
            }),
          )
          .join("")
      );
    });
    const logprobs = responsesLogprobs(turn, say.text);
    tail =
      ev("response.output_text.done", { ...at, text: say.text, logprobs }) +
      ev("response.content_part.done", {
        ...at,
        part: { type: "output_text", text: say.text, annotations: say.citations.map(annotation), logprobs },
      });
  } else {
    const at = { item_id: `fc_${turn.id}`, output_index: 0 };
    chunks = pieces(turn).map((delta) => ev("response.function_call_arguments.delta", { ...at, delta }));
    tail = ev("response.function_call_arguments.done", { ...at, name: say.name, arguments: say.arguments });
  }
  tail +=
    ev("response.output_item.done", { output_index: 0, item: outputItem(turn, true) }) +
    ev("response.completed", { response: responseObject(turn, "completed", [outputItem(turn, true)]) });
  return { head, chunks, tail };
}

/**
 * A compacted conversation (`POST /v1/responses/compact`), as OpenAI returns it: every user message of
 * the input, word for word, then one `compaction` item whose content is opaque (here base64 of a fixed
 * text, not a summary).
 */
export function compactJson(body: Json, model: string, inputTokens: number, id: string): Json {
  const items: unknown[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : [];
  if (Array.isArray(body.input)) items.push(...(body.input as unknown[]));
  const users = items.filter(
    (item): item is Json =>
      typeof item === "object" &&
      item !== null &&
      (item as Json).role === "user" &&
      ((item as Json).type === undefined || (item as Json).type === "message"),
  );
  const output: Json[] = users.map((m, i) => ({
    id: `msg_${id}_${i}`,
    type: "message",
    status: "completed",
    role: "user",
    content: typeof m.content === "string" ? [{ type: "input_text", text: m.content }] : (m.content ?? []),
  }));
  output.push({
    id: `cmp_${id}`,
    type: "compaction",
    encrypted_content: Buffer.from("the fake upstream's compaction").toString("base64"),
  });
  return {
    id: `resp_${id}`,
    object: "response.compaction",
    created_at: Math.floor(Date.now() / 1000),
    model,
    output,
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 12,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + 12,
    },
  };
}
