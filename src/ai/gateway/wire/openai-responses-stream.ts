import type { SseEvent } from "../sse.js";
import { pushAnnotationSnapshot, pushAnnotationSnapshots } from "./annotations.js";
import { stringifyJson } from "./json-parse.js";
import {
  arrayOf,
  indexOf,
  indexPath,
  isRecord,
  pushStream,
  scoredStreamBy,
  stringOf,
  type Json,
} from "./slots.js";
import { pushJsonValue } from "./json-slots.js";
import { ANSWER_ITEMS_READ_AS_INPUT, inputItemTexts } from "./openai-responses-input.js";
import { StreamView } from "./slot-kinds.js";
import type { StreamSlot, TextSlot, WireEvent } from "./types.js";

/**
 * The Responses API's stream events (see openai-responses.ts for the stream ids): which carry text
 * deltas, which end a stream, which repeat a stream's whole text, and the flush event.
 */

function typeOf(event: WireEvent): string | undefined {
  return stringOf(event.data.type) ?? event.event;
}

/**
 * The text deltas of one Responses stream event: output text and refusal deltas, function / MCP call
 * argument deltas (JSON fragments), custom tool input, reasoning summary and reasoning text, code.
 *
 * @example responsesStreamTexts({ data: { type: "response.output_text.delta", output_index: 0, content_index: 0, delta: "Hi" } })[0]!.stream; // "output:0:content:0"
 */
export function responsesStreamTexts(event: WireEvent): StreamSlot[] {
  const d = event.data;
  const n = indexOf(d.output_index);
  if (n === undefined) return [];
  const out: StreamSlot[] = [];
  const at = (suffix: string, json = false): void => {
    pushStream(out, d, "delta", `output:${n}:${suffix}`, "delta", json);
  };
  switch (typeOf(event)) {
    case "response.output_text.delta":
    case "response.refusal.delta":
      at(`content:${indexOf(d.content_index) ?? 0}`);
      break;
    case "response.function_call_arguments.delta":
    case "response.mcp_call_arguments.delta":
      at("arguments", true);
      break;
    case "response.custom_tool_call_input.delta":
      at("input");
      break;
    case "response.reasoning_summary_text.delta":
      at(`summary:${indexOf(d.summary_index) ?? 0}`);
      break;
    case "response.reasoning_text.delta":
      at(`reasoning:${indexOf(d.content_index) ?? 0}`);
      break;
    case "response.code_interpreter_call_code.delta":
      at("code");
      break;
    case "response.apply_patch_call_operation_diff.delta":
      at("diff");
      break;
    case "response.shell_call_command.delta":
      at(commandStream(d));
      break;
    case "response.shell_call_output_content.delta":
      // A hosted shell's output, a delta of each of its streams.
      if (isRecord(d.delta))
        for (const key of ["stdout", "stderr"] as const)
          pushStream(out, d.delta, key, `output:${n}:${outputStream(d, key)}`, `delta.${key}`);
      break;
    default:
      break;
  }
  scoredStreamBy(out, 0, d); // an output_text delta's logprobs
  return out;
}

/** A shell call's command `command_index`, named as the item's `action.commands[k]` snapshot is. */
function commandStream(d: Json): string {
  return `action.commands[${indexOf(d.command_index) ?? 0}]`;
}

/** A shell call output's `stdout` or `stderr` for command `command_index`, named as the item's is. */
function outputStream(d: Json, key: "stdout" | "stderr"): string {
  return `output[${indexOf(d.command_index) ?? 0}].${key}`;
}

/**
 * The streams an event ends: each `.done` its own stream, `output_item.done` the item's streams, and
 * `response.completed` / `incomplete` / `failed` all of them (`output`).
 *
 * @example responsesStreamEnds({ data: { type: "response.output_item.done", output_index: 1, item: {} } }); // ["output:1"]
 */
export function responsesStreamEnds(event: WireEvent): string[] {
  const d = event.data;
  const type = typeOf(event);
  if (type === "response.completed" || type === "response.incomplete" || type === "response.failed")
    return ["output"];
  const n = indexOf(d.output_index);
  if (n === undefined) return [];
  const ci = indexOf(d.content_index) ?? 0;
  switch (type) {
    case "response.output_text.done":
    case "response.refusal.done":
      return [`output:${n}:content:${ci}`];
    case "response.content_part.done":
      return [
        isRecord(d.part) && d.part.type === "reasoning_text"
          ? `output:${n}:reasoning:${ci}`
          : `output:${n}:content:${ci}`,
      ];
    case "response.function_call_arguments.done":
    case "response.mcp_call_arguments.done":
      return [`output:${n}:arguments`];
    case "response.custom_tool_call_input.done":
      return [`output:${n}:input`];
    case "response.reasoning_summary_text.done":
    case "response.reasoning_summary_part.done":
      return [`output:${n}:summary:${indexOf(d.summary_index) ?? 0}`];
    case "response.reasoning_text.done":
      return [`output:${n}:reasoning:${ci}`];
    case "response.code_interpreter_call_code.done":
      return [`output:${n}:code`];
    case "response.apply_patch_call_operation_diff.done":
      return [`output:${n}:diff`];
    case "response.shell_call_command.done":
      return [`output:${n}:${commandStream(d)}`];
    case "response.shell_call_output_content.done":
      return [`output:${n}:${outputStream(d, "stdout")}`, `output:${n}:${outputStream(d, "stderr")}`];
    case "response.output_item.done":
      return [`output:${n}`];
    default:
      return [];
  }
}

