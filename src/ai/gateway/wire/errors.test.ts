import { describe, expect, it } from "vitest";
import { createSseParser, formatSseEvent } from "../sse.js";
import { errorBody, streamErrorEvent } from "./index.js";

describe("errorBody", () => {
  it("gives Anthropic's error type for each documented status", () => {
    const types = [400, 401, 403, 404, 413, 429, 500, 529, 418, 502].map(
      (status) => (errorBody("anthropic", status, "m").error as { type: string }).type,
    );
    expect(types).toEqual([
      "invalid_request_error",
      "authentication_error",
      "permission_error",
      "not_found_error",
      "request_too_large",
      "rate_limit_error",
      "api_error",
      "overloaded_error",
      "invalid_request_error",
      "api_error",
    ]);
    expect(errorBody("anthropic", 403, "Blocked by policy.", "blocked_by_policy")).toEqual({
      type: "error",
      error: {
        type: "permission_error",
        message: "Blocked by policy.",
        details: { error_code: "blocked_by_policy" },
      },
    });
  });

  it("gives OpenAI's error object with type, param and code", () => {
    expect(errorBody("openai", 401, "Incorrect API key provided.")).toEqual({
      error: {
        message: "Incorrect API key provided.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
    expect(errorBody("openai", 403, "Blocked.", "blocked_by_policy")).toEqual({
      error: { message: "Blocked.", type: "permission_error", param: null, code: "blocked_by_policy" },
    });
    expect((errorBody("openai", 500, "x").error as { type: string }).type).toBe("server_error");
  });
});

describe("streamErrorEvent", () => {
  it("is Anthropic's `error` event", () => {
    const text = formatSseEvent(streamErrorEvent("anthropic", 529, "Overloaded"));
    expect(text).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });

  it("is an OpenAI event both the chat and the Responses readers recognise", () => {
    const [ev] = createSseParser().push(
      formatSseEvent(streamErrorEvent("openai", 403, "Stopped.", "response_blocked")),
    );
    const data = JSON.parse(ev!.data) as Record<string, unknown>;
    expect(ev!.event).toBe("error");
    expect(data).toEqual({
      type: "error",
      error: { message: "Stopped.", type: "permission_error", param: null, code: "response_blocked" },
      message: "Stopped.",
      code: "response_blocked",
      param: null,
    });
  });
});
