import type { Plan } from "../plan.js";
import { type LineConsumer, RANK, type Scan } from "../scan.js";
import { FIRST_WORDS, NON_CODE_FENCES, fenceLanguage, vote, winner } from "./languages.js";

/** A block needs this many code lines (a one-line mention of `foo()` is not source code). */
const MIN_BLOCK_LINES = 3;
/** Share of code lines among the non-blank lines of a block. */
const MIN_DENSITY = 0.6;
/** Python-style block openers: a line `if x:` ending in a colon. */
const COLON_OPENERS = new Set([
  "def",
  "class",
  "if",
  "elif",
  "else",
  "for",
  "while",
  "try",
  "except",
  "finally",
  "with",
  "async",
]);

interface Block {
  start: number;
  end: number;
  code: number;
  other: number;
  gap: number;
  blanks: number;
  /** Start and end of each voting line (the first code lines), read only if the block is reported. */
  voters: number[];
}

/** Statement keywords by case-sensitive hash, so a line's first word is looked up without a slice. */
const KEYWORDS = new Map<number, string>();
for (const w of FIRST_WORDS.keys()) KEYWORDS.set(caseHash(w, 0, w.length), w);

function caseHash(s: string, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function isWordStartCode(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 35 || c === 60 || c === 64 || c === 36
  );
}

function isWordCode(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 63
  );
}

/** The statement keyword a line starts with (`def`, `#include`, `console.log`...), or "". */
function firstKeyword(text: string, s: number, e: number): string {
  if (s >= e || !isWordStartCode(text.charCodeAt(s))) return "";
  let j = s + 1;
  while (j < e && j - s < 20 && isWordCode(text.charCodeAt(j))) j++;
  let end = j;
  if (text.charCodeAt(end - 1) === 46) end--;
  if (text.startsWith("console.", s)) return "console.log";
  const w = KEYWORDS.get(caseHash(text, s, end));
  return w?.length === end - s && text.startsWith(w, s) ? w : "";
}

/** True when the line opens like running prose: four lower-case words in a row. */
function proseStart(text: string, s: number, e: number): boolean {
  let words = 0;
  let i = s;
  while (i < e && words < 4) {
    const w = i;
    while (
      i < e &&
      ((text.charCodeAt(i) >= 97 && text.charCodeAt(i) <= 122) ||
        (i === w && text.charCodeAt(i) >= 65 && text.charCodeAt(i) <= 90))
    )
      i++;
    if (i === w) return false;
    words++;
    if (words < 4 && text.charCodeAt(i) !== 32) return false;
    i++;
  }
  return words === 4;
}

/**
 * Score one line (`text[s, e)`, trimmed): closing punctuation, statement keywords, code punctuation
 * density, markup. Sentences (long lines ending in `.`, `?`, `!`) and list items count against it. Two
 * points make a code line; comments keep a block going.
 *
 * @example isCodeLine("return x;", 0, 9, 0, 0, false) // true
 */
export function isCodeLine(
  text: string,
  s: number,
  e: number,
  indent: number,
  punct: number,
  previousCode: boolean,
): boolean {
  const len = e - s;
  if (len <= 0) return false;
  const first = text.charCodeAt(s);
  const second = text.charCodeAt(s + 1);
  const last = text.charCodeAt(e - 1);
  if (
    (first === 47 && (second === 47 || second === 42)) ||
    (first === 42 && (second === 32 || second === 47))
  ) {
    return previousCode; // // /* * */
  }
  if (first === 35 && second === 32) return previousCode; // "# comment" or a markdown heading
  const word = firstKeyword(text, s, e);
  let score = 0;
  if (last === 59 || last === 123 || last === 125)
    score += 2; // ; { }
  else if (last === 41 || last === 40 || last === 91 || last === 93 || last === 44)
    score += 1; // ) ( [ ] ,
  else if (last === 58 && COLON_OPENERS.has(word)) score += 2;
  if (first === 125 || first === 41 || first === 93) score += 2;
  if (word !== "" && !proseStart(text, s, e)) score += 2;
  const density = punct / len;
  if (density >= 0.1) score += 1;
  if (density >= 0.2) score += 1;
  if (first === 60 && last === 62) score += 2; // <tag ...>
  if (indent >= 2 && previousCode) score += 1;
  if ((last === 46 || last === 63 || last === 33) && len > 40) score -= 2;
  if (
    ((first === 45 || first === 42 || first === 43) && second === 32) ||
    (first >= 48 && first <= 57 && (second === 46 || second === 41))
  ) {
    score -= 2; // list items
  }
  return score >= 2;
}

function spaces(text: string, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e && n < 3; i++) if (text.charCodeAt(i) === 32) n++;
  return n;
}

/** Votes are taken on the first lines of a block only: enough to guess, cheap on long blocks. */
const MAX_VOTING_LINES = 4;

