import { describe, expect, it } from "vitest";
import { wireFormat } from "./index.js";
import { aContinueFimRequest, diffPaths, markAll } from "./testing.js";
import { UnreadableInput } from "./token-ids.js";

const completions = wireFormat("openai-completions");
const fim = wireFormat("openai-fim");
const embeddings = wireFormat("openai-embeddings");

describe("openai-fim (a Continue autocomplete request)", () => {
  it("exposes the code before and after the cursor as user text, and nothing else", () => {
    const original = aContinueFimRequest();
    const body = aContinueFimRequest();
    const slots = fim.requestTexts(body);
    expect(slots.map((s) => [s.path, s.role])).toEqual([
      ["prompt", "user"],
      ["suffix", "user"],
    ]);
    expect(slots[0]!.text).toContain("postgres://app:hunter2@db.internal");
    markAll(slots);
    expect(diffPaths(original, JSON.parse(JSON.stringify(body)))).toEqual(["prompt", "suffix"]);
    expect(fim.model(body)).toBe("codestral-latest");
    expect(fim.stream(body)).toBe(true);
  });

  it("reads Mistral's chat-shaped answers and completion-shaped ones, whole and streamed", () => {
    const mistral = {
      choices: [{ index: 0, message: { role: "assistant", content: "  max: 10," }, finish_reason: "stop" }],
      usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 },
    };
    expect(fim.responseTexts(mistral).map((s) => [s.path, s.text])).toEqual([
      ["choices[0].message.content", "  max: 10,"],
    ]);
    expect(fim.usage(mistral)).toEqual({ input: 40, output: 5 });
    const textShaped = { choices: [{ index: 0, text: "  max: 10,", finish_reason: "stop" }] };
    expect(fim.responseTexts(textShaped).map((s) => s.path)).toEqual(["choices[0].text"]);

    const deltaChunk = {
      data: {
        id: "f",
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: { content: "max" }, finish_reason: null }],
      },
    };
    const textChunk = {
      data: { id: "f", object: "text_completion", choices: [{ index: 0, text: "max", finish_reason: null }] },
    };
    for (const chunk of [deltaChunk, textChunk]) {
      expect(fim.streamTexts(chunk).map((s) => [s.stream, s.text])).toEqual([["choice:0", "max"]]);
      const flush = JSON.parse(fim.flushEvent("choice:0", "tail", chunk).data) as Record<string, unknown>;
      expect(flush.object).toBe(chunk.data.object);
      expect(fim.streamTexts({ data: flush }).map((s) => [s.stream, s.text])).toEqual([["choice:0", "tail"]]);
    }
  });
});

describe("openai-completions", () => {
  it("reads a prompt string or a list of prompts, token ids decoded with the model's tokenizer", () => {
    // In cl100k_base (gpt-3.5-turbo-instruct's), ids 0, 1 and 2 are `!`, `"` and `#`.
    const model = "gpt-3.5-turbo-instruct";
    expect(
      completions
        .requestTexts({ model, prompt: ["a", [1, 2, 0], "b"], suffix: "" })
        .map((s) => [s.path, s.text]),
    ).toEqual([
      ["prompt[0]", "a"],
      ["prompt[2]", "b"],
      ["prompt[1]", '"#!'],
    ]);
    expect(completions.requestTexts({ model, prompt: [1, 2] }).map((s) => s.text)).toEqual(['"#']);
    // A redaction writes the text in place of the ids.
    const body = { model, prompt: [0, 1] };
    completions.requestTexts(body)[0]!.replace("[EMAIL_1]");
    expect(body.prompt).toBe("[EMAIL_1]");
    // Ids of a tokenizer detente does not have, or beyond the vocabulary, cannot be read.
    for (const unreadable of [
      { model: "my-llama", prompt: [1, 2] },
      { model, prompt: [1, 99_999_999] },
    ]) {
      const [slot] = completions.requestTexts(unreadable);
      expect(() => slot!.text).toThrow(UnreadableInput);
    }
  });

  it("reads choices' text and ends a choice on its finish reason", () => {
    const chunk = {
      data: {
        object: "text_completion",
        choices: [
          { index: 0, text: "", finish_reason: "length" },
          { index: 1, text: "x", finish_reason: null },
        ],
      },
    };
    expect(completions.streamTexts(chunk).map((s) => s.stream)).toEqual(["choice:1"]);
    expect(completions.streamEnds(chunk)).toEqual(["choice:0"]);
    expect(completions.responseTexts({ choices: [{ text: "out" }] })[0]!.role).toBe("response");
  });
});

describe("openai-embeddings", () => {
  it("inspects the inputs sent for embedding and has no texts or streams on the way back", () => {
    const body = {
      model: "text-embedding-3-small",
      input: ["alice@example.com", "", [1, 2]],
      encoding_format: "base64",
    };
    expect(embeddings.requestTexts(body).map((s) => [s.path, s.role, s.text])).toEqual([
      ["input[0]", "user", "alice@example.com"],
      ["input[2]", "user", '"#'],
    ]);
    expect(embeddings.requestTexts({ input: "one" }).map((s) => s.path)).toEqual(["input"]);
    expect(embeddings.stream({ stream: true })).toBe(false);
    expect(embeddings.usage({ usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({
      input: 8,
      output: null,
    });
    expect(embeddings.responseTexts({ data: [{ embedding: [0.1] }] })).toEqual([]);
    expect(() => embeddings.flushEvent("choice:0", "x", { data: {} })).toThrow();
  });
});
