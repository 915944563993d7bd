import type { SseEvent } from "../sse.js";
import type { WireFamily, WireId } from "./types.js";

/** Anthropic's error type for each status (its documented table); other statuses fall back by class. */
const ANTHROPIC_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  409: "conflict_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/** OpenAI's `error.type` and default `error.code` for each status, as its API sends them. */
function openaiType(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: "invalid_request_error", code: "invalid_api_key" };
  if (status === 403) return { type: "permission_error", code: null };
  if (status === 404) return { type: "invalid_request_error", code: null };
  if (status === 429) return { type: "rate_limit_error", code: "rate_limit_exceeded" };
  if (status === 503) return { type: "service_unavailable_error", code: null };
  if (status >= 500) return { type: "server_error", code: null };
  return { type: "invalid_request_error", code: null };
}

/**
 * The provider's own error body, so the official SDKs raise their typed errors (the SDKs pick the error
 * class from the HTTP status and read `message`, `type` and `code` from here). OpenAI:
 * `{ error: { message, type, param, code } }`; Anthropic: `{ type: "error", error: { type, message } }`
 * with the type matching the status (400 invalid_request_error, 401 authentication_error, 403
 * permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error, 500 api_error,
 * 529 overloaded_error; other 4xx invalid_request_error, other 5xx api_error) and `code`, when given, as
 * `error.details.error_code`, where the Anthropic SDK reads it.
 *
 * @example
 * errorBody("anthropic", 429, "Slow down.");
 * // { type: "error", error: { type: "rate_limit_error", message: "Slow down." } }
 */
export function errorBody(
  family: WireFamily,
  status: number,
  message: string,
  code?: string,
): Record<string, unknown> {
  if (family === "openai") {
    const t = openaiType(status);
    return { error: { message, type: t.type, param: null, code: code ?? t.code } };
  }
  const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  const error: Record<string, unknown> = { type, message };
  if (code !== undefined) error.details = { error_code: code };
  return { type: "error", error };
}

/**
 * The error event for a stream that already started (its 200 status is sent, so the error travels in the
 * stream). Anthropic: `event: error` with the error body, which its SDK raises as an `APIError`. OpenAI:
 * `event: error` with `{ type: "error", error: {...}, message, code, param }`: the Chat Completions
 * readers (the SDKs raise on any event whose data has `error`) and the Responses readers (which look for
 * an event of type `error` with `message` and `code`) both understand it.
 *
 * @example
 * formatSseEvent(streamErrorEvent("anthropic", 529, "Overloaded"));
 * // 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
 */
export function streamErrorEvent(
  family: WireFamily,
  status: number,
  message: string,
  code?: string,
): SseEvent {
  const body = errorBody(family, status, message, code);
  if (family === "anthropic") return { event: "error", data: JSON.stringify(body) };
  return { event: "error", data: JSON.stringify(openaiErrorEvent(body, message)) };
}

function openaiErrorEvent(body: Record<string, unknown>, message: string): Record<string, unknown> {
  const error = body.error as { code: string | null; param: null };
  return { type: "error", error, message, code: error.code, param: null };
}

/**
 * The events that end a started stream with an error: `streamErrorEvent`, and before it, for the
 * Responses API, a `response.failed` whose `response.error` says why. Codex reads only the latter (it
 * ignores `error` events, reports "stream closed before response.completed" and retries), so without it a
 * blocked answer would be asked again without the user being told why; the SDKs raise on the `error`
 * event. Only once `response.created` went out (`stream.responseOpened`): before it, the SDKs refuse any
 * other event. The Responses API numbers its events: these take the numbers after `stream.sequence`, the
 * last one sent, which they advance.
 *
 * @example streamFailureEvents({ id: "openai-responses", family: "openai" }, { responseOpened: true, sequence: 7 }, 403, "Blocked.", "response_blocked")[0]!.event; // "response.failed"
 */
export function streamFailureEvents(
  wire: { readonly id: WireId; readonly family: WireFamily },
  stream: { readonly responseOpened: boolean; sequence: number },
  status: number,
  message: string,
  code?: string,
): SseEvent[] {
  if (!wire.id.startsWith("openai-responses")) return [streamErrorEvent(wire.family, status, message, code)];
  const error = openaiErrorEvent(errorBody("openai", status, message, code), message);
  const numbered = (event: string, data: Record<string, unknown>): SseEvent => ({
    event,
    data: JSON.stringify({ ...data, sequence_number: ++stream.sequence }),
  });
  // Before `response.created` the SDKs accept no other event: the error event alone.
  if (!stream.responseOpened) return [numbered("error", error)];
  const failed = {
    type: "response.failed",
    response: {
      object: "response",
      status: "failed",
      error: { code: code ?? `http_${status}`, message },
      output: [],
    },
  };
  return [numbered("response.failed", failed), numbered("error", error)];
}