/** The language the voting lines of a block point to (see `vote`), if any. */
function guess(text: string, voters: readonly number[]): string | undefined {
  if (voters.length === 0) return undefined;
  const votes = new Map<string, number>();
  for (let i = 0; i < voters.length; i += 2) {
    const s = voters[i]!;
    const e = voters[i + 1]!;
    vote(text.slice(s, Math.min(e, s + 400)), firstKeyword(text, s, e), votes);
  }
  return winner(votes);
}

/**
 * Source code in a prompt: runs of lines that look like code (see `isCodeLine`), or fenced blocks, one
 * detection per block with the language guessed when easy. Blank lines (up to two in a row) and single
 * non-code lines do not break a block; two non-code lines in a row do.
 */
function createConsumer(): LineConsumer {
  let block: Block | undefined;
  let fence: { info: string | undefined; tagged: boolean; block: Block } | undefined;
  let previousCode = false;

  const fresh = (start: number): Block => ({
    start,
    end: start,
    code: 0,
    other: 0,
    gap: 0,
    blanks: 0,
    voters: [],
  });

  const close = (b: Block | undefined, text: string, scan: Scan, fenced: string | undefined | null) => {
    if (b === undefined || b.code === 0) return;
    const density = b.code / (b.code + b.other);
    const isFence = fenced !== null;
    const known = isFence && fenced !== undefined && !NON_CODE_FENCES.has(fenced);
    const enough = isFence
      ? b.code >= 2 || (b.code >= 1 && known)
      : b.code >= MIN_BLOCK_LINES && density >= MIN_DENSITY;
    if (!enough) return;
    const language = known ? fenced : guess(text, b.voters);
    const confidence = isFence
      ? known
        ? 0.95
        : 0.85
      : Math.min(0.9, 0.5 + 0.05 * b.code) * Math.min(1, density + 0.2);
    const extra = language === undefined ? undefined : { language };
    scan.emit("source-code", "source-code", b.start, b.end, confidence, RANK.block, extra);
  };

  return {
    line(text, start, end, punct, scan) {
      let s = start;
      let indent = 0;
      while (s < end && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) {
        indent += text.charCodeAt(s) === 9 ? 4 : 1;
        s++;
      }
      let e = end;
      while (
        e > s &&
        (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 13 || text.charCodeAt(e - 1) === 9)
      )
        e--;
      const f0 = text.charCodeAt(s);
      if ((f0 === 96 || f0 === 126) && text.charCodeAt(s + 1) === f0 && text.charCodeAt(s + 2) === f0) {
        if (fence === undefined) {
          close(block, text, scan, null);
          block = undefined;
          const info = fenceLanguage(text.slice(s + 3, e));
          const tagged = info !== undefined && !NON_CODE_FENCES.has(info);
          fence = { info, tagged, block: fresh(end + 1) };
        } else {
          if (start - 1 > fence.block.start) fence.block.end = start - 1; // the whole fenced content
          close(fence.block, text, scan, fence.info);
          fence = undefined;
        }
        previousCode = false;
        return;
      }
      const target = fence?.block;
      if (e === s) {
        if (target === undefined && block !== undefined && ++block.blanks > 2) {
          close(block, text, scan, null);
          block = undefined;
        }
        return;
      }
      if (fence?.tagged === true) {
        fence.block.code++; // a fence tagged with a language is code, line by line
        return;
      }
      const minified = e - s >= 300 && punct / (e - s) >= 0.15;
      const code = minified || isCodeLine(text, s, e, indent, punct, previousCode);
      previousCode = code;
      const b = target ?? block;
      if (code) {
        const current = b ?? (block = fresh(s));
        current.code += minified ? MIN_BLOCK_LINES : 1;
        current.gap = 0;
        current.blanks = 0;
        current.end = e;
        if (current.code <= MAX_VOTING_LINES) current.voters.push(s, e);
      } else if (b !== undefined) {
        b.other++;
        // Two prose lines in a row end a block, and so does one after a blank line.
        if (target === undefined && (++b.gap >= 2 || (b.blanks > 0 && spaces(text, s, e) >= 3))) {
          close(block, text, scan, null);
          block = undefined;
        }
      }
    },
    finish(text, scan) {
      if (fence !== undefined) {
        if (fence.tagged) {
          // A tagged fence left open (a paste cut short): its content runs to the end of the text.
          let end = text.length;
          while (end > fence.block.start && /\s/.test(text.charAt(end - 1))) end--;
          if (end <= fence.block.start) return;
          fence.block.end = end;
        }
        close(fence.block, text, scan, fence.info);
      } else close(block, text, scan, null);
    },
  };
}

/**
 * Register source-code detection on every line.
 *
 * @example registerSourceCode(plan); // before plan.seal()
 */
export function registerSourceCode(plan: Plan): void {
  plan.lines(createConsumer);
}