/**
 * Whole-text copies of streams in an output item: message parts, arguments, input, reasoning, code; and
 * the texts that never come as deltas at all (an MCP call's output, code interpreter logs, the arguments
 * of an MCP approval request), under stream ids of their own so the gateway inspects them whole.
 */
function pushItemSnapshots(out: StreamSlot[], item: Json, n: number, path: string): void {
  if (ANSWER_ITEMS_READ_AS_INPUT.has(item.type)) {
    // They never come as deltas: each text read whole, named by its place in the item (the same in
    // every event that repeats it), as a whole answer reads it.
    const texts: TextSlot[] = [];
    inputItemTexts(texts, item, path);
    for (const t of texts)
      out.push(new StreamView(t, "response", t.path, `output:${n}:${t.path.slice(path.length + 1)}`));
    return;
  }
  switch (item.type) {
    case "message":
      arrayOf(item.content).forEach((part, j) => {
        if (!isRecord(part)) return;
        const key = part.type === "refusal" ? "refusal" : "text";
        const p = indexPath(`${path}.content`, j);
        const from = out.length;
        pushStream(out, part, key, `output:${n}:content:${j}`, `${p}.${key}`);
        pushAnnotationSnapshots(out, part, `output:${n}:content:${j}`, p);
        scoredStreamBy(out, from, part);
      });
      return;
    case "mcp_call":
      pushStream(out, item, "arguments", `output:${n}:arguments`, `${path}.arguments`, true);
      pushStream(out, item, "output", `output:${n}:output`, `${path}.output`);
      pushStream(out, item, "error", `output:${n}:error`, `${path}.error`);
      return;
    case "apply_patch_call":
      if (isRecord(item.operation))
        pushStream(out, item.operation, "diff", `output:${n}:diff`, `${path}.operation.diff`);
      return;
    case "function_call":
    case "mcp_approval_request":
      pushStream(out, item, "arguments", `output:${n}:arguments`, `${path}.arguments`, true);
      return;
    case "custom_tool_call":
      pushStream(out, item, "input", `output:${n}:input`, `${path}.input`);
      return;
    case "local_shell_call":
    case "shell_call": {
      // The command to run, each value under its key, as a whole answer reads it; named by its place
      // in the action, the same in every event that repeats the item.
      const texts: TextSlot[] = [];
      pushJsonValue(texts, item, "action", "response", `${path}.action`);
      for (const t of texts)
        out.push(new StreamView(t, t.role, t.path, `output:${n}:action${t.path.slice(path.length + 7)}`));
      return;
    }
    case "local_shell_call_output":
      pushStream(out, item, "output", `output:${n}:output`, `${path}.output`);
      return;
    case "shell_call_output":
      arrayOf(item.output).forEach((o, k) => {
        if (!isRecord(o)) return;
        const p = indexPath(`${path}.output`, k);
        pushStream(out, o, "stdout", `output:${n}:output[${k}].stdout`, `${p}.stdout`);
        pushStream(out, o, "stderr", `output:${n}:output[${k}].stderr`, `${p}.stderr`);
      });
      return;
    case "reasoning":
      arrayOf(item.summary).forEach((part, j) => {
        if (isRecord(part))
          pushStream(out, part, "text", `output:${n}:summary:${j}`, `${path}.summary[${j}].text`);
      });
      arrayOf(item.content).forEach((part, j) => {
        if (isRecord(part))
          pushStream(out, part, "text", `output:${n}:reasoning:${j}`, `${path}.content[${j}].text`);
      });
      return;
    case "code_interpreter_call":
      pushStream(out, item, "code", `output:${n}:code`, `${path}.code`);
      arrayOf(item.outputs).forEach((o, j) => {
        if (isRecord(o) && o.type === "logs")
          pushStream(out, o, "logs", `output:${n}:logs:${j}`, `${indexPath(`${path}.outputs`, j)}.logs`);
      });
      return;
    default:
      return;
  }
}

/**
 * The whole-text copies an event carries: `.done` events, content and summary parts, output items and
 * the response objects of `response.*` events, each named by the stream it repeats.
 *
 * @example responsesStreamSnapshots({ data: { type: "response.output_text.done", output_index: 0, content_index: 0, text: "Hi" } })[0]!.path; // "text"
 */
