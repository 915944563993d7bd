import { describe, expect, it } from "vitest";
import { markdownReport } from "./markdown.js";
import { aSummary, anExported } from "./testing.js";

/** The cells of the report's one finding row. */
function rowCells(markdown: string): string[] {
  const lines = markdown.split("\n");
  const row = lines[lines.findIndex((l) => l.startsWith("| --- |")) + 1];
  if (!row) throw new Error(`no finding row in:\n${markdown}`);
  // Split on the pipes GitHub splits on: those without a backslash before them.
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.trim());
}

describe("markdownReport", () => {
  it("writes report text into table cells as text: no link, image, HTML, mention or extra column", () => {
    const md = markdownReport(aSummary(), [
      anExported(
        {
          vulnId: "[CVE-2024-3094](https://evil.example/login)",
          component: "![logo](https://evil.example/track.png)",
          version: "1.0 | injected",
          assetKey: "<img src=x onerror=alert(1)>",
        },
        { asset: { owner: "@octo-org/security" }, reason: "Ask @alice about #42 &amp; `rm -rf` ~~now~~ $x$" },
      ),
    ]);
    expect(rowCells(md)).toEqual([
      "track",
      expect.any(String),
      expect.any(String),
      "\\[CVE-2024-3094\\](https:&#8203;//evil.example/login)",
      "!\\[logo\\](https:&#8203;//evil.example/track.png) 1.0 \\| injected",
      "5.6.1",
      "\\<img src=x onerror=alert(1)\\>",
      "@&#8203;octo-org/security",
      "Ask @&#8203;alice about #&#8203;42 \\&amp; \\`rm -rf\\` \\~\\~now\\~\\~ \\$x\\$",
    ]);
  });

  it("leaves GitHub no bare address to turn into a link, and no GH-123 to cross-reference", () => {
    const md = markdownReport(aSummary(), [
      anExported({ component: "see https://evil.example/login or WWW.evil.example, fixed in GH-123" }),
    ]);
    expect(rowCells(md)[4]).toBe(
      "see https:&#8203;//evil.example/login or WWW.&#8203;evil.example, fixed in GH-&#8203;123 5.6.0",
    );
  });

  it("writes control characters, bidi overrides and line breaks in a cell as visible text on one line", () => {
    const md = markdownReport(aSummary(), [
      anExported({ component: "evil\u001b[8mhidden\r\n## heading\u202eright" }),
    ]);
    expect(rowCells(md)[4]).toBe("evil␛\\[8mhidden ## heading\ufffdright 5.6.0");
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it("cuts a long cell before escaping it, so no escape is cut in half", () => {
    const md = markdownReport(aSummary(), [anExported({ component: "@".repeat(300) })]);
    expect(rowCells(md)[4]).toBe("@&#8203;".repeat(199) + "…");
  });

  it("writes the unknown asset keys of the unmatched-assets sentence as text", () => {
    const md = markdownReport(
      aSummary({
        unmatched:
          "2 findings on 2 unknown assets matched no asset; used the default context. " +
          "Unknown: [payments](https://evil.example), @security-team.",
      }),
      [],
    );
    expect(md.split("\n")).toContain(
      "2 findings on 2 unknown assets matched no asset; used the default context. " +
        "Unknown: \\[payments\\](https:&#8203;//evil.example), @&#8203;security-team.",
    );
  });
});
