import type { IncomingHttpHeaders } from "node:http";

/** One request the fake upstream received (kept only when `recordRequests` is on). */
export interface FakeRequest {
  readonly method: string;
  /** The path with its query string, as sent: `/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body text. */
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/**
 * A web page the fake cites in its text, as OpenAI's web search does (`url_citation`): `cites` is the
 * cited span, its first occurrence in the text said, or `[start_index, end_index]` (UTF-16 offsets).
 */
export interface FakeCitation {
  readonly cites: string | readonly [number, number];
  readonly url: string;
  readonly title?: string;
}

/**
 * What the next model request gets instead of the default echo. `text`: the assistant says `text` (the
 * echo when absent), streamed in chunks of `chunkSize` characters, `delayMs` apart, citing pages as
 * OpenAI's web search does when `citations` are given (in a stream, each right after the chunk its span
 * ends in: a Chat Completions chunk of `annotations`, a Responses `output_text.annotation.added`). `tool-call`: the assistant calls
 * `name` with `arguments` (endpoints without tool calls, such as completions, say the arguments' JSON
 * instead). `error`: the provider's own error body with that status. `hang`: accept, send the headers
 * of a stream, and never finish (for cancellation and timeout tests).
 */
export type FakeReply =
  | {
      kind: "text";
      text?: string;
      chunkSize?: number;
      delayMs?: number;
      citations?: readonly FakeCitation[];
    }
  | { kind: "tool-call"; name: string; arguments: Record<string, unknown> }
  | { kind: "error"; status: number; message?: string }
  | { kind: "hang" };

/** A running fake upstream. */
export interface FakeUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request received: method, path (with query), headers, raw body text, parsed JSON. */
  readonly requests: readonly FakeRequest[];
  /** Responses the client abandoned before the end (a stream aborted half-way, a hung request given up). */
  readonly aborted: number;
  /** Program the next replies (a queue; when empty, the default echo). Each model request (a POST that passes the auth and JSON checks) takes one; a stored-response request takes an `error` or `hang` at the head of the queue. */
  respondWith(reply: FakeReply): void;
  /** Forget recorded requests, queued replies, stored responses and the abort count. */
  reset(): void;
  /** Stop listening and cut every open connection (hung ones included). */
  close(): Promise<void>;
}

/** Options of `startFakeUpstream`. */
export interface FakeUpstreamOptions {
  /** The port to listen on; default a free one. */
  port?: number;
  /** Keep every request in `requests` (default true); the benchmark turns it off so nothing is kept. */
  recordRequests?: boolean;
  /** Characters per streamed chunk when a reply does not say (default 8, about two tokens). */
  defaultChunkSize?: number;
  /** When set, only these API keys are accepted; otherwise any non-empty key is. */
  apiKeys?: readonly string[];
  /**
   * Whether a credential is required (default true). False makes it behave like a self-hosted
   * OpenAI-compatible server (Ollama, vLLM) that takes requests without a key; `anthropic-version` is
   * still required on the Anthropic endpoints.
   */
  requireAuth?: boolean;
}
