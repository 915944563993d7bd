import { arrayOf, indexPath, pushString, stringOf, usageOf } from "./slots.js";
import { isTokenIds, pushTokenIds } from "./token-ids.js";
import { streamless } from "./streamless.js";
import type { TextSlot, WireFormat } from "./types.js";

/**
 * OpenAI Embeddings (`POST /v1/embeddings`): the texts sent for embedding (`input`, a string, an array
 * of strings, token ids or an array of token ids: see token-ids.ts) are user text the provider receives. The response is vectors,
 * so there is nothing to inspect on the way back, and there is no stream.
 *
 * @example
 * openaiEmbeddings.requestTexts({ model: "text-embedding-3-small", input: ["a", "b"] }).length; // 2
 */
export const openaiEmbeddings: WireFormat = streamless({
  id: "openai-embeddings",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  requestTexts(body) {
    const out: TextSlot[] = [];
    if (typeof body.input === "string") pushString(out, body, "input", "user", "input");
    else if (isTokenIds(body.input)) pushTokenIds(out, body, "input", "user", "input", body.model);
    else {
      const inputs = arrayOf(body.input) as unknown[];
      inputs.forEach((_, i) => {
        pushString(out, inputs, i, "user", indexPath("input", i));
      });
      if (inputs.some(isTokenIds)) pushTokenIds(out, body, "input", "user", "input", body.model);
    }
    return out;
  },
  responseTexts: () => [],
  usage(body) {
    return { input: usageOf(body.usage, "prompt_tokens", "completion_tokens").input, output: null };
  },
});
