import type { TextRole } from "../../inspect/types.js";
import type { SseEvent } from "../sse.js";
import { pushAnnotationSnapshots, pushAnnotations } from "./annotations.js";
import { citedBy } from "./citations.js";
import { stringifyJson } from "./json-parse.js";
import { MirroredStreamSlot } from "./slot-kinds.js";
import { pushJsonText } from "./json-slots.js";
import {
  arrayOf,
  indexPath,
  isRecord,
  indexOf,
  partialUsageOf,
  pushStream,
  pushString,
  scoredBy,
  scoredStreamBy,
  usageOf,
  type Json,
} from "./slots.js";
import type { StreamSlot, TextSlot, Usage, WireEvent } from "./types.js";

/**
 * The `choices` array shared by OpenAI's Chat Completions, legacy Completions and Mistral-style FIM:
 * a choice carries either a chat `message` / stream `delta` or a completion `text`. Each function here
 * accepts both shapes, because FIM providers answer in either and odd bodies must still be read.
 *
 * Stream ids: `choice:N` (content or completion text), `choice:N:refusal`, `choice:N:reasoning`
 * (`reasoning_content` / `reasoning`, sent by OpenAI-compatible reasoning models), `choice:N:tool:M`
 * (tool call M's arguments, a JSON fragment), `choice:N:function` (the legacy `function_call`),
 * `choice:N:audio` (a spoken answer's transcript) and `choice:N:text` (a chunk's `text` beside a delta
 * that is not a copy of its content).
 */

/**
 * Push slots for a chat message's `content`: a string, or text (and refusal) parts; media parts skipped.
 *
 * @example pushChatContent(out, { role: "user", content: [{ type: "text", text: "hi" }] }, "user", "messages[0]"); // out[0].path: "messages[0].content[0].text"
 */
export function pushChatContent(out: TextSlot[], message: Json, role: TextRole, path: string): void {
  const content = message.content;
  if (typeof content === "string") {
    // Tool results are often JSON: expose its values with their keys, decoded, like tool-call arguments.
    if (role === "tool-result") pushJsonText(out, message, "content", role, `${path}.content`);
    else pushString(out, message, "content", role, `${path}.content`);
    return;
  }
  arrayOf(content).forEach((part, j) => {
    if (!isRecord(part)) return;
    const p = indexPath(`${path}.content`, j);
    if (part.type === "refusal") pushString(out, part, "refusal", role, `${p}.refusal`);
    // image_url, input_audio and file parts are binary or references: never exposed.
    else if (part.type === undefined || part.type === "text")
      pushString(out, part, "text", role, `${p}.text`);
  });
}

/**
 * Push slots for what an assistant turn (request) or a response `message` says besides content.
 *
 * @example pushAssistantExtras(out, { refusal: "no" }, "assistant", "messages[1]"); // out[0].path: "messages[1].refusal"
 */
export function pushAssistantExtras(out: TextSlot[], message: Json, role: TextRole, path: string): void {
  pushString(out, message, "refusal", role, `${path}.refusal`);
  pushString(out, message, "reasoning_content", role, `${path}.reasoning_content`);
  pushString(out, message, "reasoning", role, `${path}.reasoning`);
  // A spoken answer's transcript (`modalities: ["audio"]`); the audio itself is not read.
  if (isRecord(message.audio)) pushString(out, message.audio, "transcript", role, `${path}.audio.transcript`);
  arrayOf(message.tool_calls).forEach((call, j) => {
    if (!isRecord(call)) return;
    const p = indexPath(`${path}.tool_calls`, j);
    if (isRecord(call.function))
      pushJsonText(out, call.function, "arguments", role, `${p}.function.arguments`);
    else if (isRecord(call.custom)) pushString(out, call.custom, "input", role, `${p}.custom.input`);
  });
  if (isRecord(message.function_call))
    pushJsonText(out, message.function_call, "arguments", role, `${path}.function_call.arguments`);
}

/**
 * Texts of a non-streaming response: each choice's message (content, refusal, reasoning, tool calls) or text.
 *
 * @example choiceResponseTexts({ choices: [{ message: { content: "Hi" } }] })[0]!.path; // "choices[0].message.content"
 */
