import { openaiResponses } from "./openai-responses.js";
import { responsesRequestTexts } from "./openai-responses-input.js";
import { numberOf, stringOf } from "./slots.js";
import { streamless } from "./streamless.js";
import type { WireFormat } from "./types.js";

/**
 * Compacting a Responses conversation (`POST /v1/responses/compact`, the SDK's `responses.compact()`,
 * and what the Codex CLI calls for its built-in OpenAI provider when the context fills): the request is
 * a Responses request's input and instructions, read as those are; the answer, which OpenAI does not
 * stream (a compatible server that does sends Responses events, read as those are), is the
 * conversation to continue with, its user messages followed by one `compaction` item whose content is
 * encrypted. The user messages are read as an answer's text, so placeholders the request was sent with
 * are put back in them and the client keeps the conversation it wrote.
 *
 * @example openaiResponsesCompact.responseTexts({ output: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }] })[0]!.path; // "output[0].content[0].text"
 */
export const openaiResponsesCompact: WireFormat = {
  // Its answer is a Responses answer's `output` (and OpenAI does not stream it; a compatible server
  // asked to may send Responses events): everything but the id is the Responses API's.
  ...openaiResponses,
  id: "openai-responses-compact",
};

/**
 * Counting a Responses request's input tokens (`POST /v1/responses/input_tokens`, the SDK's
 * `responses.inputTokens.count()`): the same request texts as the Responses API (the provider reads them
 * to count), an `{ object: "response.input_tokens", input_tokens }` answer with no text and no stream.
 *
 * @example openaiResponsesInputTokens.usage({ object: "response.input_tokens", input_tokens: 12 }); // { input: 12, output: null }
 */
export const openaiResponsesInputTokens: WireFormat = streamless({
  id: "openai-responses-input-tokens",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  requestTexts: responsesRequestTexts,
  responseTexts: () => [],
  usage: (body) => ({ input: numberOf(body.input_tokens) ?? null, output: null }),
});
