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
  it("inspects a repeated text twice, then reports the same detections from memory, hashes included", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    const text = `${FILLER} token=${GH} mail ${EMAIL}`;
    const first = memo.inspect("key-1", text, "system");
    expect(memo.size).toBe(0); // the first time, only its fingerprint is kept
    memo.inspect("key-1", text, "system");
    expect(inspector.calls).toBe(2);
    expect(memo.size).toBe(1);
    const again = memo.inspect("key-1", text, "system");
    expect(memo.inspect("key-1", text, "system")).toBe(again);
    expect(inspector.calls).toBe(2);
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
    memo.inspect("k", code, "user");
    const again = memo.inspect("k", code, "user").filter(isSourceCodeDetection);
    expect(memo.size).toBe(1);
    expect(first.map((d) => d.language)).toEqual(["python"]);
    expect(again.map((d) => d.language)).toEqual(["python"]);
  });

  it("tells apart texts that differ only in a lone surrogate and its UTF-8 replacement", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    // At the same place in the same length, far from where the fingerprint reads: the same fingerprint.
    const replaced = `${FILLER.slice(0, 300)}\ufffd${FILLER.slice(301)} token ${GH}`;
    const lone = `${FILLER.slice(0, 300)}\ud800${FILLER.slice(301)} token ${GH}`;
    memo.inspect("k", replaced, "user");
    memo.inspect("k", replaced, "user");
    expect(memo.size).toBe(1);
    const found = memo.inspect("k", lone, "user");
    expect(inspector.calls).toBe(3);
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
    for (let i = 0; i < 4; i++)
      expect(memo.inspect("k", FILLER, "user").map((d) => d.type)).toEqual(["detector-error:flaky"]);
    expect(calls).toBe(4);
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
    memo.inspect("k", FILLER, "system");
    memo.inspect("k", "short", "user");
    expect(seen).toEqual([
      [false, FILLER.length],
      [false, FILLER.length],
      [true, FILLER.length],
      [false, 5],
    ]);
  });

  it("keeps callers and roles apart", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    const text = `${FILLER} ${EMAIL}`;
    for (let i = 0; i < 2; i++) {
      memo.inspect("key-1", text, "user");
      memo.inspect("key-2", text, "user");
      memo.inspect("key-1", text, "tool-result");
    }
    expect(inspector.calls).toBe(6);
    expect(memo.size).toBe(3);
    memo.inspect("key-2", text, "user");
    memo.inspect("key-1", text, "tool-result");
    expect(inspector.calls).toBe(6);
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
    const twice = (t: string): void => {
      memo.inspect("k", t, "user");
      memo.inspect("k", t, "user");
    };
    twice(a);
    twice(b);
    memo.inspect("k", a, "user"); // a is now the most recent
    twice(c); // so b goes
    expect(inspector.calls).toBe(6);
    memo.inspect("k", a, "user");
    expect(inspector.calls).toBe(6);
    memo.inspect("k", b, "user");
    expect(inspector.calls).toBe(7);
    expect(memo.size).toBe(2);
  });

  it("keeps what it remembers when texts come once, however many", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 2 });
    const system = `System ${FILLER}`;
    memo.inspect("k", system, "system");
    memo.inspect("k", system, "system");
    for (let i = 0; i < 50; i++) memo.inspect("k", `Question ${i}: ${FILLER}`, "user");
    expect(inspector.calls).toBe(52);
    memo.inspect("k", system, "system");
    expect(inspector.calls).toBe(52);
  });

  it("takes a fingerprint for a hint only: texts that share one are each inspected", () => {
    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16 });
    // The fingerprint reads a text's length, its first and last 32 code units and 64 spread between
    // them (at 32 + floor(k * (length - 64) / 64)): a credential put between two of those gives a text
    // with the same fingerprint as the text without it.
    const base = FILLER.repeat(2);
    const at = 32 + Math.floor((10 * (base.length - 64)) / 64) + 2;
    const gap = 32 + Math.floor((11 * (base.length - 64)) / 64) - at;
    expect(gap).toBeGreaterThan(GH.length + 2);
    const put = (s: string): string => `${base.slice(0, at)} ${s} ${base.slice(at + GH.length + 2)}`;
    const clean = put("x".repeat(GH.length));
    const leaky = put(GH);
    expect(leaky).toHaveLength(clean.length);
    memo.inspect("k", clean, "user");
    memo.inspect("k", clean, "user");
    expect(memo.inspect("k", clean, "user")).toEqual([]);
    expect(inspector.calls).toBe(2);
    // The leaky text is inspected and takes the entry over (the second time it is remembered), then the
    // clean one takes it back.
    expect(memo.inspect("k", leaky, "user").map((d) => d.type)).toEqual(["github-token"]);
    expect(memo.inspect("k", leaky, "user").map((d) => d.type)).toEqual(["github-token"]);
    expect(inspector.calls).toBe(3);
    expect(memo.inspect("k", clean, "user")).toEqual([]);
    expect(inspector.calls).toBe(4);
    expect(memo.size).toBe(1);
  });

  it("remembers nothing with 0 entries, nor a text with too many detections", () => {
    const off = counted();
    const none = createInspectionMemo(off, { entries: 0 });
    for (let i = 0; i < 3; i++) none.inspect("k", FILLER, "user");
    expect(off.calls).toBe(3);

    const inspector = counted();
    const memo = createInspectionMemo(inspector, { entries: 16, maxDetections: 3 });
    const many = `${FILLER} ${Array.from({ length: 5 }, (_, i) => `user${i}@customer-mail.com`).join(" ")}`;
    for (let i = 0; i < 3; i++) expect(memo.inspect("k", many, "user")).toHaveLength(5);
    expect(inspector.calls).toBe(3);
    expect(memo.size).toBe(0);
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
    for (let i = 0; i < 3; i++) expect(memo.inspect("k", text, "user").map((d) => d.type)).toEqual(["email"]);
    expect(calls).toBe(3);
  });
});
