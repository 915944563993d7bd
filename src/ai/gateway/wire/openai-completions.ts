import {
  choiceFlushEvent,
  choiceResponseTexts,
  choiceStreamEnds,
  choiceStreamTexts,
  choiceStreamUsage,
  choiceUsage,
} from "./openai-choices.js";
import { arrayOf, indexPath, pushString, stringOf, type Json } from "./slots.js";
import type { TextSlot, WireFormat } from "./types.js";
import { isTokenIds, pushTokenIds } from "./token-ids.js";

/**
 * `prompt` (a string or an array of strings; token arrays are not text) and `suffix`, as user text.
 *
 * @example promptTexts({ prompt: ["a", "b"], suffix: "c" }).map((s) => s.path); // ["prompt[0]", "prompt[1]", "suffix"]
 */
export function promptTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  if (typeof body.prompt === "string") pushString(out, body, "prompt", "user", "prompt");
  else if (isTokenIds(body.prompt)) pushTokenIds(out, body, "prompt", "user", "prompt", body.model);
  else {
    const prompts = arrayOf(body.prompt) as unknown[];
    prompts.forEach((_, i) => {
      pushString(out, prompts, i, "user", indexPath("prompt", i));
    });
    if (prompts.some(isTokenIds)) pushTokenIds(out, body, "prompt", "user", "prompt", body.model);
  }
  pushString(out, body, "suffix", "user", "suffix");
  return out;
}

/**
 * OpenAI's legacy Completions (`POST /v1/completions`), which many code-completion clients and
 * OpenAI-compatible FIM servers (DeepSeek, vLLM) still use: `prompt` and `suffix` in, `choices[].text`
 * out, streamed as `text_completion` chunks ending in `[DONE]`.
 *
 * @example
 * openaiCompletions.requestTexts({ prompt: "def add(a, b):", suffix: "\n" }).map((s) => s.path); // ["prompt", "suffix"]
 */
export const openaiCompletions: WireFormat = {
  id: "openai-completions",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  stream: (body) => body.stream === true,
  streams: true,
  requestTexts: promptTexts,
  responseTexts: choiceResponseTexts,
  streamTexts: choiceStreamTexts,
  streamSnapshots: () => [],
  streamEnds: choiceStreamEnds,
  flushEvent: choiceFlushEvent,
  usage: choiceUsage,
  streamUsage: choiceStreamUsage,
};
