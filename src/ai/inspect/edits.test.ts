import { describe, expect, it } from "vitest";
import { TextEdits } from "./edits.js";
import { createRestoreStream, createVault } from "./redact.js";

describe("TextEdits", () => {
  // "ab" + "XXXXXX" (masked as "[M]") + "cd" + "YY" (put back as "a longer value") + "ef"
  const edits = new TextEdits();
  edits.replaced(2, 8, 3);
  edits.replaced(10, 12, 14);

  it("moves an offset outside every span by the change of the spans before it", () => {
    expect([0, 2, 8, 9, 10, 12, 13].map((o) => edits.map(o, "start"))).toEqual([0, 2, 5, 6, 7, 21, 22]);
    expect(edits.map(13, "end")).toBe(22);
    expect(edits.shift).toBe(9);
  });

  it("moves an offset inside a span to the start or the end of its replacement", () => {
    expect(edits.map(4, "start")).toBe(2);
    expect(edits.map(4, "end")).toBe(5);
    expect(edits.map(11, "start")).toBe(7);
    expect(edits.map(11, "end")).toBe(21);
  });

  it("changes nothing when nothing was replaced", () => {
    expect(new TextEdits().map(7, "end")).toBe(7);
  });
});

describe("a restore stream's edits", () => {
  it("are at offsets into the whole stream, also for a placeholder split across chunks", () => {
    const vault = createVault();
    vault.redact("mail jane.doe@customer-mail.com", [
      { dataClass: "pii", type: "email", start: 5, end: 31, confidence: 1, hash: "h" },
    ]);
    const edits = new TextEdits();
    const restore = createRestoreStream(vault, { edits });
    const out = ["To [EMA", "IL_1] and ", "[EMAIL_1]."].map((c) => restore.push(c)).join("") + restore.end();
    expect(out).toBe("To jane.doe@customer-mail.com and jane.doe@customer-mail.com.");
    const source = "To [EMAIL_1] and [EMAIL_1].";
    const at = source.lastIndexOf("[EMAIL_1]");
    expect(out.slice(edits.map(at, "start"), edits.map(at + 9, "end"))).toBe("jane.doe@customer-mail.com");
    expect(edits.map(source.length, "end")).toBe(out.length);
  });
});
