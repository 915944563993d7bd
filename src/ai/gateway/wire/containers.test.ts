import { describe, expect, it } from "vitest";
import { wireFormat } from "./index.js";

const responses = wireFormat("openai-responses");
const messages = wireFormat("anthropic-messages");
const reference = (id: string) => ({ type: "container_reference", container_id: id });

describe("containers named and told of", () => {
  it("reads the containers a Responses request names by id, not those it lets the provider make", () => {
    const body = {
      tools: [
        { type: "code_interpreter", container: "cntr_1" },
        { type: "code_interpreter", container: { type: "auto", file_ids: ["file_1"] } },
        { type: "shell", environment: reference("cntr_2") },
        { type: "shell", environment: { type: "container_auto" } },
        { type: "shell", environment: { type: "local" } },
        { type: "function", name: "container", parameters: {} },
      ],
      input: [
        { type: "shell_call", call_id: "c1", action: { commands: ["ls"] }, environment: reference("cntr_3") },
        { type: "message", role: "user", content: "cntr_4" },
        { type: "code_interpreter_call", id: "ci_1", code: "ls", container_id: "cntr_5", outputs: [] },
      ],
    };
    expect(responses.namedContainers?.(body)).toEqual(["cntr_1", "cntr_2", "cntr_3", "cntr_5"]);
    expect(wireFormat("openai-responses-compact").namedContainers?.(body)).toHaveLength(4);
    // Counting tokens runs no code.
    expect("namedContainers" in wireFormat("openai-responses-input-tokens")).toBe(false);
  });

  it("reads the containers a Responses answer ran code in, whole, streamed and retrieved", () => {
    const output = [
      { type: "code_interpreter_call", id: "ci_1", container_id: "cntr_1" },
      { type: "shell_call", id: "sh_1", environment: reference("cntr_2") },
      { type: "code_interpreter_call", id: "ci_2", container_id: "cntr_1" },
      { type: "message", id: "msg_1", content: [] },
    ];
    expect(responses.answerContainers?.({ output })).toEqual(["cntr_1", "cntr_2"]);
    expect(wireFormat("openai-responses-stored").answerContainers?.({ output })).toEqual([
      "cntr_1",
      "cntr_2",
    ]);
    const completed = { type: "response.completed", response: { output } };
    expect(responses.streamContainers?.({ data: completed })).toEqual(["cntr_1", "cntr_2"]);
    const added = { type: "response.output_item.added", item: output[1] };
    expect(responses.streamContainers?.({ data: added })).toEqual(["cntr_2"]);
    const delta = { type: "response.code_interpreter_call_code.delta", delta: "cntr_9" };
    expect(responses.streamContainers?.({ data: delta })).toEqual([]);
  });

  it("reads an Anthropic request's container, an id or an object, and the one its answer used", () => {
    expect(messages.namedContainers?.({ container: "container_1" })).toEqual(["container_1"]);
    expect(messages.namedContainers?.({ container: { id: "container_2", skills: [] } })).toEqual([
      "container_2",
    ]);
    expect(messages.namedContainers?.({ container: { skills: [] } })).toEqual([]);
    expect(messages.namedContainers?.({ container: null })).toEqual([]);
    const container = { id: "container_3", expires_at: "2026-12-05T01:00:00Z", skills: null };
    expect(messages.answerContainers?.({ type: "message", container })).toEqual(["container_3"]);
    expect(messages.answerContainers?.({ type: "message", container: null })).toEqual([]);
    const start = { type: "message_start", message: { container } };
    const end = { type: "message_delta", delta: { stop_reason: "end_turn", container } };
    expect(messages.streamContainers?.({ data: start })).toEqual(["container_3"]);
    expect(messages.streamContainers?.({ data: end })).toEqual(["container_3"]);
    expect("namedContainers" in wireFormat("anthropic-count-tokens")).toBe(false);
  });
});
