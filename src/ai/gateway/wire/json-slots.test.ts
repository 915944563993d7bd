import { afterEach, describe, expect, it, vi } from "vitest";
import { createVault } from "../../inspect/index.js";
import { testInspector } from "../../inspect/testing.js";
import { wireFormat } from "./index.js";
import { restoreOwnText } from "./json-slots.js";
import type { TextSlot } from "./types.js";

const chat = wireFormat("openai-chat");
const messages = wireFormat("anthropic-messages");
const inspector = testInspector();

/** A chat request whose assistant turn called a tool with `args` (a JSON string). */
function chatCall(args: string): Record<string, unknown> {
  return {
    messages: [{ role: "assistant", tool_calls: [{ id: "c", function: { name: "f", arguments: args } }] }],
  };
}

/** An Anthropic request whose assistant turn used a tool with `input`. */
function toolUse(input: unknown): Record<string, unknown> {
  return { messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input }] }] };
}

/** What the gateway does with a request's slots when the policy redacts everything found. */
function redactAll(slots: readonly TextSlot[]): string[] {
  const vault = createVault();
  const types: string[] = [];
  for (const slot of slots) {
    const found = inspector.inspect(slot.text, slot.role);
    types.push(...found.map((d) => d.type));
    if (found.length > 0) slot.replace(vault.redact(slot.text, found));
  }
  return types;
}

const argumentsOf = (body: Record<string, unknown>): unknown =>
  JSON.parse(
    (body as { messages: { tool_calls: { function: { arguments: string } }[] }[] }).messages[0]!
      .tool_calls[0]!.function.arguments,
  );
