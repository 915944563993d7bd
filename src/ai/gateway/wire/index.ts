import { anthropicCountTokens } from "./anthropic-count-tokens.js";
import { anthropicMessages } from "./anthropic-messages.js";
import { openaiChat } from "./openai-chat.js";
import { openaiCompletions } from "./openai-completions.js";
import { openaiEmbeddings } from "./openai-embeddings.js";
import { openaiFim } from "./openai-fim.js";
import { openaiResponses } from "./openai-responses.js";
import { openaiResponsesCompact, openaiResponsesInputTokens } from "./openai-responses-extra.js";
import {
  openaiResponsesDeleted,
  openaiResponsesInputItems,
  openaiResponsesStored,
} from "./openai-responses-stored.js";
import type { WireFormat, WireId } from "./types.js";

export type {
  Citations,
  OffsetMap,
  StreamCitations,
  StreamSlot,
  TextSlot,
  Usage,
  WireEvent,
  WireFamily,
  WireFormat,
  WireId,
} from "./types.js";
export { errorBody, streamErrorEvent, streamFailureEvents } from "./errors.js";
export { endsStream } from "./slots.js";

const FORMATS: Readonly<Record<WireId, WireFormat>> = {
  "openai-chat": openaiChat,
  "openai-responses": openaiResponses,
  "openai-responses-compact": openaiResponsesCompact,
  "openai-responses-input-tokens": openaiResponsesInputTokens,
  "openai-responses-stored": openaiResponsesStored,
  "openai-responses-input-items": openaiResponsesInputItems,
  "openai-responses-deleted": openaiResponsesDeleted,
  "openai-completions": openaiCompletions,
  "openai-fim": openaiFim,
  "openai-embeddings": openaiEmbeddings,
  "anthropic-messages": anthropicMessages,
  "anthropic-count-tokens": anthropicCountTokens,
};

/**
 * The wire format of an endpoint: how to find the model, the texts the model reads, the texts it wrote
 * (whole or streamed), token usage, and how to write a stream event of that format. The formats are
 * stateless singletons: share them freely.
 *
 * @example
 * const wire = wireFormat("openai-chat");
 * wire.model({ model: "gpt-4o", messages: [] }); // "gpt-4o"
 */
export function wireFormat(id: WireId): WireFormat {
  return FORMATS[id];
}
