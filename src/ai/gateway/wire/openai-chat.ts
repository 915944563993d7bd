import type { TextRole } from "../../inspect/types.js";
import {
  choiceFlushEvent,
  choiceResponseTexts,
  choiceStreamEnds,
  choiceStreamSnapshots,
  choiceStreamTexts,
  choiceStreamUsage,
  choiceUsage,
  pushAssistantExtras,
  pushChatContent,
} from "./openai-choices.js";
import { choiceStreamCitations } from "./citations.js";
import { pushToolDefinition } from "./schema-slots.js";
import { arrayOf, indexPath, isRecord, stringOf, type Json } from "./slots.js";
import type { TextSlot, WireFormat } from "./types.js";

/** The role a chat message's text plays for the inspectors. Unknown roles are inspected as user text. */
function roleOf(role: unknown): TextRole {
  switch (role) {
    case "system":
    case "developer":
      return "system";
    case "assistant":
      return "assistant";
    case "tool":
    case "function":
      return "tool-result";
    default:
      return "user";
  }
}

function requestTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  arrayOf(body.messages).forEach((message, i) => {
    if (!isRecord(message)) return;
    const role = roleOf(message.role);
    const p = indexPath("messages", i);
    pushChatContent(out, message, role, p);
    if (role === "assistant") pushAssistantExtras(out, message, role, p);
  });
  arrayOf(body.tools).forEach((tool, i) => {
    if (!isRecord(tool)) return;
    const p = indexPath("tools", i);
    if (isRecord(tool.function)) pushToolDefinition(out, tool.function, `${p}.function`, "parameters");
    else if (isRecord(tool.custom)) pushToolDefinition(out, tool.custom, `${p}.custom`, "format");
  });
  arrayOf(body.functions).forEach((fn, i) => {
    if (isRecord(fn)) pushToolDefinition(out, fn, indexPath("functions", i), "parameters");
  });
  // Predicted output: text the client expects back, which the model reads as context.
  if (isRecord(body.prediction)) pushChatContent(out, body.prediction, "user", "prediction");
  // Structured outputs: the schema's name, description and what the model reads in the schema.
  const format = isRecord(body.response_format) ? body.response_format.json_schema : undefined;
  if (isRecord(format)) pushToolDefinition(out, format, "response_format.json_schema", "schema");
  return out;
}

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), also spoken by most OpenAI-compatible servers.
 * Request texts: `messages[].content` (string or `text`/`refusal` parts; `image_url`, `input_audio` and
 * `file` parts skipped), assistant `refusal`, `reasoning_content`, `tool_calls[].function.arguments`
 * (each value of the JSON with its key: see `pushJsonValue`) and legacy `function_call`; `tools[]` /
 * legacy `functions[]` definitions; `prediction.content`; `response_format.json_schema` (name,
 * description, what the model reads in the schema). Roles: system/developer -> system, assistant,
 * tool/function -> tool-result, anything else -> user. Streams: see openai-choices.ts.
 *
 * @example
 * openaiChat.requestTexts({ messages: [{ role: "user", content: "hi" }] })[0]!.path; // "messages[0].content"
 */
export const openaiChat: WireFormat = {
  id: "openai-chat",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  stream: (body) => body.stream === true,
  streams: true,
  requestTexts,
  responseTexts: choiceResponseTexts,
  streamTexts: choiceStreamTexts,
  streamSnapshots: choiceStreamSnapshots,
  streamCitations: choiceStreamCitations,
  streamEnds: choiceStreamEnds,
  flushEvent: choiceFlushEvent,
  usage: choiceUsage,
  streamUsage: choiceStreamUsage,
};
