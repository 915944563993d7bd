import { afterEach, describe, expect, it, vi } from "vitest";
import { color, table } from "./render.js";
import { inColourTerminal } from "./testing.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

// Anything a terminal would act on: C0 but the row breaks, DEL, C1, bidi embeddings, overrides, isolates.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("table", () => {
  it("shows escape sequences, control characters and bidi overrides in cells as visible symbols", () => {
    const out = table(
      ["NAME", "WHY"],
      [
        ["title\u001b]0;pwned\u0007", "a\u001b[8mhidden\u001b[0m"],
        ["line\r\nbreak\u0008", "csi\u009b2J rtl\u202eevil"],
      ],
    );
    expect(out).not.toMatch(CONTROL);
    expect(out.split("\n")).toEqual([
      "NAME             WHY",
      "title␛]0;pwned␇  a␛[8mhidden␛[0m",
      "line break␈      csi\ufffd2J rtl\ufffdevil",
    ]);
  });

  it("keeps its own colours and cuts a long coloured cell without cutting a sequence or leaking colour", () => {
    const out = inColourTerminal(() => table(["A", "B"], [[color.red("x".repeat(20)), "next"]], 10));
    expect(out.split("\n")[1]).toBe(`\u001b[31m${"x".repeat(9)}…\u001b[0m  next`);
  });
});