export function choiceResponseTexts(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  arrayOf(body.choices).forEach((choice, i) => {
    if (!isRecord(choice)) return;
    const p = indexPath("choices", i);
    const from = out.length;
    if (isRecord(choice.message)) {
      const at = out.length;
      pushChatContent(out, choice.message, "response", `${p}.message`);
      // Citations point into a string content (the one slot it gives).
      if (typeof choice.message.content === "string") citedBy(out, at, choice.message);
      pushAssistantExtras(out, choice.message, "response", `${p}.message`);
      pushAnnotations(out, choice.message, "response", `${p}.message`);
    }
    pushString(out, choice, "text", "response", `${p}.text`);
    scoredBy(out, from, choice);
  });
  return out;
}

function choiceIndex(choice: Json, position: number): number {
  return indexOf(choice.index) ?? position;
}

/**
 * The text deltas of one stream chunk, per choice.
 *
 * @example choiceStreamTexts({ data: { choices: [{ index: 0, delta: { content: "Hi" } }] } })[0]!.stream; // "choice:0"
 */
export function choiceStreamTexts(event: WireEvent): StreamSlot[] {
  const out: StreamSlot[] = [];
  arrayOf(event.data.choices).forEach((choice, i) => {
    if (!isRecord(choice)) return;
    const n = choiceIndex(choice, i);
    const p = indexPath("choices", i);
    const from = out.length;
    const delta = choice.delta;
    if (!isRecord(delta)) pushStream(out, choice, "text", `choice:${n}`, `${p}.text`);
    else {
      pushDeltaTexts(out, delta, n, p);
      // Together repeats a chat delta's content as the choice's `text`: one text, read once, and the
      // copy written as the content is. Any other `text` beside a delta is read as a stream of its own.
      const copy = choice.text;
      if (typeof copy === "string" && copy.length > 0) {
        if (copy === delta.content) out[from] = new MirroredStreamSlot(out[from]!, choice, "text");
        else pushStream(out, choice, "text", `choice:${n}:text`, `${p}.text`);
      }
    }
    scoredStreamBy(out, from, choice);
  });
  return out;
}

/** A chat chunk's delta: content, refusal, reasoning, tool-call and function-call arguments. */
function pushDeltaTexts(out: StreamSlot[], delta: Json, n: number, p: string): void {
  if (typeof delta.content === "string")
    pushStream(out, delta, "content", `choice:${n}`, `${p}.delta.content`);
  else
    arrayOf(delta.content).forEach((part, j) => {
      if (isRecord(part) && (part.type === undefined || part.type === "text"))
        pushStream(out, part, "text", `choice:${n}`, `${p}.delta.content[${j}].text`);
    });
  pushStream(out, delta, "refusal", `choice:${n}:refusal`, `${p}.delta.refusal`);
  pushStream(out, delta, "reasoning_content", `choice:${n}:reasoning`, `${p}.delta.reasoning_content`);
  pushStream(out, delta, "reasoning", `choice:${n}:reasoning`, `${p}.delta.reasoning`);
  if (isRecord(delta.audio))
    pushStream(out, delta.audio, "transcript", `choice:${n}:audio`, `${p}.delta.audio.transcript`);
  arrayOf(delta.tool_calls).forEach((call, j) => {
    if (!isRecord(call) || !isRecord(call.function)) return;
    const m = indexOf(call.index) ?? j;
    const path = `${p}.delta.tool_calls[${j}].function.arguments`;
    pushStream(out, call.function, "arguments", `choice:${n}:tool:${m}`, path, true);
  });
  if (isRecord(delta.function_call))
    pushStream(
      out,
      delta.function_call,
      "arguments",
      `choice:${n}:function`,
      `${p}.delta.function_call.arguments`,
      true,
    );
}

/**
 * The whole texts of one stream chunk: the citations a chunk's delta carries (`annotations`, which
 * OpenAI's search models send in a chunk of their own), each under a stream id of its own.
 *
 * @example choiceStreamSnapshots({ data: { choices: [{ index: 0, delta: { annotations: [{ type: "url_citation", url_citation: { url: "https://a" } }] } }] } })[0]!.stream; // "choice:0:annotation:0:url"
 */
