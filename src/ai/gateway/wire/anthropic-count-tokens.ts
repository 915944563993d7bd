import { anthropicRequestTexts } from "./anthropic-content.js";
import { numberOf, stringOf } from "./slots.js";
import { streamless } from "./streamless.js";
import type { WireFormat } from "./types.js";

/**
 * Anthropic's token counting (`POST /v1/messages/count_tokens`): the same request texts as Messages (the
 * provider reads them to count), an `{ input_tokens }` answer with no text and no stream.
 *
 * @example anthropicCountTokens.usage({ input_tokens: 2095 }); // { input: 2095, output: null }
 */
export const anthropicCountTokens: WireFormat = streamless({
  id: "anthropic-count-tokens",
  family: "anthropic",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  requestTexts: anthropicRequestTexts,
  responseTexts: () => [],
  usage: (body) => ({ input: numberOf(body.input_tokens) ?? null, output: null }),
});
