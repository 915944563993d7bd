import type { OffsetSide } from "../../inspect/edits.js";
import type { TextRole } from "../../inspect/types.js";
import type { SseEvent } from "../sse.js";

/** The request/response formats the gateway speaks, one per endpoint. */
export type WireId =
  | "openai-chat"
  | "openai-responses"
  | "openai-responses-compact"
  | "openai-responses-input-tokens"
  | "openai-responses-stored"
  | "openai-responses-input-items"
  | "openai-responses-deleted"
  | "openai-completions"
  | "openai-fim"
  | "openai-embeddings"
  | "anthropic-messages"
  | "anthropic-count-tokens";

/** Which provider's conventions (auth header, error body, stream errors) a format follows. */
export type WireFamily = "openai" | "anthropic";

/**
 * A piece of text inside a parsed JSON body that the gateway may inspect and rewrite in place.
 * `replace` writes into the body object it was read from, so re-serializing the body sends the new text
 * and leaves everything else (images, signatures, unknown fields) as it was.
 */
export interface TextSlot {
  readonly role: TextRole;
  /**
   * The text as it is now (after a `replace`, the replacement). A request's JSON value is shown with its
   * key, `"password": "..."`, and a replacement of spans of it (redaction) changes the value, or renames
   * the key, accordingly: see json-slots.ts.
   */
  readonly text: string;
  replace(text: string): void;
  /** Where it is, for messages: "messages[3].content[0].text". */
  readonly path: string;
  /**
   * True when `text` is a piece of JSON source rather than a string value (a streamed tool call's
   * argument deltas): a replacement must be JSON-string-escaped so that the JSON stays valid.
   */
  readonly jsonFragment?: boolean;
  /**
   * True for text the provider signed (an Anthropic `thinking` block): it is inspected, so its findings
   * count (a block, the audit), but never changed, in a request or an answer, since the provider refuses
   * a thinking block whose text changed and a client resends the last one with every request.
   */
  readonly signed?: boolean;
  /**
   * How many leading characters of `text` are context shown to the detectors rather than this slot's own
   * text (the sibling `"name": "DB_PASSWORD", ` before a `value`): what is found entirely inside them is
   * the sibling's own slot's to report and redact, so the caller drops it here.
   */
  readonly contextLength?: number;
  /**
   * Where the slot's own text (after `contextLength`) holds JSON-quoted keys (json-slots.ts): `lead`, a
   * key and then its value (`"key": "value"`); `all`, keys only, one a line. A placeholder put back in a
   * key is JSON-escaped (see `restoreOwnText`), so that a restored quote, backslash or line break cannot
   * end the key early.
   */
  readonly quotedKeys?: "lead" | "all";
  /**
   * Offsets into this text held elsewhere in the body (the citations of a Chat Completions message or
   * of a Responses `output_text` part): whoever replaces spans of the text moves them with `remap`.
   */
  readonly citations?: Citations;
}

/**
 * Moves an offset into a text as the provider sent it to the same place in the text the gateway sends
 * (see `TextEdits` in src/ai/inspect/edits.ts).
 */
export interface OffsetMap {
  map(offset: number, side: OffsetSide): number;
}

/** The offsets of citations into one text, where they are in the body: see citations.ts. */
export interface Citations {
  /** Move each offset with `map`; true when one moved. */
  remap(map: OffsetMap): boolean;
  /** The largest offset (how much of the text must be known before they can be moved for good). */
  readonly reach: number;
}

/** Citations an answer's stream event carries, into the text of output stream `stream`. */
export interface StreamCitations extends Citations {
  readonly stream: string;
}

/**
 * Text carried by one stream event. `stream` names the output stream it belongs to so that deltas are
 * concatenated per stream: `choice:0` (a Chat Completions choice's content), `choice:0:refusal`,
 * `choice:0:reasoning`, `choice:0:tool:1` (tool call 1's arguments), `block:2` (Anthropic content block
 * 2), `output:1:content:0`, `output:1:arguments`, `output:0:summary:0` (Responses output items). Ids are
 * hierarchical: see `endsStream`.
 */
export interface StreamSlot extends TextSlot {
  /** Which output stream the text belongs to (choice index, content block index, output item), so deltas are concatenated per stream. */
  readonly stream: string;
}

/** Token counts as the provider reported them; null when it did not. */
export interface Usage {
  readonly input: number | null;
  readonly output: number | null;
}

/** One parsed stream event: the SSE event name (when the provider sends one) and the JSON-parsed data. */
export interface WireEvent {
  readonly event?: string;
  readonly data: Record<string, unknown>;
}