export function choiceStreamSnapshots(event: WireEvent): StreamSlot[] {
  const out: StreamSlot[] = [];
  arrayOf(event.data.choices).forEach((choice, i) => {
    if (isRecord(choice) && isRecord(choice.delta))
      pushAnnotationSnapshots(
        out,
        choice.delta,
        `choice:${choiceIndex(choice, i)}`,
        `${indexPath("choices", i)}.delta`,
      );
  });
  return out;
}

/**
 * `choice:N` for every choice the chunk finishes (a non-null `finish_reason`); nested streams end with it.
 *
 * @example choiceStreamEnds({ data: { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } }); // ["choice:0"]
 */
export function choiceStreamEnds(event: WireEvent): string[] {
  const out: string[] = [];
  arrayOf(event.data.choices).forEach((choice, i) => {
    if (isRecord(choice) && typeof choice.finish_reason === "string" && choice.finish_reason !== "")
      out.push(`choice:${choiceIndex(choice, i)}`);
  });
  return out;
}

/**
 * A chunk carrying `text` for `stream`: `like`'s envelope (id, object, created, model, fingerprint) with
 * one choice holding only that text, no finish reason and no usage, in `like`'s own shape (chat `delta`
 * or completion `text`).
 *
 * @example choiceFlushEvent("choice:0", "held", like).data; // '{"id":...,"choices":[{"index":0,"delta":{"content":"held"},...}]}'
 */
export function choiceFlushEvent(stream: string, text: string, like: WireEvent): SseEvent {
  const parts = stream.split(":");
  const n = Number(parts[1]);
  if (parts[0] !== "choice" || !Number.isInteger(n)) throw new Error(`not a choice stream: ${stream}`);
  const likeChoice = arrayOf(like.data.choices).find(
    (c, i): c is Json => isRecord(c) && choiceIndex(c, i) === n,
  );
  const envelope: Json = {};
  for (const [k, v] of Object.entries(like.data)) if (k !== "choices") envelope[k] = v;
  if ("usage" in envelope) envelope.usage = null;
  const choice: Json = { index: n };
  if (likeChoice && !isRecord(likeChoice.delta) && typeof likeChoice.text === "string") {
    choice.text = text;
  } else {
    const kind = parts[2];
    const likeDelta = likeChoice && isRecord(likeChoice.delta) ? likeChoice.delta : {};
    if (kind === undefined) choice.delta = { content: text };
    else if (kind === "refusal") choice.delta = { refusal: text };
    else if (kind === "reasoning")
      choice.delta = "reasoning_content" in likeDelta ? { reasoning_content: text } : { reasoning: text };
    else if (kind === "tool")
      choice.delta = { tool_calls: [{ index: Number(parts[3]), function: { arguments: text } }] };
    else if (kind === "function") choice.delta = { function_call: { arguments: text } };
    else if (kind === "audio") choice.delta = { audio: { transcript: text } };
    else if (kind === "text") {
      // A `text` beside a delta that is not its copy (see `choiceStreamTexts`).
      choice.delta = {};
      choice.text = text;
    } else throw new Error(`not a choice stream: ${stream}`);
  }
  choice.logprobs = null;
  choice.finish_reason = null;
  envelope.choices = [choice];
  const data = stringifyJson(envelope);
  return like.event === undefined ? { data } : { event: like.event, data };
}

/**
 * `usage.prompt_tokens` / `usage.completion_tokens`.
 *
 * @example choiceUsage({ usage: { prompt_tokens: 9, completion_tokens: 3 } }); // { input: 9, output: 3 }
 */
export function choiceUsage(body: Json): Usage {
  return usageOf(body.usage, "prompt_tokens", "completion_tokens");
}

/**
 * The same from a stream chunk (the final usage chunk of `stream_options.include_usage`).
 *
 * @example choiceStreamUsage({ data: { choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } } }); // { input: 9, output: 3 }
 */
export function choiceStreamUsage(event: WireEvent): Partial<Usage> {
  return partialUsageOf(event.data.usage, "prompt_tokens", "completion_tokens");
}
