import { describe, expect, it } from "vitest";
import { createSseParser } from "../sse.js";
import { wireFormat } from "./index.js";
import { aChatRequest, diffPaths, markAll, markedPaths, TINY_PNG_BASE64 } from "./testing.js";
import type { StreamSlot, WireEvent } from "./types.js";

const chat = wireFormat("openai-chat");

function events(transcript: string): WireEvent[] {
  const parser = createSseParser();
  return [...parser.push(transcript), ...parser.end()]
    .filter((e) => e.data !== "[DONE]")
    .map((e) => ({ data: JSON.parse(e.data) as Record<string, unknown> }));
}

/** Concatenate the deltas of a stream, per stream id, as the gateway does. */
function concat(evs: readonly WireEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ev of evs) for (const s of chat.streamTexts(ev)) out[s.stream] = (out[s.stream] ?? "") + s.text;
  return out;
}

describe("openai-chat requests", () => {
  it("finds every text the model reads, with its role, and skips the image", () => {
    const slots = chat.requestTexts(aChatRequest());
    expect(slots.map((s) => [s.path, s.role])).toEqual([
      ["messages[0].content", "system"],
      ["messages[1].content[0].text", "user"],
      ["messages[2].tool_calls[0].function.arguments.path", "assistant"],
      ["messages[2].tool_calls[0].function.arguments", "assistant"],
      ["messages[3].content", "tool-result"],
      ["tools[0].function.name", "tool-definition"],
      ["tools[0].function.description", "tool-definition"],
      ["tools[0].function.parameters.properties.path.description", "tool-definition"],
    ]);
    expect(slots[1]!.text).toContain("jane.doe@example.com");
    // An argument is read with its key; the keys over lists (and other non-values) are read together.
    expect(slots[2]!.text).toBe('"path": "src/app.ts"');
    expect(slots[3]!.text).toBe('"lines"');
  });

  it("rewrites each slot in place and leaves everything else, images included, as it was", () => {
    const original = aChatRequest();
    const body = aChatRequest();
    const slots = chat.requestTexts(body);
    const markers = markAll(slots);
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect(chat.requestTexts(sent).map((s) => s.text)).toEqual(markers);
    // The tool call arguments are one JSON string: it changes as a whole and stays valid JSON.
    const changed = diffPaths(original, sent);
    expect(changed).toEqual(
      markedPaths(slots).map((p) => p.replace("function.arguments.path", "function.arguments")),
    );
    const args = (sent.messages as { tool_calls?: { function: { arguments: string } }[] }[])[2]!
      .tool_calls![0]!;
    expect(JSON.parse(args.function.arguments)).toEqual({ path: "⟦2⟧", lines: [1, 40] });
    expect(JSON.stringify(sent)).toContain(`"url":"data:image/png;base64,${TINY_PNG_BASE64}"`);
  });

  it("reads developer messages, refusals, legacy functions and predicted output", () => {
    const body = {
      messages: [
        { role: "developer", content: [{ type: "text", text: "rules" }] },
        {
          role: "assistant",
          content: [{ type: "refusal", refusal: "no" }],
          function_call: { name: "f", arguments: "not json" },
        },
        { role: "function", name: "f", content: "result" },
      ],
      functions: [{ name: "f", description: "does f", parameters: { type: "object", properties: {} } }],
      prediction: { type: "content", content: "const x = 1;" },
    };
    expect(chat.requestTexts(body).map((s) => [s.path, s.role, s.text])).toEqual([
      ["messages[0].content[0].text", "system", "rules"],
      ["messages[1].content[0].refusal", "assistant", "no"],
      ["messages[1].function_call.arguments", "assistant", "not json"],
      ["messages[2].content", "tool-result", "result"],
      ["functions[0].name", "tool-definition", "f"],
      ["functions[0].description", "tool-definition", "does f"],
      ["prediction.content", "user", "const x = 1;"],
    ]);
  });

  it("knows the model and the stream flag, and changes the model", () => {
    const body = aChatRequest();
    expect(chat.model(body)).toBe("gpt-4.1");
    expect(chat.stream(body)).toBe(true);
    chat.setModel(body, "gpt-4o-mini");
    expect(body.model).toBe("gpt-4o-mini");
    expect(chat.model({ model: 4 })).toBeUndefined();
    expect(chat.stream({ stream: "yes" })).toBe(false);
  });
});

describe("openai-chat responses", () => {
  const response = () => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Use the vault.",
          refusal: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "run", arguments: '{"cmd":"ls -la","env":{"TOKEN":"x"}}' },
            },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 120, completion_tokens: 18, total_tokens: 138 },
  });

  it("exposes content and each value of the tool call arguments with its key", () => {
    const body = response();
    const slots = chat.responseTexts(body);
    expect(slots.map((s) => [s.path, s.role, s.text])).toEqual([
      ["choices[0].message.content", "response", "Use the vault."],
      ["choices[0].message.tool_calls[0].function.arguments.cmd", "response", '"cmd": "ls -la"'],
      ["choices[0].message.tool_calls[0].function.arguments", "response", '"env"'],
      ["choices[0].message.tool_calls[0].function.arguments.env.TOKEN", "response", '"TOKEN": "x"'],
    ]);
    slots[3]!.replace('"TOKEN": "a "quoted"\nsecret"');
    const args = body.choices[0]!.message.tool_calls[0]!.function.arguments;
    expect(JSON.parse(args)).toEqual({ cmd: "ls -la", env: { TOKEN: 'a "quoted"\nsecret' } });
    expect(chat.usage(body)).toEqual({ input: 120, output: 18 });
  });
});