export function responsesStreamSnapshots(event: WireEvent): StreamSlot[] {
  const d = event.data;
  const out: StreamSlot[] = [];
  const type = typeOf(event);
  if (type?.startsWith("response.") && isRecord(d.response) && d.output_index === undefined) {
    // response.created / in_progress / completed / incomplete / failed carry the whole response.
    arrayOf(d.response.output).forEach((item, i) => {
      if (isRecord(item)) pushItemSnapshots(out, item, i, `response.output[${i}]`);
    });
    return out;
  }
  const n = indexOf(d.output_index);
  if (n === undefined) return out;
  const ci = indexOf(d.content_index) ?? 0;
  const si = indexOf(d.summary_index) ?? 0;
  switch (type) {
    case "response.output_text.done":
      pushStream(out, d, "text", `output:${n}:content:${ci}`, "text");
      scoredStreamBy(out, 0, d);
      break;
    case "response.refusal.done":
      pushStream(out, d, "refusal", `output:${n}:content:${ci}`, "refusal");
      break;
    case "response.function_call_arguments.done":
    case "response.mcp_call_arguments.done":
      pushStream(out, d, "arguments", `output:${n}:arguments`, "arguments", true);
      break;
    case "response.custom_tool_call_input.done":
      pushStream(out, d, "input", `output:${n}:input`, "input");
      break;
    case "response.reasoning_summary_text.done":
      pushStream(out, d, "text", `output:${n}:summary:${si}`, "text");
      break;
    case "response.reasoning_text.done":
      pushStream(out, d, "text", `output:${n}:reasoning:${ci}`, "text");
      break;
    case "response.code_interpreter_call_code.done":
      pushStream(out, d, "code", `output:${n}:code`, "code");
      break;
    case "response.apply_patch_call_operation_diff.done":
      pushStream(out, d, "diff", `output:${n}:diff`, "diff");
      break;
    case "response.shell_call_command.added":
    case "response.shell_call_command.done":
      pushStream(out, d, "command", `output:${n}:${commandStream(d)}`, "command");
      break;
    case "response.shell_call_output_content.done":
      // Its `output` is read whole under names of its own: how it maps to the item's is not documented,
      // so a finding in it may be counted twice, never passed unread.
      arrayOf(d.output).forEach((o, k) => {
        if (!isRecord(o)) return;
        for (const key of ["stdout", "stderr"] as const)
          pushStream(
            out,
            o,
            key,
            `output:${n}:${outputStream(d, key)}:done[${k}]`,
            `${indexPath("output", k)}.${key}`,
          );
      });
      break;
    case "response.output_text.annotation.added":
      pushAnnotationSnapshot(
        out,
        d.annotation,
        indexOf(d.annotation_index) ?? 0,
        `output:${n}:content:${ci}`,
        "annotation",
      );
      break;
    case "response.content_part.added":
    case "response.content_part.done":
      if (isRecord(d.part)) {
        const part = d.part;
        if (part.type === "refusal")
          pushStream(out, part, "refusal", `output:${n}:content:${ci}`, "part.refusal");
        else if (part.type === "reasoning_text")
          pushStream(out, part, "text", `output:${n}:reasoning:${ci}`, "part.text");
        else {
          pushStream(out, part, "text", `output:${n}:content:${ci}`, "part.text");
          pushAnnotationSnapshots(out, part, `output:${n}:content:${ci}`, "part");
          scoredStreamBy(out, 0, part);
        }
      }
      break;
    case "response.reasoning_summary_part.added":
    case "response.reasoning_summary_part.done":
      if (isRecord(d.part)) pushStream(out, d.part, "text", `output:${n}:summary:${si}`, "part.text");
      break;
    case "response.output_item.added":
    case "response.output_item.done":
      if (isRecord(d.item)) pushItemSnapshots(out, d.item, n, "item");
      break;
    default:
      break;
  }
  return out;
}

/**
 * A copy of the delta event `like` carrying `text` instead (logprobs emptied: they were for the old text).
 *
 * @example responsesFlushEvent("output:0:content:0", "held", deltaEvent).event; // "response.output_text.delta"
 */
export function responsesFlushEvent(stream: string, text: string, like: WireEvent): SseEvent {
  const data = like.data;
  if (typeof data.delta !== "string" || !stream.startsWith(`output:${indexOf(data.output_index)}:`))
    throw new Error(`a Responses flush needs a delta event of ${stream} as its model`);
  const copy: Json = { ...data, delta: text };
  if (Array.isArray(data.logprobs)) copy.logprobs = [];
  const json = stringifyJson(copy);
  return like.event === undefined ? { data: json } : { event: like.event, data: json };
}