const inputOf = (body: Record<string, unknown>): unknown =>
  (body as { messages: { content: { input: unknown }[] }[] }).messages[0]!.content[0]!.input;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("JSON values in requests are read with their keys", () => {
  it("shows strings and long numbers under their key, the other keys once each, and array strings alone", () => {
    const body = toolUse({
      password: "Tr0ub4dor-x9Qz-77aa",
      card: 4539148803436467,
      retries: 3,
      rows: [
        { id: 1, tags: ["a"] },
        { id: 2, tags: [] },
      ],
      empty: "",
    });
    expect(messages.requestTexts(body).map((s) => [s.path, s.text])).toEqual([
      ["messages[0].content[0].input.password", '"password": "Tr0ub4dor-x9Qz-77aa"'],
      ["messages[0].content[0].input.card", '"card": 4539148803436467'],
      ["messages[0].content[0].input", '"retries"\n"rows"\n"id"\n"tags"\n"empty"'],
      ["messages[0].content[0].input.rows[0].tags[0]", "a"],
    ]);
  });

  it("redacts a value under its key, a long number and a key, keeping the JSON valid", () => {
    const body = chatCall(
      JSON.stringify({
        password: "Tr0ub4dor-x9Qz-77aa",
        card: 4539148803436467,
        digits: [4539148803436467],
        owners: { "margaret.hamilton@apollo-guidance.com": { lead: true } },
        "grace.hopper@cobol-labs.io": "backup",
      }),
    );
    expect(redactAll(chat.requestTexts(body)).sort()).toEqual([
      "email",
      "email",
      "password",
      "payment-card",
      "payment-card",
    ]);
    expect(argumentsOf(body)).toEqual({
      password: "[SECRET_1]",
      card: "[CARD_1]",
      digits: ["[CARD_1]"],
      owners: { "[EMAIL_1]": { lead: true } },
      "[EMAIL_2]": "backup",
    });
  });

  it("reads an integer beyond 2^53 with the digits it was sent with, and keeps it when something else is redacted", () => {
    // A 19-digit card and a 64-bit id: as doubles they would read 4532015112830369000 and ...567000.
    // The card is found by its digits under its key; the id, 20 digits that pass no check, is kept.
    const body = chatCall(
      '{"card": 4532015112830369272, "order_id": 12345678901234567891, "owner": "grace.hopper@cobol-labs.io"}',
    );
    const slots = chat.requestTexts(body);
    expect(slots.map((s) => s.text)).toEqual([
      '"card": 4532015112830369272',
      '"order_id": 12345678901234567891',
      '"owner": "grace.hopper@cobol-labs.io"',
    ]);
    expect(redactAll(slots)).toEqual(["payment-card", "email"]);
    const args = (body as { messages: { tool_calls: { function: { arguments: string } }[] }[] }).messages[0]!
      .tool_calls[0]!.function.arguments;
    expect(args).toBe('{"card":"[CARD_1]","order_id":12345678901234567891,"owner":"[EMAIL_1]"}');
    expect(JSON.stringify(body)).toContain(JSON.stringify(args));
  });

  it("reads a value after its sibling name, as in a Kubernetes env list", () => {
    const body = toolUse({ env: [{ name: "DB_PASSWORD", value: "Tr0ub4dor-x9Qz-77aa" }] });
    const slots = messages.requestTexts(body);
    expect(slots.map((s) => s.text)).toEqual([
      '"env"',
      '"name": "DB_PASSWORD"',
      '"name": "DB_PASSWORD", "value": "Tr0ub4dor-x9Qz-77aa"',
    ]);
    expect(redactAll(slots)).toEqual(["password"]);
    expect(inputOf(body)).toEqual({ env: [{ name: "DB_PASSWORD", value: "[SECRET_1]" }] });

    // A finding that began in the sibling's name took the value's lead-in: the value is what follows
    // the name, never a copy of it.
    const value = slots[2]!;
    const context = value.text.slice(0, value.contextLength);
    expect(context).toBe('"name": "DB_PASSWORD", ');
    value.replace(`${context}[SECRET_2]"`);
    expect(inputOf(body)).toEqual({ env: [{ name: "DB_PASSWORD", "[REDACTED]": '[SECRET_2]"' }] });
  });

  it("puts placeholders back in keys JSON-escaped and in values as they are, so keys stay whole", () => {
    const vault = createVault();
    const original = 'pa"ss\\1\nend';
    const placeholder = vault.redact(original, [
      { dataClass: "secret", type: "password", start: 0, end: original.length, confidence: 1, hash: "h" },
    ]);
    // The model answered with the placeholder as a key, as a value, and as a key listed alone.
    const body = {
      content: [
        {
          type: "tool_use",
          id: "toolu_1",
          name: "t",
          input: { [placeholder]: placeholder, nested: { [placeholder]: { deep: 1 } } },
        },
      ],
    };
    for (const slot of messages.responseTexts(body)) {
      const own = slot.text.slice(slot.contextLength ?? 0);
      const back = restoreOwnText(slot, own, (t, encode) => vault.restore(t, encode));
      slot.replace(slot.text.slice(0, slot.contextLength ?? 0) + back);
    }
    expect(body.content[0]!.input).toEqual({ [original]: original, nested: { [original]: { deep: 1 } } });
  });

  it("renames a key to a free name, and withholds a key a finding crossed", () => {
    const input: Record<string, unknown> = { "[EMAIL_1]": "taken", "ada@lovelace-engines.io": "x" };
    const body = toolUse(input);
    const slots = messages.requestTexts(body);
    expect(slots.map((s) => s.text)).toEqual(['"[EMAIL_1]": "taken"', '"ada@lovelace-engines.io": "x"']);
    slots[1]!.replace('"[EMAIL_1]": "x"');
    expect(inputOf(body)).toEqual({ "[EMAIL_1]": "taken", "[EMAIL_1]_2": "x" });
    expect(slots[1]!.text).toBe('"[EMAIL_1]_2": "x"');

    // A finding over the key's closing quote: neither half can be told, so neither is sent.
    slots[0]!.replace('"[EMAIL_1][CONFIDENTIAL_1] "taken"');
    expect(inputOf(body)).toEqual({ "[EMAIL_1]_2": "x", "[REDACTED]": '"[EMAIL_1][CONFIDENTIAL_1] "taken"' });
  });

  it("renames every key of a key list, and withholds them all when a finding crossed a line", () => {
    const input = { a: { on: true }, b: { on: false }, c: [] };
    const body = toolUse(input);
    const [list] = messages.requestTexts(body);
    expect(list!.text).toBe('"a"\n"on"\n"b"\n"c"');
    list!.replace('"a"\n"on"\n"[SECRET_1]"\n"c"');
    expect(inputOf(body)).toEqual({ a: { on: true }, c: [], "[SECRET_1]": { on: false } });
    list!.replace('"a"\n"on"[X_1]"c"');
    expect(inputOf(body)).toEqual({
      "[REDACTED]": { "[REDACTED]": true },
      "[REDACTED]_2": { "[REDACTED]": false },
      "[REDACTED]_3": [],
    });
  });

  it("walks deeply nested objects without recursion, one key list for them all", () => {
    let deep: unknown = "the bottom";
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const slots = messages.requestTexts(toolUse(deep));
    expect(slots.map((s) => s.text)).toEqual(['"a"', '"a": "the bottom"']);
  });
});

