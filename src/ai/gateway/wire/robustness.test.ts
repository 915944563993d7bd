import { describe, expect, it } from "vitest";
import { wireFormat } from "./index.js";
import { aChatRequest, aClaudeCodeRequest, aCodexRequest, aContinueFimRequest } from "./testing.js";
import type { WireId } from "./types.js";

/** One event of each kind that carries text, from each streaming format. */
const STREAM_EVENTS: Record<string, unknown>[] = [
  {
    id: "c",
    object: "chat.completion.chunk",
    choices: [
      {
        index: 0,
        delta: { content: "a", tool_calls: [{ index: 0, function: { arguments: "{" } }] },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2 },
  },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{" } },
  { type: "message_start", message: { usage: { input_tokens: 1, output_tokens: 1 } } },
  { type: "response.output_text.delta", output_index: 0, content_index: 0, delta: "a", logprobs: [] },
  {
    type: "response.completed",
    response: {
      output: [
        { type: "message", content: [{ type: "output_text", text: "a" }] },
        { type: "function_call", arguments: "{}" },
      ],
      usage: { input_tokens: 1, output_tokens: 1 },
    },
  },
  {
    type: "response.output_item.done",
    output_index: 0,
    item: { type: "reasoning", summary: [{ type: "summary_text", text: "s" }] },
  },
  // Containers, named and told of.
  {
    type: "response.output_item.added",
    output_index: 0,
    item: { type: "shell_call", environment: { type: "container_reference", container_id: "cntr_1" } },
  },
  {
    type: "message_delta",
    delta: { stop_reason: "end_turn", container: { id: "container_1", expires_at: "x", skills: null } },
    tools: [
      { type: "code_interpreter", container: "cntr_2" },
      { type: "shell", environment: { type: "container_reference", container_id: "cntr_3" } },
    ],
    container: { id: "container_2", skills: [] },
  },
];

const IDS: WireId[] = [
  "openai-chat",
  "openai-responses",
  "openai-responses-stored",
  "openai-responses-input-items",
  "openai-responses-deleted",
  "openai-completions",
  "openai-fim",
  "openai-embeddings",
  "anthropic-messages",
  "anthropic-count-tokens",
];

/** A deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  2.5,
  "",
  "x",
  "{",
  '{"a":"b"}',
  [],
  [null],
  {},
  { type: "text" },
  [{}],
];

/** Every (container, key) in a JSON value: the places a mutation can hit. */
function places(value: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        stack.push(x);
      });
    } else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        out.push([v as Record<string, unknown>, k]);
        stack.push(x);
      }
    }
  }
  return out;
}

/** A copy of `body` with 1 to 3 values (anywhere, at any depth) replaced by odd ones or deleted. */
function mutate(body: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy = structuredClone(body);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const all = places(copy);
    if (all.length === 0) break;
    const [holder, key] = all[Math.floor(next() * all.length)]!;
    const value =
      next() < 0.15 ? undefined : structuredClone(ODD_VALUES[Math.floor(next() * ODD_VALUES.length)]);
    if (Array.isArray(holder)) holder[key as number] = value;
    else if (value === undefined) Reflect.deleteProperty(holder, key);
    else holder[key as string] = value;
  }
  return copy;
}

function exercise(id: WireId, body: Record<string, unknown>): number {
  const wire = wireFormat(id);
  let n = 0;
  wire.model(body);
  wire.stream(body);
  wire.usage(body);
  wire.namedContainers?.(body);
  wire.answerContainers?.(body);
  for (const slot of [...wire.requestTexts(body), ...wire.responseTexts(body)]) {
    slot.replace(`${slot.text}!`);
    n++;
  }
  for (const event of [{ data: body }, { event: String(body.type), data: body }]) {
    wire.streamUsage(event);
    wire.streamEnds(event);
    wire.streamSnapshots(event);
    wire.streamContainers?.(event);
    for (const slot of wire.streamTexts(event)) {
      wire.flushEvent(slot.stream, "x", event);
      n++;
    }
  }
  return n;
}

