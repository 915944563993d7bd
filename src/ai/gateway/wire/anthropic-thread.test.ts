import { describe, expect, it } from "vitest";
import { anthropicThread } from "./anthropic-thread.js";

describe("anthropicThread", () => {
  it("reads the answer a thread continues, and whether a request has the provider hold one", () => {
    expect(anthropicThread({ thread: { type: "continue", previous_message_id: "msg_1" } })).toEqual({
      continues: "msg_1",
      compares: null,
    });
    expect(anthropicThread({ thread: { type: "create" } })).toEqual({ continues: null, compares: null });
    // Whatever its type says, a previous message named is checked.
    expect(anthropicThread({ thread: { type: "fork", previous_message_id: "msg_2" } })).toEqual({
      continues: "msg_2",
      compares: null,
    });
    for (const thread of [undefined, null, "msg_1", ["msg_1"]])
      expect(anthropicThread({ thread })).toBeNull();
  });

  it("reads the answer cache diagnostics compare with; asking for diagnostics has the answer noted", () => {
    expect(anthropicThread({ diagnostics: { previous_message_id: "msg_3" } })).toEqual({
      continues: null,
      compares: "msg_3",
    });
    // Opting in on a first turn: nothing to compare with, but the answer is kept for the next one.
    for (const diagnostics of [{ previous_message_id: null }, {}])
      expect(anthropicThread({ diagnostics })).toEqual({ continues: null, compares: null });
    // A value that is no id is nobody's: "" (left out, not sent for the provider to read as it may).
    for (const previous of ["", 7, ["msg_3"], { id: "msg_3" }, true])
      expect(anthropicThread({ diagnostics: { previous_message_id: previous } })).toEqual({
        continues: null,
        compares: "",
      });
    expect(
      anthropicThread({
        thread: { type: "continue", previous_message_id: "msg_4" },
        diagnostics: { previous_message_id: "msg_5" },
      }),
    ).toEqual({ continues: "msg_4", compares: "msg_5" });
    for (const diagnostics of [null, "msg_3", ["msg_3"]]) expect(anthropicThread({ diagnostics })).toBeNull();
  });
});
