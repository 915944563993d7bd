import {
  choiceFlushEvent,
  choiceResponseTexts,
  choiceStreamEnds,
  choiceStreamTexts,
  choiceStreamUsage,
  choiceUsage,
} from "./openai-choices.js";
import { promptTexts } from "./openai-completions.js";
import { stringOf } from "./slots.js";
import type { WireFormat } from "./types.js";

/**
 * Fill-in-the-middle (`POST /v1/fim/completions`), Mistral/Codestral style as Continue and other editors
 * send it: `prompt` (the code before the cursor) and `suffix` (the code after it) in; out, a chat-shaped
 * `choices[].message.content` (Mistral) or a completion-shaped `choices[].text` (servers that reuse their
 * Completions code), streamed as `delta.content` or `text` chunks ending in `[DONE]`. Both shapes are read,
 * and a flush event copies the shape of the chunk it is modelled on.
 *
 * @example
 * openaiFim.requestTexts({ model: "codestral-latest", prompt: "def f(", suffix: "return x" }).length; // 2
 */
export const openaiFim: WireFormat = {
  id: "openai-fim",
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
