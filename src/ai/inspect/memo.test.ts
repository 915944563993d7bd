import { describe, expect, it } from "vitest";
import { createInspectionMemo, createInspector, isSourceCodeDetection, type Inspector } from "./index.js";

const GH = "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";
const EMAIL = "jane.doe@customer-mail.com";
const FILLER = "The build runs the unit tests, then the linter, then packages the service. ".repeat(20);

/** The real inspector, counting how many texts it actually inspects. */
function counted(): Inspector & { calls: number } {
  const real = createInspector({ hashKey: "memo-test" });
  return {
    calls: 0,
    inspect(text, role) {
      this.calls++;
      return real.inspect(text, role);
    },
  };
}

describe("createInspectionMemo", () => {
  it("inspects a repeated text once and reports the same detections, hashes included", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    const text = `${FILLER} token=${GH} mail ${EMAIL}`;
    const first = memo.inspect("key-1", text, "system");
    const again = memo.inspect("key-1", text, "system");
    expect(inspector.calls).toBe(1);
    expect(again.map((d) => d.type).sort()).toEqual(["email", "github-token"]);
    expect(again).toEqual(first.map((d) => ({ ...d })));
    expect(again.find((d) => d.type === "github-token")).toMatchObject({
      start: text.indexOf(GH),
      end: text.indexOf(GH) + GH.length,
    });
    // What is remembered holds offsets and keyed hashes, never the text (the inspector's own detections
    // keep it for their lazy hash), and cannot be changed.
    expect(JSON.stringify(again)).not.toContain(GH);
    expect(Object.isFrozen(again)).toBe(true);
    for (const d of again) {
      expect(Object.isFrozen(d)).toBe(true);
      expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(d, "hash")?.value).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(memo.size).toBe(1);
  });

  it("keeps the language of a remembered source-code detection", () => {
    const memo = createInspectionMemo(counted(), { entries: 16 });
    const code =
      "```python\n" + "def total(rows):\n    return sum(r.cents for r in rows)\n".repeat(30) + "```";
    const first = memo.inspect("k", code, "user").filter(isSourceCodeDetection);
    const again = memo.inspect("k", code, "user").filter(isSourceCodeDetection);
    expect(first.map((d) => d.language)).toEqual(["python"]);
    expect(again.map((d) => d.language)).toEqual(["python"]);
  });

  it("tells apart texts that differ only in a lone surrogate and its UTF-8 replacement", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    const replaced = `${FILLER} token\ufffd${GH}`;
    const lone = `${FILLER} token\ud800${GH}`;
    memo.inspect("k", replaced, "user");
    const found = memo.inspect("k", lone, "user");
    expect(inspector.calls).toBe(2);
    expect(found).toEqual(createInspector({ hashKey: "memo-test" }).inspect(lone, "user"));
  });

  it("does not remember a text on which a plug-in detector failed", () => {
    let calls = 0;
    const real = createInspector({
      hashKey: "memo-test",
      extraDetectors: [
        {
          id: "flaky",
          dataClass: "secret",
          find: () => {
            throw new Error("boom");
          },
        },
      ],
    });
    const memo = createInspectionMemo(
      {
        inspect(text, role) {
          calls++;
          return real.inspect(text, role);
        },
      },
      { entries: 16 },
    );
    expect(memo.inspect("k", FILLER, "user").map((d) => d.type)).toEqual(["detector-error:flaky"]);
    memo.inspect("k", FILLER, "user");
    expect(calls).toBe(2);
    expect(memo.size).toBe(0);
  });

  it("tells what it inspected and what it remembered", () => {
    const seen: [boolean, number][] = [];
    const memo = createInspectionMemo(counted(), {
      entries: 16,
      observe: (remembered, chars) => seen.push([remembered, chars]),
    });
    memo.inspect("k", FILLER, "system");
    memo.inspect("k", FILLER, "system");
    memo.inspect("k", "short", "user");
    expect(seen).toEqual([
      [false, FILLER.length],
      [true, FILLER.length],
      [false, 5],
    ]);
  });

  it("keeps callers and roles apart", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    const text = `${FILLER} ${EMAIL}`;
    memo.inspect("key-1", text, "user");
    memo.inspect("key-2", text, "user");
    memo.inspect("key-1", text, "tool-result");
    expect(inspector.calls).toBe(3);
    memo.inspect("key-2", text, "user");
    memo.inspect("key-1", text, "tool-result");
    expect(inspector.calls).toBe(3);
  });

  it("inspects short texts every time", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    memo.inspect("k", `Mail ${EMAIL}`, "user");
    memo.inspect("k", `Mail ${EMAIL}`, "user");
    expect(inspector.calls).toBe(2);
    expect(memo.size).toBe(0);
  });

  it("forgets the least recently used text first", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 2 });
    const [a, b, c] = ["A", "B", "C"].map((n) => `${n} ${FILLER}`) as [string, string, string];
    memo.inspect("k", a, "user");
    memo.inspect("k", b, "user");
    memo.inspect("k", a, "user"); // a is now the most recent
    memo.inspect("k", c, "user"); // so b goes
    expect(inspector.calls).toBe(3);
    memo.inspect("k", a, "user");
    expect(inspector.calls).toBe(3);
    memo.inspect("k", b, "user");
    expect(inspector.calls).toBe(4);
    expect(memo.size).toBe(2);
  });

  it("remembers nothing with 0 entries, nor a text with too many detections", () => {
    const off = counted();
    const none = createInspectionMemo(off, { entries: 0 });
    none.inspect("k", FILLER, "user");
    none.inspect("k", FILLER, "user");
    expect(off.calls).toBe(2);

    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16, maxDetections: 3 });
    const many = `${FILLER} ${Array.from({ length: 5 }, (_, i) => `user${i}@customer-mail.com`).join(" ")}`;
    expect(memo.inspect("k", many, "user")).toHaveLength(5);
    memo.inspect("k", many, "user");
    expect(inspector.calls).toBe(2);
  });

  it("does not remember an inspection that failed", () => {
    const real = createInspector({ hashKey: "memo-test" });
    let failNext = true;
    let calls = 0;
    const flaky: Inspector = {
      inspect(text, role) {
        calls++;
        if (failNext) {
          failNext = false;
          throw new Error("inspection failed");
        }
        return real.inspect(text, role);
      },
    };
    const memo = createInspectionMemo(flaky, { entries: 16 });
    const text = `${FILLER} ${EMAIL}`;
    expect(() => memo.inspect("k", text, "user")).toThrow("inspection failed");
    expect(memo.inspect("k", text, "user").map((d) => d.type)).toEqual(["email"]);
    expect(memo.inspect("k", text, "user").map((d) => d.type)).toEqual(["email"]);
    expect(calls).toBe(2);
  });
});