/**
 * Everything the gateway needs to know about one wire format, as pure functions of parsed JSON. None of
 * them throws on odd but valid JSON (missing fields, wrong types, null content, huge arrays): they
 * return fewer slots. Images, audio, files and other binary parts are never exposed, so they are never
 * touched. Tool arguments that are JSON (OpenAI's `arguments` strings, Anthropic's `input` objects) are
 * exposed leaf by leaf (`...arguments.command`), so a detector sees decoded text and a replacement is
 * re-encoded correctly; in requests each value is shown with its key (`"password": "..."`) and keys and
 * long numbers are read too (see json-slots.ts); an `arguments` string that is not valid JSON, or that
 * repeats a key, is one slot.
 *
 * @example
 * const wire = wireFormat("anthropic-messages");
 * for (const slot of wire.requestTexts(body)) if (slot.text.includes("AKIA")) slot.replace("[SECRET]");
 * const outgoing = JSON.stringify(body);
 */
export interface WireFormat {
  readonly id: WireId;
  readonly family: WireFamily;
  /** The model the client asked for, or undefined when absent/not a string. */
  model(body: Record<string, unknown>): string | undefined;
  setModel(body: Record<string, unknown>, model: string): void;
  stream(body: Record<string, unknown>): boolean;
  /**
   * Whether its answers can come as a stream of events the functions below read. An event stream sent
   * to a format without (embeddings, token counts) is inspected as the text it is, never passed unread.
   */
  readonly streams: boolean;
  /** Every text the model will read: system prompt, messages (string and content-part forms), tool definitions (name, description, JSON schema descriptions and enum, const, default and example values, grammars), structured-output schemas, tool calls' arguments, tool results (including MCP tool results sent in Anthropic format, nested content arrays), documents; images and other binary parts are skipped (never touched). Roles: system, user, assistant, tool-definition, tool-result. */
  requestTexts(body: Record<string, unknown>): TextSlot[];
  /** Texts of a non-streaming response body (message content, refusal, reasoning, tool-call arguments value by value with their keys) with role "response". */
  responseTexts(body: Record<string, unknown>): TextSlot[];
  /** The text deltas one parsed stream event carries (content deltas, tool-call argument deltas, thinking deltas). `data` is the JSON-parsed `data:` field. */
  streamTexts(event: WireEvent): StreamSlot[];
  /**
   * Whole-text copies of streams that an event repeats after (or instead of) the deltas: the Responses
   * API's `response.output_text.done` (`text`), `content_part.done`, `output_item.done` and the final
   * `response.completed` carry the complete text again. Each slot's `text` is the stream's full text as
   * the upstream sent it; the gateway replaces it with what it actually forwarded for that stream, so the
   * client's snapshot agrees with the deltas. Empty for formats that only send deltas.
   */
  streamSnapshots(event: WireEvent): StreamSlot[];
  /**
   * The citations an event carries with offsets into a stream's text (a Responses
   * `output_text.annotation.added`, the parts its snapshots repeat, a Chat Completions delta's
   * `annotations`): the offsets are into the text as the upstream sent it. Absent for formats without.
   */
  streamCitations?(event: WireEvent): readonly StreamCitations[];
  /** Streams (as in StreamSlot.stream) that end with this event, so the gateway can flush text it held back before forwarding it (Anthropic content_block_stop; OpenAI a choice with finish_reason; Responses output_text.done ...). An id also ends the streams nested under it (see `endsStream`). */
  streamEnds(event: WireEvent): string[];
  /** An extra stream event that carries `text` for `stream`, modelled on `like` (an event of that stream seen earlier, one `streamTexts` returned a slot of `stream` for), to flush held-back text. */
  flushEvent(stream: string, text: string, like: WireEvent): SseEvent;
  usage(body: Record<string, unknown>): Usage;
  /**
   * The code-execution containers a request names by id, to run in again (see containers.ts). Absent
   * for formats without containers, and for those that run no code (token counts).
   */
  namedContainers?(body: Record<string, unknown>): readonly string[];
  /** The containers a whole answer ran code in, by id. Absent for formats without. */
  answerContainers?(body: Record<string, unknown>): readonly string[];
  /** The containers a stream event tells of, by id. Absent for formats without. */
  streamContainers?(event: WireEvent): readonly string[];
  /**
   * For a request that has the provider keep something under the answer's id (Anthropic's `thread`, its
   * conversation; `diagnostics`, its prompt's fingerprint: see anthropic-thread.ts): the earlier answer
   * it continues, and the one whose prompt it has compared with its own, if any; null for one that keeps
   * nothing. Absent for formats without (the Responses API's `store` is read by the gateway itself).
   */
  heldConversation?(
    body: Record<string, unknown>,
  ): { continues: string | null; compares: string | null } | null;
  /** Token counts carried by a stream event (OpenAI's final usage chunk; Anthropic message_start/message_delta), if any. */
  streamUsage(event: WireEvent): Partial<Usage>;
}
