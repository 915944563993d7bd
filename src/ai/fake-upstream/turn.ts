import { chunkText } from "./echo.js";

/** A cited span of the text said, as offsets, and the page it cites. */
export interface SaidCitation {
  readonly start: number;
  readonly end: number;
  readonly url: string;
  readonly title: string;
}

/**
 * What the fake model says in one turn: text (citing pages, when told), or one tool call with its
 * arguments as JSON text.
 */
export type Say =
  | { readonly kind: "text"; readonly text: string; readonly citations: readonly SaidCitation[] }
  | { readonly kind: "tool-call"; readonly name: string; readonly arguments: string };

/** Everything a reply builder needs about one turn, decided by the server before it builds. */
export interface Turn {
  /** Unique per server, for the provider ids (`chatcmpl-…`, `msg_…`). */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
  readonly say: Say;
  readonly chunkSize: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly body: Record<string, unknown>;
}

/** A stream in three parts: written at once, one piece per tick (`delayMs` apart), and at the end. */
export interface Streamed {
  readonly head: string;
  readonly chunks: readonly string[];
  readonly tail: string;
}

/**
 * One unnamed SSE event (Chat Completions style).
 *
 * @example sse({ a: 1 }); // 'data: {"a":1}\n\n'
 */
export function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * One named SSE event (Anthropic and Responses style).
 *
 * @example named("ping", { type: "ping" }); // 'event: ping\ndata: {"type":"ping"}\n\n'
 */
export function named(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The pieces a turn streams: the text, or the tool call's arguments JSON, in chunks.
 *
 * @example pieces({ ...turn, say: { kind: "text", text: "abcdef" }, chunkSize: 4 }); // ["abcd", "ef"]
 */
export function pieces(turn: Turn): string[] {
  const text = turn.say.kind === "text" ? turn.say.text : turn.say.arguments;
  return chunkText(text, turn.chunkSize);
}

/**
 * What a turn says as plain text (a tool call, on an endpoint without tools, says its arguments).
 *
 * @example plainText({ ...turn, say: { kind: "tool-call", name: "f", arguments: "{}" } }); // "{}"
 */
export function plainText(turn: Turn): string {
  return turn.say.kind === "text" ? turn.say.text : turn.say.arguments;
}

/**
 * The citations whose span ends in the piece that ends at `to` (and starts at `from`) of the text said:
 * what a stream sends right after that piece. The first piece also takes spans that end at 0.
 *
 * @example citedIn(turn, 0, 8); // the citations of a span that ends within the first 8 characters
 */
export function citedIn(turn: Turn, from: number, to: number): readonly SaidCitation[] {
  if (turn.say.kind !== "text") return [];
  return turn.say.citations.filter((c) => (from === 0 ? c.end >= 0 : c.end > from) && c.end <= to);
}
