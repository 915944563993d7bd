import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { createSseParser, formatSseEvent, type SseEvent } from "./sse.js";

function parseAll(chunks: readonly (string | Uint8Array)[], maxEventBytes?: number): SseEvent[] {
  const parser = createSseParser(maxEventBytes === undefined ? {} : { maxEventBytes });
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  out.push(...parser.end());
  return out;
}

const ANTHROPIC =
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  ": keep-alive comment\n\n" +
  'event: ping\ndata: {"type": "ping"}\n\n' +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Grüße 👋 日本"}}\n\n' +
  "id: 7\ndata: first line\ndata:second line\ndata\n\n" +
  "data: [DONE]\n\n";

const EXPECTED: SseEvent[] = [
  { event: "message_start", data: '{"type":"message_start"}' },
  { event: "ping", data: '{"type": "ping"}' },
  {
    event: "content_block_delta",
    data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Grüße 👋 日本"}}',
  },
  { id: "7", data: "first line\nsecond line\n" },
  { data: "[DONE]" },
];

describe("createSseParser", () => {
  it("parses named events, comments, ids and multi-line data", () => {
    expect(parseAll([ANTHROPIC])).toEqual(EXPECTED);
  });

  it("treats \\r\\n and \\r line ends like \\n", () => {
    expect(parseAll([ANTHROPIC.replaceAll("\n", "\r\n")])).toEqual(EXPECTED);
    expect(parseAll([ANTHROPIC.replaceAll("\n", "\r")])).toEqual(EXPECTED);
  });

  it("gives the same events however the bytes are split, multi-byte characters and \\r\\n pairs included", () => {
    for (const text of [ANTHROPIC, ANTHROPIC.replaceAll("\n", "\r\n"), ANTHROPIC.replaceAll("\n", "\r")]) {
      const bytes = new TextEncoder().encode(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(EXPECTED);
      }
      expect(parseAll(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(EXPECTED);
    }
  });

  it("does not keep a reference to the caller's buffer between pushes", () => {
    const parser = createSseParser();
    const buf = new TextEncoder().encode("data: hel");
    expect(parser.push(buf)).toEqual([]);
    buf.fill(0x78); // the caller reuses its buffer
    expect(parser.push("lo\n\n")).toEqual([{ data: "hello" }]);
  });

  it("follows the event-stream rules on odd fields", () => {
    const text =
      "\uFEFFdata: after a BOM\n\n" +
      "event: only-a-name\n\n" + // no data: not an event
      "data:\n\n" + // an empty data line is an event with empty data
      "data:  two spaces\n\n" + // only one space is removed
      "id: a\0b\ndata: x\n\n" + // an id with NUL is ignored
      "retry: 100\nfoo: bar\ndata: y\n\n";
    expect(parseAll([text])).toEqual([
      { data: "after a BOM" },
      { data: "" },
      { data: " two spaces" },
      { data: "x" },
      { data: "y" },
    ]);
  });

  it("returns an unterminated last event at the end", () => {
    expect(parseAll(['event: message_stop\ndata: {"type":"message_stop"}'])).toEqual([
      { event: "message_stop", data: '{"type":"message_stop"}' },
    ]);
    expect(parseAll(["data: x\n"])).toEqual([{ data: "x" }]);
    expect(parseAll([""])).toEqual([]);
  });

  it("throws an UPSTREAM error for a line or an event beyond the bound, even when it never ends", () => {
    const catchIt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const parser = createSseParser({ maxEventBytes: 1024 });
    parser.push("data: ");
    const e1 = catchIt(() => {
      for (let i = 0; i < 100; i++) parser.push("x".repeat(100)); // no line end, ever
    });
    expect(isDetenteError(e1, "UPSTREAM")).toBe(true);
    expect((e1 as Error).message).toContain("1024 bytes");

    const manyLines = "data: 0123456789\n".repeat(100) + "\n";
    expect(
      isDetenteError(
        catchIt(() => parseAll([manyLines], 1024)),
        "UPSTREAM",
      ),
    ).toBe(true);
    expect(parseAll([manyLines], 2048)).toHaveLength(1);
    expect(
      isDetenteError(
        catchIt(() => parseAll([`data: ${"y".repeat(2000)}\n\n`], 1024)),
        "UPSTREAM",
      ),
    ).toBe(true);
  });

  it("reads a long line delivered a byte at a time", () => {
    const parser = createSseParser();
    const line = `data: ${"z".repeat(200_000)}`;
    const bytes = new TextEncoder().encode(line);
    let early = 0;
    for (let i = 0; i < bytes.length; i++) early += parser.push(bytes.subarray(i, i + 1)).length;
    expect(early).toBe(0);
    const [ev] = parser.push("\n\n");
    expect(ev?.data.length).toBe(200_000);
  });
});

describe("formatSseEvent", () => {
  it("writes the event name, id and one data line per line of data", () => {
    expect(formatSseEvent({ data: '{"a":1}' })).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent({ event: "ping", id: "3", data: "a\nb\r\nc\rd" })).toBe(
      "event: ping\nid: 3\ndata: a\ndata: b\ndata: c\ndata: d\n\n",
    );
  });

  it("round-trips through the parser", () => {
    const events: SseEvent[] = [...EXPECTED, { data: "" }, { event: "x", data: "\n\nend\n" }];
    expect(parseAll([events.map(formatSseEvent).join("")])).toEqual(events);
  });

  it("refuses a name or id that would break the stream", () => {
    expect(() => formatSseEvent({ event: "a\nb", data: "" })).toThrow();
    expect(() => formatSseEvent({ id: "a\rb", data: "" })).toThrow();
  });
});
