import { cutText, printableLine } from "./printable.js";

/**
 * Report text as inert inline Markdown for GitHub (a pull-request comment, a job summary, a SARIF rule's
 * help): one line (see `printableLine`), with a backslash before every character that could start a
 * link, an image, HTML, an entity, emphasis, code, math, strikethrough or a table cell (`\ ` * _ [ ] < >
 * & | ~ $`), and a zero-width space (`&#8203;`, as Renovate and Dependabot write it) after `@`, before
 * the digits of `#123` and `GH-123`, and inside `://` and `www.`, so that a report cannot ping people or
 * teams, cross-reference issues or make GitHub turn a bare address into a link when the comment is
 * posted. The text reads the same once rendered.
 *
 * @example markdownText("ping @octo-org/security [x](https://evil.example)")
 * // "ping @&#8203;octo-org/security \\[x\\](https:&#8203;//evil.example)"
 */
export function markdownText(text: string): string {
  return printableLine(text)
    .replace(/[\\`*_[\]<>&|~$]/g, (c) => "\\" + c)
    .replace(/@|#(?=\d)|:(?=\/\/)|(?<=\bwww)\.|(?<=\bGH)-(?=\d)/gi, (c) => c + "&#8203;");
}

/**
 * `markdownText` of at most `max` characters of the text (cut before escaping, so an escape is never
 * cut in half), with "…" when it was cut.
 *
 * @example markdownCell("a | b", 200) // "a \\| b"
 */
export function markdownCell(text: string, max: number): string {
  return markdownText(cutText(text, max));
}
