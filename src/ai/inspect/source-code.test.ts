import { describe, expect, it } from "vitest";
import { createStreamInspector } from "./stream.js";
import { testInspector } from "./testing.js";
import { type Detection, isSourceCodeDetection } from "./types.js";

const inspector = testInspector({ secrets: false, pii: false, injection: false });

function blocks(text: string, role: "user" | "response" = "user") {
  return inspector
    .inspect(text, role)
    .filter(isSourceCodeDetection)
    .map((d) => ({ code: text.slice(d.start, d.end), language: d.language }));
}

const PYTHON = `def load(path):
    with open(path) as f:
        data = json.load(f)
    if not data:
        raise ValueError("empty")
    return data`;

const JAVASCRIPT = `export async function fetchUser(id) {
  const res = await fetch(\`/api/users/\${id}\`);
  if (!res.ok) throw new Error(res.statusText);
  return res.json();
}`;

const GO = `func (s *Server) Get(ctx context.Context, id string) (*Item, error) {
	item, err := s.store.Load(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	return item, nil
}`;

describe("source code", () => {
  it("reports a tagged fence left open at the end of the text up to the end", () => {
    const text = `Here is my client:\n\n\`\`\`javascript\n${JAVASCRIPT}\n`;
    expect(blocks(text)).toEqual([{ code: JAVASCRIPT, language: "javascript" }]);
    expect(blocks("```python\n")).toEqual([]);
  });

  it("finds one block per code region in a prompt, with its language", () => {
    const text = `Why does this fail?\n\n${PYTHON}\n\nIt raises on the second call. Here is the client:\n\n${JAVASCRIPT}\n\nThanks!`;
    expect(blocks(text)).toEqual([
      { code: PYTHON, language: "python" },
      { code: JAVASCRIPT, language: "javascript" },
    ]);
  });

  it("takes the language of a fenced block from its tag", () => {
    const text = `Look:\n\n\`\`\`go\n${GO}\n\`\`\`\n\nand tell me.`;
    expect(blocks(text)).toEqual([{ code: GO, language: "go" }]);
    const untagged = `\`\`\`\n${GO}\n\`\`\``;
    expect(blocks(untagged)).toEqual([{ code: GO, language: "go" }]);
  });

  it("does not flag a one-line mention, prose, lists or tables", () => {
    for (const text of [
      "Call `fetchUser(id)` and check the result; it should return the user.",
      "First, install the package. Then run the tests. Finally, open a pull request for review.",
      "- item one\n- item two\n- item three\n- item four",
      "| name | value |\n|------|-------|\n| a | 1 |\n| b | 2 |",
      "Dear team,\n\nThe release is on Friday.\nPlease review the notes.\nThanks,\nAna",
    ]) {
      expect(blocks(text), text).toEqual([]);
    }
  });

  it("keeps a block across blank lines and comments", () => {
    const code = "int main(void) {\n  // set up\n\n  init();\n  run();\n  return 0;\n}";
    expect(blocks(`Here:\n${code}\nDone.`)).toEqual([{ code, language: "c" }]);
  });

  it("gives the guessed language however the detection is read: property, spread, JSON, moved by a stream", () => {
    const text = `Why does this fail?\n\n${PYTHON}\n\nThanks!`;
    const [d] = inspector.inspect(text, "user").filter(isSourceCodeDetection);
    expect({ ...d }).toMatchObject({ type: "source-code", language: "python" });
    expect(JSON.parse(JSON.stringify(d))).toMatchObject({ language: "python", hash: d!.hash });
    expect(d!.language).toBe("python");
    // A block with no telling word or fragment has no language, and JSON does not name one.
    const plain = "x = 1;\ny = 2;\nz = x + y;";
    const [none] = inspector.inspect(plain, "user").filter(isSourceCodeDetection);
    expect(none).toBeDefined();
    expect(none!.language).toBeUndefined();
    expect(JSON.stringify(none)).not.toContain("language");
    // In a stream, a block found after the first window is moved to offsets into the whole stream.
    const stream = createStreamInspector(inspector, { role: "assistant", lookBack: 64 });
    const found: Detection[] = [];
    const filler = "Some words to move the window along. ".repeat(8);
    for (const piece of [filler, `\n\n${PYTHON.slice(0, 40)}`, `${PYTHON.slice(40)}\n\nDone here.\n`])
      found.push(...stream.push(piece).detections);
    found.push(...stream.end().detections);
    const streamed = found.filter(isSourceCodeDetection);
    expect(streamed.map((b) => ({ ...b }))).toEqual([
      expect.objectContaining({ language: "python", start: filler.length + 2 }),
    ]);
  });

  it("does not run on responses or system prompts, and reports a secret inside a block as well", () => {
    expect(blocks(PYTHON, "response")).toEqual([]);
    const withSecret = testInspector({ injection: false });
    const text = PYTHON.replace(
      "return data",
      'token = "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"\n    return data',
    );
    expect(withSecret.inspect(text, "user").map((d) => d.type)).toEqual(["source-code", "github-token"]);
  });
});
