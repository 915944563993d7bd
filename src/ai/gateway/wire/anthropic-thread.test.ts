import { describe, expect, it } from "vitest";
import { anthropicThread } from "./anthropic-thread.js";

describe("anthropicThread", () => {
  it("reads the answer a thread continues, and whether a request has the provider hold one", () => {
    expect(anthropicThread({ thread: { type: "continue", previous_message_id: "msg_1" } })).toEqual({
      continues: "msg_1",
    });
    expect(anthropicThread({ thread: { type: "create" } })).toEqual({ continues: null });
    // Whatever its type says, a previous message named is checked.
    expect(anthropicThread({ thread: { type: "fork", previous_message_id: "msg_2" } })).toEqual({
      continues: "msg_2",
    });
    for (const thread of [undefined, null, "msg_1", ["msg_1"]])
      expect(anthropicThread({ thread })).toBeNull();
  });
});
