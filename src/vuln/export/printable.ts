/**
 * Report text made safe to show on one line, for the terminal and for Markdown: line breaks and tabs
 * become a space; every other C0 control and DEL is shown as its Unicode Control Picture (ESC as "␛"),
 * so an escape sequence from a report is visible instead of run by the terminal (setting the window
 * title, hiding or rewriting lines); C1 controls (which some terminals run as escape sequences too), the
 * bidirectional embeddings, overrides and isolates (which reorder what a reader sees), and lone UTF-16
 * surrogates become U+FFFD. Scanner reports are untrusted, so everything a report says goes through this
 * before it is shown.
 *
 * @example printableLine("left\u001b]0;pwned\u0007\nright") // "left␛]0;pwned␇ right"
 */
export function printableLine(text: string): string {
  return text
    .replace(LINE_BREAKS, " ")
    .replace(C0_AND_DEL, (c) => String.fromCharCode(c === "\u007f" ? 0x2421 : 0x2400 + c.charCodeAt(0)))
    .replace(UNSAFE, "\ufffd");
}

/**
 * The same for text of several lines (an error listing problems): each line made printable, the line
 * breaks kept.
 *
 * @example printableText("a\u001b[2J\nb") // "a␛[2J\nb"
 */
export function printableText(text: string): string {
  return text.split("\n").map(printableLine).join("\n");
}

/**
 * A string with every lone UTF-16 surrogate replaced by U+FFFD, so that it can be percent-encoded or
 * written as UTF-8 (a JSON report can hold `"\ud800"`; `encodeURIComponent` throws on it).
 *
 * @example wellFormed("a\ud800b") // "a\ufffdb"
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}

/**
 * The characters of a text as a reader sees them (grapheme clusters: an emoji with its modifiers, a letter
 * with its accents), for measuring and cutting text without splitting one.
 *
 * @example characters("a👍🏽é").length // 3
 */
export function characters(text: string): string[] {
  return Array.from(GRAPHEMES.segment(text), (s) => s.segment);
}

/**
 * At most `max` characters of a text (see `characters`), ending in "…" when it was cut.
 *
 * @example cutText("abcdef", 4) // "abc…"
 */
export function cutText(text: string, max: number): string {
  // A text of at most `max` UTF-16 units has at most `max` characters: no need to segment it.
  if (text.length <= max) return text;
  const chars = characters(text);
  return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : text;
}

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// eslint-disable-next-line no-control-regex
const C0_AND_DEL = /[\u0000-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE = new RegExp(`[\\u0080-\\u009f\\u202a-\\u202e\\u2066-\\u2069]|${LONE_SURROGATE.source}`, "g");
