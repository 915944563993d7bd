import { pushJsonText, pushJsonValue } from "./json-slots.js";
import {
  ANSWER_ITEMS_READ_AS_INPUT,
  inputItemTexts,
  pushMessageContent,
  pushReasoning,
  responsesRequestTexts,
} from "./openai-responses-input.js";
import {
  arrayOf,
  indexPath,
  isRecord,
  partialUsageOf,
  pushString,
  stringOf,
  usageOf,
  type Json,
} from "./slots.js";
import {
  responsesFlushEvent,
  responsesStreamEnds,
  responsesStreamSnapshots,
  responsesStreamTexts,
} from "./openai-responses-stream.js";
import { responsesStreamCitations } from "./citations.js";
import {
  responsesAnswerContainers,
  responsesNamedContainers,
  responsesStreamContainers,
} from "./containers.js";
import { ViewSlot } from "./slot-kinds.js";
import type { TextSlot, WireFormat } from "./types.js";

/**
 * OpenAI Responses (`POST /v1/responses`), what Codex CLI and newer SDK code speak.
 *
 * Request texts: see `responsesRequestTexts` (instructions, input items of every kind that carries text,
 * tool definitions, the `text.format` schema, prompt variables).
 *
 * Stream ids: `output:N:content:M` (output_text or refusal part M of output item N), `output:N:arguments`
 * (function or MCP call arguments, a JSON fragment), `output:N:input` (custom tool input),
 * `output:N:summary:M`, `output:N:reasoning:M`, `output:N:code`. The `*.done`, `content_part.*`,
 * `output_item.*` and `response.*` events repeat the full text: see `streamSnapshots`. Flush events copy
 * the delta event they are modelled on, `sequence_number` included; the gateway renumbers the events
 * it adds and those after them (see `Exchange.sequence`).
 *
 * @example
 * openaiResponses.requestTexts({ instructions: "Be brief.", input: "hi" }).map((s) => s.role); // ["system", "user"]
 */
export const openaiResponses: WireFormat = {
  id: "openai-responses",
  family: "openai",
  model: (body) => stringOf(body.model),
  setModel(body, model) {
    body.model = model;
  },
  stream: (body) => body.stream === true,
  streams: true,
  requestTexts: responsesRequestTexts,
  responseTexts(body) {
    const out: TextSlot[] = [];
    arrayOf(body.output).forEach((item, i) => {
      if (isRecord(item)) outputItemTexts(out, item, indexPath("output", i));
    });
    return out;
  },
  streamTexts: responsesStreamTexts,
  streamSnapshots: responsesStreamSnapshots,
  streamCitations: responsesStreamCitations,
  streamEnds: responsesStreamEnds,
  flushEvent: responsesFlushEvent,
  usage: (body) => usageOf(body.usage, "input_tokens", "output_tokens"),
  streamUsage(event) {
    const response = event.data.response;
    return isRecord(response) ? partialUsageOf(response.usage, "input_tokens", "output_tokens") : {};
  },
  namedContainers: responsesNamedContainers,
  answerContainers: responsesAnswerContainers,
  streamContainers: responsesStreamContainers,
};

/**
 * A response's output item (non-streaming body, an item inside a stream event, or one of a compacted
 * conversation's items).
 */
function outputItemTexts(out: TextSlot[], item: Json, path: string): void {
  if (ANSWER_ITEMS_READ_AS_INPUT.has(item.type)) {
    const texts: TextSlot[] = [];
    inputItemTexts(texts, item, path);
    for (const t of texts) out.push(new ViewSlot(t, "response", t.path));
    return;
  }
  switch (item.type) {
    case "message":
      pushMessageContent(out, item, "response", path);
      return;
    case "function_call":
      pushJsonText(out, item, "arguments", "response", `${path}.arguments`);
      return;
    case "custom_tool_call":
      pushString(out, item, "input", "response", `${path}.input`);
      return;
    case "mcp_call":
      pushJsonText(out, item, "arguments", "response", `${path}.arguments`);
      pushString(out, item, "output", "response", `${path}.output`);
      pushString(out, item, "error", "response", `${path}.error`);
      return;
    case "mcp_approval_request":
      pushJsonText(out, item, "arguments", "response", `${path}.arguments`);
      return;
    case "local_shell_call":
    case "shell_call":
      pushJsonValue(out, item, "action", "response", `${path}.action`);
      return;
    case "local_shell_call_output":
      pushString(out, item, "output", "response", `${path}.output`);
      return;
    case "shell_call_output":
      arrayOf(item.output).forEach((o, k) => {
        if (!isRecord(o)) return;
        const p = indexPath(`${path}.output`, k);
        pushString(out, o, "stdout", "response", `${p}.stdout`);
        pushString(out, o, "stderr", "response", `${p}.stderr`);
      });
      return;
    case "apply_patch_call":
      // The patch is generated code: it is read like any other answer text (unsafe code included).
      if (isRecord(item.operation))
        pushString(out, item.operation, "diff", "response", `${path}.operation.diff`);
      return;
    case "reasoning":
      pushReasoning(out, item, "response", path);
      return;
    case "code_interpreter_call":
      // Its code, and the logs of running it (as a stream's snapshot events carry them).
      pushString(out, item, "code", "response", `${path}.code`);
      arrayOf(item.outputs).forEach((o, j) => {
        if (isRecord(o) && o.type === "logs")
          pushString(out, o, "logs", "response", `${indexPath(`${path}.outputs`, j)}.logs`);
      });
      return;
    default:
      return;
  }
}
