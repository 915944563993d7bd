// What every wire format without streams says of streams, in one place (see `streamless`).
import type { WireFormat } from "./types.js";

/** The members of a wire format that are about streams: the same for every format that has none. */
type StreamMember =
  | "stream"
  | "streams"
  | "streamTexts"
  | "streamSnapshots"
  | "streamCitations"
  | "streamEnds"
  | "flushEvent"
  | "streamUsage";

/**
 * The members about code-execution containers: none of the formats without streams (token counts,
 * embeddings, a stored response's input items or deletion) runs code.
 */
type ContainerMember = "namedContainers" | "answerContainers" | "streamContainers";

/** Nor does any of them have the provider hold a conversation (token counts take no `thread`). */
type HeldMember = "heldConversation";

/** A format without streams, as it is written: what it reads of requests and answers, nothing of streams. */
export type StreamlessFormat = {
  readonly [K in Exclude<keyof WireFormat, StreamMember | ContainerMember | HeldMember>]: WireFormat[K];
};

/**
 * The wire format of an endpoint whose answers never come as a stream of events (token counts,
 * embeddings, a stored response's input items or deletion), from what it reads: a request never asks
 * for a stream, a stream event carries no text, usage or end, and an event stream sent for one anyway is
 * inspected as the text it is, never passed unread (`streams: false`). Built once per format, with its
 * members in the order of a format written out whole, so that all of them share one shape.
 *
 * @example streamless({ id: "openai-embeddings", family: "openai", ...rest }).streamTexts({ data: {} }); // []
 */
export function streamless(format: StreamlessFormat): WireFormat {
  const { id } = format;
  return {
    id,
    family: format.family,
    model: format.model,
    setModel: format.setModel,
    stream: () => false,
    streams: false,
    requestTexts: format.requestTexts,
    responseTexts: format.responseTexts,
    streamTexts: () => [],
    streamSnapshots: () => [],
    streamEnds: () => [],
    flushEvent(stream) {
      throw new Error(`${id} has no streams (asked to flush ${stream})`);
    },
    usage: format.usage,
    streamUsage: () => ({}),
  };
}
