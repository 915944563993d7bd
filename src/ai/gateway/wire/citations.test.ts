import { describe, expect, it } from "vitest";
import { TextEdits } from "../../inspect/edits.js";
import { choiceStreamCitations, citationsOf, responsesStreamCitations } from "./citations.js";

// A 40-character token at 4 masked as a 23-character placeholder: offsets after it move back 17.
const edits = new TextEdits();
edits.replaced(4, 44, 23);

describe("citation offsets", () => {
  it("moves every kind of Responses annotation, and leaves what is not an offset", () => {
    const part = {
      annotations: [
        { type: "url_citation", start_index: 50, end_index: 60, url: "https://a.example" },
        { type: "container_file_citation", start_index: 10, end_index: 70, file_id: "f", container_id: "c" },
        { type: "file_citation", index: 80, file_id: "f", filename: "a.txt" },
        { type: "file_path", index: 2, file_id: "f" },
        { type: "something_else", index: 80 },
      ],
    };
    const citations = citationsOf(part)!;
    expect(citations.reach).toBe(80);
    expect(citations.remap(edits)).toBe(true);
    expect(part.annotations).toEqual([
      { type: "url_citation", start_index: 33, end_index: 43, url: "https://a.example" },
      // Starting inside the mask: from the mask's start.
      { type: "container_file_citation", start_index: 4, end_index: 53, file_id: "f", container_id: "c" },
      { type: "file_citation", index: 63, file_id: "f", filename: "a.txt" },
      { type: "file_path", index: 2, file_id: "f" },
      { type: "something_else", index: 80 },
    ]);
    expect(citations.remap(new TextEdits())).toBe(false);
  });

  it("reads Chat Completions' nested url_citation, and none where there is nothing to move", () => {
    const message = {
      annotations: [{ type: "url_citation", url_citation: { start_index: 44, end_index: 50 } }],
    };
    citationsOf(message)!.remap(edits);
    expect(message.annotations[0]!.url_citation).toEqual({ start_index: 27, end_index: 33 });
    expect(citationsOf({ annotations: [] })).toBeUndefined();
    expect(
      citationsOf({ annotations: [{ type: "url_citation", url: "https://a.example" }] }),
    ).toBeUndefined();
  });

  it("names the stream a stream event's citations point into", () => {
    const annotation = { type: "url_citation", start_index: 1, end_index: 2 };
    const added = {
      type: "response.output_text.annotation.added",
      output_index: 1,
      content_index: 2,
      annotation_index: 0,
      annotation,
    };
    expect(responsesStreamCitations({ data: added }).map((c) => c.stream)).toEqual(["output:1:content:2"]);
    const completed = {
      type: "response.completed",
      response: {
        output: [{ type: "message", content: [{ type: "output_text", annotations: [annotation] }] }],
      },
    };
    expect(responsesStreamCitations({ data: completed }).map((c) => c.stream)).toEqual([
      "output:0:content:0",
    ]);
    const delta = { type: "response.output_text.delta", output_index: 0, content_index: 0, delta: "x" };
    expect(responsesStreamCitations({ data: delta })).toHaveLength(0);
    const chunk = {
      choices: [{ index: 3, delta: { annotations: [{ type: "url_citation", url_citation: annotation }] } }],
    };
    expect(choiceStreamCitations({ data: chunk }).map((c) => c.stream)).toEqual(["choice:3"]);
  });
});