describe("openai-chat citations", () => {
  const citation = () => ({
    type: "url_citation",
    url_citation: { url: "https://a.example/?k=1", title: "Page A", start_index: 0, end_index: 4 },
  });
  // As some compatible servers send it: the URL at the top too, and the page's excerpt.
  const fuller = () => ({
    ...citation(),
    url: "https://b.example/",
    url_citation: { ...citation().url_citation, content: "Excerpt." },
  });

  it("reads a whole answer's cited URLs and titles, and rewrites them in place", () => {
    const body = {
      choices: [
        { index: 0, message: { role: "assistant", content: "Page A says so.", annotations: [citation()] } },
      ],
    };
    const slots = chat.responseTexts(body);
    expect(slots.map((s) => [s.path, s.text])).toEqual([
      ["choices[0].message.content", "Page A says so."],
      ["choices[0].message.annotations[0].url_citation.url", "https://a.example/?k=1"],
      ["choices[0].message.annotations[0].url_citation.title", "Page A"],
    ]);
    expect(
      chat
        .responseTexts({ choices: [{ message: { content: "x", annotations: [fuller()] } }] })
        .map((s) => s.path.replace("choices[0].message.annotations[0].", "")),
    ).toEqual([
      "choices[0].message.content",
      "url",
      "url_citation.url",
      "url_citation.title",
      "url_citation.content",
    ]);
    slots[1]!.replace("https://a.example/?k=[REDACTED]");
    expect(body.choices[0]!.message.annotations[0]!.url_citation).toMatchObject({
      url: "https://a.example/?k=[REDACTED]",
      start_index: 0,
    });
  });

  it("reads the citations a stream chunk carries as whole texts of their own", () => {
    const ev: WireEvent = {
      data: { choices: [{ index: 1, delta: { annotations: [citation()] }, finish_reason: null }] },
    };
    expect(chat.streamTexts(ev)).toEqual([]);
    expect(chat.streamSnapshots(ev).map((s) => [s.stream, s.path, s.text])).toEqual([
      [
        "choice:1:annotation:0:url_citation.url",
        "choices[0].delta.annotations[0].url_citation.url",
        "https://a.example/?k=1",
      ],
      [
        "choice:1:annotation:0:url_citation.title",
        "choices[0].delta.annotations[0].url_citation.title",
        "Page A",
      ],
    ]);
  });
});

describe("openai-chat streams", () => {
  const transcript = [
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"run","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"cmd\\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"ls\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}',
    "data: [DONE]",
    "",
  ].join("\n\n");

  it("concatenates content and tool-call argument deltas per stream", () => {
    const evs = events(transcript);
    expect(concat(evs)).toEqual({ "choice:0": "Hello", "choice:0:tool:0": '{"cmd":"ls"}' });
    const toolSlot = evs.flatMap((e) => chat.streamTexts(e)).find((s) => s.stream === "choice:0:tool:0");
    expect(toolSlot?.jsonFragment).toBe(true);
    expect(evs.map((e) => chat.streamEnds(e))).toEqual([[], [], [], [], [], [], ["choice:0"], []]);
    expect(evs.map((e) => chat.streamUsage(e)).at(-1)).toEqual({ input: 9, output: 12 });
    expect(chat.streamUsage(evs[1]!)).toEqual({});
  });

  it("rewrites a delta in place", () => {
    const ev = events(transcript)[1]!;
    chat.streamTexts(ev)[0]!.replace("Bye");
    expect(JSON.stringify(ev.data)).toContain('"delta":{"content":"Bye"}');
  });

  it("writes flush events that read back as the same stream and text", () => {
    const evs = events(transcript);
    const check = (like: WireEvent, slot: StreamSlot) => {
      const flush = chat.flushEvent(slot.stream, "held back", like);
      expect(flush.event).toBeUndefined();
      const data = JSON.parse(flush.data) as Record<string, unknown>;
      expect(data).toMatchObject({
        id: "c1",
        object: "chat.completion.chunk",
        model: "gpt-4.1",
        usage: null,
      });
      const back = chat.streamTexts({ data });
      expect(back.map((s) => [s.stream, s.text])).toEqual([[slot.stream, "held back"]]);
      expect(chat.streamEnds({ data })).toEqual([]);
    };
    check(evs[1]!, chat.streamTexts(evs[1]!)[0]!);
    check(evs[4]!, chat.streamTexts(evs[4]!)[0]!);
  });

  it("keeps reasoning and refusal deltas in their own streams", () => {
    const ev = { data: { choices: [{ index: 1, delta: { reasoning_content: "hmm", refusal: "no" } }] } };
    expect(chat.streamTexts(ev).map((s) => [s.stream, s.text])).toEqual([
      ["choice:1:refusal", "no"],
      ["choice:1:reasoning", "hmm"],
    ]);
    const flush = JSON.parse(chat.flushEvent("choice:1:reasoning", "more", ev).data) as {
      choices: unknown[];
    };
    expect(flush.choices[0]).toEqual({
      index: 1,
      delta: { reasoning_content: "more" },
      logprobs: null,
      finish_reason: null,
    });
  });
});