describe("a JSON string in a request", () => {
  it("is read as it is when a key repeats: parsing keeps only the last value, the model reads both", () => {
    const args = '{"note":"ghp_Hq2Wm8Zr4Tn6Xv0Lb9Cd3Jf7Kg1Ps5Qa2Eu8","note":"hi"}';
    const slots = chat.requestTexts(chatCall(args));
    expect(slots.map((s) => s.text)).toEqual([args]);
    // Colons and escaped quotes inside strings are not members.
    expect(chat.requestTexts(chatCall('{"a":"x:y","b":{"c":"\\":"}}')).map((s) => s.text)).toEqual([
      '"a": "x:y"',
      '"b"',
      '"c": "":"',
    ]);
  });

  it("is serialized once, when the body is sent, however many of its values are redacted", () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ email: `user${i}@northwind-traders.io` }));
    const body = chatCall(JSON.stringify(rows));
    const slots = chat.requestTexts(body);
    const stringify = vi.spyOn(JSON, "stringify");
    redactAll(slots);
    // Quoting a key is fine; re-encoding the whole value per replacement would be quadratic.
    expect(stringify.mock.calls.filter(([v]) => typeof v === "object")).toEqual([]);
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect((argumentsOf(sent) as { email: string }[])[199]).toEqual({ email: "[EMAIL_200]" });
  });
});

describe("what the model reads in schemas", () => {
  it("reads enum, const, default and examples values, and grammar definitions, not property names", () => {
    const body = {
      tools: [
        {
          type: "function",
          function: {
            name: "f",
            parameters: {
              type: "object",
              properties: {
                enum: { type: "string", enum: ["a@northwind-traders.io", 4539148803436467, 7] },
                default: { type: "object", default: { token: "t" }, examples: ["x"], const: "c" },
              },
            },
          },
        },
        {
          type: "custom",
          custom: {
            name: "g",
            format: { type: "grammar", grammar: { syntax: "lark", definition: "start: /x/" } },
          },
        },
      ],
    };
    expect(chat.requestTexts(body).map((s) => [s.path, s.text])).toEqual([
      ["tools[0].function.name", "f"],
      ["tools[0].function.parameters.properties.enum.enum[0]", "a@northwind-traders.io"],
      ["tools[0].function.parameters.properties.enum.enum[1]", "4539148803436467"],
      ["tools[0].function.parameters.properties.default.default.token", '"token": "t"'],
      ["tools[0].function.parameters.properties.default.examples[0]", "x"],
      ["tools[0].function.parameters.properties.default.const", "c"],
      ["tools[1].custom.name", "g"],
      ["tools[1].custom.format.grammar.definition", "start: /x/"],
    ]);
  });

  it("redacts an enum value in place, and a number in it as its placeholder", () => {
    const schema = {
      type: "object",
      properties: { to: { enum: ["ada@lovelace-engines.io", 4539148803436467] } },
    };
    const body = { tools: [{ type: "function", function: { name: "f", parameters: schema } }] };
    redactAll(chat.requestTexts(body));
    expect(schema.properties.to.enum).toEqual(["[EMAIL_1]", "[CARD_1]"]);
  });
});
