import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createVault } from "../../inspect/redact.js";
import { OwnSlot, StringSlot, StringStreamSlot, ViewSlot } from "./slot-kinds.js";
import { aChatRequest, aClaudeCodeRequest, aCodexRequest, aContinueFimRequest, markAll } from "./testing.js";
import { wireFormat } from "./index.js";
import type { TextSlot, WireId } from "./types.js";

/**
 * Slots hold their text on a class (a field, or a getter on the prototype), never in a getter of their
 * own: built as object literals with their own getter closures, they kept every request's texts alive
 * until a full garbage collection under load (measured in docs/benchmarks.md). This guards every slot the
 * realistic requests produce.
 */
const requests: [WireId, () => Record<string, unknown>][] = [
  ["anthropic-messages", aClaudeCodeRequest],
  ["openai-responses", aCodexRequest],
  ["openai-fim", aContinueFimRequest],
  ["openai-chat", aChatRequest],
];

function ownGetter(slot: TextSlot): boolean {
  return typeof Object.getOwnPropertyDescriptor(slot, "text")?.get === "function";
}

describe("slot kinds", () => {
  it.each(requests)("%s: no slot of a realistic request has a getter of its own", (id, make) => {
    const body = make();
    const slots = wireFormat(id).requestTexts(body);
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.filter(ownGetter).map((s) => s.path)).toEqual([]);
    // Replacing still shows: each slot reads its replacement, and the body carries it.
    const marks = markAll(slots);
    expect(slots.map((s) => s.text)).toEqual(marks);
    const sent = JSON.stringify(body);
    const markers = marks.map((_, i) => `⟦${i}⟧`).filter((m, i) => marks[i]!.includes(m));
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.filter((m) => !sent.includes(m))).toEqual([]);
  });

  it("a string slot writes its replacement where the string was, under any key", () => {
    const holder = JSON.parse('{"__proto__": "secret", "content": "hello"}') as Record<string, unknown>;
    const slot = new StringSlot(holder, "__proto__", "user", "__proto__", "secret");
    slot.replace("[SECRET_1]");
    expect(slot.text).toBe("[SECRET_1]");
    expect(JSON.stringify(holder)).toBe('{"__proto__":"[SECRET_1]","content":"hello"}');
  });

  it("a stream slot says jsonFragment only when its text is a piece of JSON", () => {
    const delta = { content: "hi", arguments: '{"a":' };
    const text = new StringStreamSlot(delta, "content", "delta.content", "hi", "choice:0", false);
    const args = new StringStreamSlot(
      delta,
      "arguments",
      "delta.arguments",
      '{"a":',
      "choice:0:tool:0",
      true,
    );
    expect("jsonFragment" in text).toBe(false);
    expect(args.jsonFragment).toBe(true);
    expect([text.role, text.stream, args.stream]).toEqual(["response", "choice:0", "choice:0:tool:0"]);
  });

  it("an own slot writes a changed text once and keeps what its writer returns", () => {
    const writes: string[] = [];
    const slot = new OwnSlot(
      "tool-definition",
      "x",
      '"token": "abc"',
      (next) => {
        writes.push(next);
        return `"token": ${next}`;
      },
      9,
    );
    slot.replace('"token": "abc"');
    expect(writes).toEqual([]);
    slot.replace('"[SECRET_1]"');
    expect(writes).toEqual(['"[SECRET_1]"']);
    expect([slot.text, slot.contextLength]).toEqual(['"token": "[SECRET_1]"', 9]);
  });

  it("a slot or a vault printed (a debugging log) shows neither the body it writes into nor the originals", () => {
    const body = { content: "hello", other: "sk-live-not-for-logs" };
    const slot = new StringSlot(body, "content", "user", "content", "hello");
    expect(inspect(slot, { depth: 5 })).not.toContain("sk-live-not-for-logs");
    expect(Object.keys(slot)).toEqual(["role", "path"]);
    const vault = createVault();
    const text = "mail bob@acme.io";
    expect(
      vault.redact(text, [
        { dataClass: "pii", type: "email", start: 5, end: 16, confidence: 0.9, hash: "h" },
      ]),
    ).toBe("mail [EMAIL_1]");
    expect(inspect(vault, { depth: 5 })).not.toContain("bob@acme.io");
    expect(vault.size).toBe(1);
  });

  it("a view reads its source and replaces through it, then runs its follow-up", () => {
    const source = new StringSlot(["one"], 0, "tool-result", "x[0]", "one");
    let after = 0;
    const view = new ViewSlot(source, "user", "y", () => after++);
    expect([view.text, view.role, view.path]).toEqual(["one", "user", "y"]);
    view.replace("two");
    expect([view.text, source.text, after]).toEqual(["two", "two", 1]);
  });
});