describe("every wire format, on odd but valid JSON", () => {
  it("never throws on realistic bodies and stream events with values broken anywhere", () => {
    const next = rng(20_261_201);
    const templates = [
      aClaudeCodeRequest(),
      aCodexRequest(),
      aChatRequest(),
      aContinueFimRequest(),
      // A stored response's input items, as `GET /v1/responses/{id}/input_items` lists them.
      { object: "list", data: aCodexRequest().input, first_id: "a", last_id: "b", has_more: false },
      ...STREAM_EVENTS,
    ];
    let slots = 0;
    for (let i = 0; i < 400; i++)
      for (const template of templates) {
        const body = mutate(template, next);
        for (const id of IDS) slots += exercise(id, body);
      }
    expect(slots).toBeGreaterThan(50_000); // the mutated bodies did reach the readers
  });

  it("returns fewer slots for missing fields, wrong types and null content", () => {
    const odd: Record<string, unknown>[] = [
      {},
      { messages: null, tools: "x", system: 5, input: 7, prompt: {} },
      {
        messages: [
          null,
          1,
          "s",
          [],
          { role: 5, content: 7 },
          { role: "user", content: [null, { type: "text", text: 5 }, { type: "image_url" }] },
        ],
      },
      {
        messages: [
          {
            role: "assistant",
            content: null,
            tool_calls: [null, { function: null }, { function: { arguments: 5 } }],
          },
        ],
      },
      { choices: [null, { delta: 5 }, { message: null }, { index: "0", delta: { content: ["a"] } }] },
      { type: "content_block_delta", index: "0", delta: { type: "text_delta", text: "x" } },
      { type: "response.output_text.delta", delta: "x" },
    ];
    for (const body of odd) for (const id of IDS) expect(() => exercise(id, body)).not.toThrow();
    expect(wireFormat("openai-chat").requestTexts(odd[2]!)).toEqual([]);
  });

  it("walks deeply nested tool input and huge arrays without running out of stack", () => {
    let deep: unknown = "the bottom";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const body = {
      messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: { deep } }] }],
    };
    const slots = wireFormat("anthropic-messages").requestTexts(body);
    expect(slots.map((s) => s.text)).toEqual(['"deep"', "the bottom"]);

    let nestedArgs = '"leaf"';
    for (let i = 0; i < 2000; i++) nestedArgs = `[${nestedArgs}]`;
    const chat = {
      messages: [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: nestedArgs } }] }],
    };
    expect(
      wireFormat("openai-chat")
        .requestTexts(chat)
        .map((s) => s.text),
    ).toEqual(["leaf"]);

    const many = {
      messages: Array.from({ length: 200_000 }, (_, i) => ({ role: "user", content: `m${i}` })),
    };
    expect(wireFormat("openai-chat").requestTexts(many)).toHaveLength(200_000);
  });

  it("rewrites a value under a __proto__ key (JSON.parse makes it an own property)", () => {
    const body = JSON.parse(
      '{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{\\"__proto__\\":\\"AKIA\\"}"}}]},{"role":"assistant","content":[]}]}',
    ) as Record<string, unknown>;
    const anthropic = JSON.parse('{"content":[{"type":"tool_use","input":{"__proto__":"AKIA"}}]}') as Record<
      string,
      unknown
    >;
    // Requests and answers show the value with its key.
    for (const [id, slots] of [
      ["openai-chat", wireFormat("openai-chat").requestTexts(body)],
      ["anthropic-messages", wireFormat("anthropic-messages").responseTexts(anthropic)],
    ] as const) {
      expect(
        slots.map((s) => s.text),
        id,
      ).toEqual(['"__proto__": "AKIA"']);
      slots[0]!.replace('"__proto__": "[SECRET]"');
    }
    expect(JSON.stringify(body)).toContain('{\\"__proto__\\":\\"[SECRET]\\"}');
    expect(JSON.stringify(anthropic)).toBe(
      '{"content":[{"type":"tool_use","input":{"__proto__":"[SECRET]"}}]}',
    );
  });
});
