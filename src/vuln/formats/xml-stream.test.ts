import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { SafeXmlReader, XmlContentError, type XmlHandlers, type XmlLimits } from "./xml-stream.js";

interface Event {
  readonly kind: "open" | "text" | "close";
  readonly value: string;
}

/** Read `xml` fed in chunks of `size` bytes; returns the events, with adjacent text pieces joined. */
function read(
  xml: string | Uint8Array,
  size = 13,
  limits: XmlLimits = {},
  handlers?: Partial<XmlHandlers>,
): Event[] {
  const events: Event[] = [];
  const reader = new SafeXmlReader(
    "t.xml",
    {
      open: (name, attributes) => {
        events.push({ kind: "open", value: `${name}${JSON.stringify(attributes)}` });
        handlers?.open?.(name, attributes, 0);
      },
      text: (text) => {
        const last = events[events.length - 1];
        if (last?.kind === "text") events[events.length - 1] = { kind: "text", value: last.value + text };
        else events.push({ kind: "text", value: text });
      },
      close: (name) => events.push({ kind: "close", value: name }),
    },
    limits,
  );
  const bytes = typeof xml === "string" ? new TextEncoder().encode(xml) : xml;
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  reader.end();
  return events;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isDetenteError(e, "INVALID_INPUT")) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("SafeXmlReader", () => {
  it("decodes only the five predefined entities and character references", () => {
    const events = read('<a t="&lt;&amp;&quot;">&gt;&apos;&#65;&#x1F600;<![CDATA[&amp;]]></a>');
    expect(events).toEqual([
      { kind: "open", value: 'a{"t":"<&\\""}' },
      { kind: "text", value: ">'A\u{1F600}&amp;" },
      { kind: "close", value: "a" },
    ]);
  });

  it("keeps UTF-8 characters whole across one-byte chunks and drops a BOM", () => {
    const bytes = new TextEncoder().encode("\uFEFF<r>Zürich — 日本 😀</r>");
    expect(read(bytes, 1)[1]).toEqual({ kind: "text", value: "Zürich — 日本 😀" });
  });

  it("rejects undefined entities and any DOCTYPE, even one without entities", () => {
    expect(errorOf(() => read("<r>\n  &lol9;</r>"))).toBe("t.xml: undefined entity at line 2, column 8");
    expect(errorOf(() => read("<!DOCTYPE r>\n<r/>"))).toMatch(
      /^t\.xml: DOCTYPE declarations are not allowed .* at line 1, column 1$/,
    );
    expect(errorOf(() => read("<r>&constructor;</r>"))).toBe("t.xml: undefined entity at line 1, column 16");
  });

  it("turns a handler's XmlContentError into an error at the current line", () => {
    const message = errorOf(() =>
      read(
        "<r>\n<bad/></r>",
        13,
        {},
        {
          open: (name) => {
            if (name === "bad") throw new XmlContentError("no bad elements here");
          },
        },
      ),
    );
    expect(message).toBe("t.xml: no bad elements here at line 2, column 6");
  });

  it("bounds node size, depth and attribute count", () => {
    const long = `<r>${"x".repeat(5000)}</r>`;
    expect(errorOf(() => read(long, 100, { maxNodeChars: 1000 }))).toMatch(
      /^t\.xml: a single XML node is longer than 1000 characters/,
    );
    expect(read(long, 100, { maxNodeChars: 10_000 })[1]?.value).toHaveLength(5000);
    expect(errorOf(() => read("<a><a><a><a></a></a></a></a>", 13, { maxDepth: 3 }))).toMatch(
      /^t\.xml: elements are nested more than 3 deep at line 1, column 12$/,
    );
    expect(errorOf(() => read('<a x="1" y="2" z="3"/>', 13, { maxAttributes: 2 }))).toMatch(
      /^t\.xml: an element has more than 2 attributes/,
    );
  });

  it("reports malformed and truncated documents with saxes' reason and the position", () => {
    expect(errorOf(() => read("<a><b></a>"))).toMatch(/^t\.xml: unexpected close tag at line 1, column 10$/);
    expect(errorOf(() => read("<a><b>text"))).toMatch(/^t\.xml: unclosed tag: b at line 1, column \d+$/);
    expect(errorOf(() => read(""))).toMatch(/^t\.xml: document must contain a root element/);
  });
});
