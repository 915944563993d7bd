import type { Plan } from "../plan.js";
import { LazyFields, type LineConsumer, RANK, type Scan } from "../scan.js";
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

/**
 * Statement keywords in an open-addressing table by case-sensitive hash (slot: the low bits, probed
 * linearly), so a line's first word is looked up with array reads, without a slice or a Map.
 */
const KEYWORD_SLOTS = 512;
const KEYWORD_HASHES = new Int32Array(KEYWORD_SLOTS);
const KEYWORD_WORDS: string[] = new Array<string>(KEYWORD_SLOTS).fill("");
for (const w of FIRST_WORDS.keys()) {
  const h = caseHash(w, 0, w.length);
  let slot = h & (KEYWORD_SLOTS - 1);
  while (KEYWORD_WORDS[slot] !== "") slot = (slot + 1) & (KEYWORD_SLOTS - 1);
  KEYWORD_HASHES[slot] = h;
  KEYWORD_WORDS[slot] = w;
}

/** The keyword whose hash is `h` and whose text is `codes[s, e)`, or "". */
function keywordAt(codes: Uint16Array, s: number, e: number, h: number): string {
  for (let slot = h & (KEYWORD_SLOTS - 1); ; slot = (slot + 1) & (KEYWORD_SLOTS - 1)) {
    const w = KEYWORD_WORDS[slot]!;
    if (w === "") return "";
    if (KEYWORD_HASHES[slot] === h && w.length === e - s && sameCodes(codes, s, w)) return w;
  }
}

/** Whether `codes` hold `w`'s code units from `s` on. */
function sameCodes(codes: Uint16Array, s: number, w: string): boolean {
  for (let i = 0; i < w.length; i++) if (codes[s + i] !== w.charCodeAt(i)) return false;
  return true;
}

function caseHash(s: string, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function caseHashOf(codes: Uint16Array, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + codes[i]!) | 0;
  return h;
}

const CONSOLE = "console.";

/** `text[from, to)`'s code units and one zero after them (the line helpers below may read one past a line). */
function codesOf(text: string, from: number, to: number): Uint16Array {
  const codes = new Uint16Array(to - from + 1);
  for (let i = from; i < to; i++) codes[i - from] = text.charCodeAt(i);
  return codes;
}

/** Code units that can start a first word (letters, `_ # < @ $`) and continue one (letters, digits, `_ . ?`). */
const WORD_START = new Uint8Array(65536);
const WORD_PART = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  WORD_START[c] = letter || c === 35 || c === 60 || c === 64 || c === 36 ? 1 : 0;
  WORD_PART[c] = letter || (c >= 48 && c <= 57) || c === 46 || c === 63 ? 1 : 0;
}

/**
 * The statement keyword a line starts with (`def`, `#include`, `console.log`...), or "": the line is
 * `codes[s, e)`, code units as `Plan.run` gives them (`Scan.codes`), with at least one more after `e`.
 */
function firstKeyword(codes: Uint16Array, s: number, e: number): string {
  if (s >= e || WORD_START[codes[s]!] === 0) return "";
  let j = s + 1;
  while (j < e && j - s < 20 && WORD_PART[codes[j]!] === 1) j++;
  let end = j;
  if (codes[end - 1] === 46) end--;
  if (j - s >= CONSOLE.length && sameCodes(codes, s, CONSOLE)) return "console.log";
  return keywordAt(codes, s, end, caseHashOf(codes, s, end));
}

/** True when the line (`codes[s, e)`) opens like running prose: four lower-case words in a row. */
function proseStart(codes: Uint16Array, s: number, e: number): boolean {
  let words = 0;
  let i = s;
  while (i < e && words < 4) {
    const w = i;
    for (; i < e; i++) {
      const c = codes[i]!;
      if (!((c >= 97 && c <= 122) || (i === w && c >= 65 && c <= 90))) break;
    }
    if (i === w) return false;
    words++;
    if (words < 4 && codes[i] !== 32) return false;
    i++;
  }
  return words === 4;
}

/**
 * Score one line (`codes[s, e)`, trimmed, with at least one code unit after it): closing punctuation,
 * statement keywords, code punctuation density, markup. Sentences (long lines ending in `.`, `?`, `!`)
 * and list items count against it. Two points make a code line; comments keep a block going.
 *
 * @example isCodeLine(codesOf("return x;", 0, 9), 0, 9, 0, 0, false) // true (codesOf: this file's helper)
 */
export function isCodeLine(
  codes: Uint16Array,
  s: number,
  e: number,
  indent: number,
  punct: number,
  previousCode: boolean,
): boolean {
  const len = e - s;
  if (len <= 0) return false;
  const first = codes[s]!;
  const second = codes[s + 1]!;
  const last = codes[e - 1]!;
  if (
    (first === 47 && (second === 47 || second === 42)) ||
    (first === 42 && (second === 32 || second === 47))
  ) {
    return previousCode; // // /* * */
  }
  if (first === 35 && second === 32) return previousCode; // "# comment" or a markdown heading
  let score = 0;
  if (last === 59 || last === 123 || last === 125)
    score += 2; // ; { }
  else if (last === 41 || last === 40 || last === 91 || last === 93 || last === 44)
    score += 1; // ) ( [ ] ,
  else if (last === 58 && COLON_OPENERS.has(firstKeyword(codes, s, e))) score += 2;
  if (first === 125 || first === 41 || first === 93) score += 2;
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
  // A statement keyword (not opening prose) adds two points, the only term left: most lines are decided
  // without looking for one (about a third of this function's time when it always looked).
  if (score >= 2) return true;
  if (score < 0) return false;
  return firstKeyword(codes, s, e) !== "" && !proseStart(codes, s, e);
}

function spaces(codes: Uint16Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e && n < 3; i++) if (codes[i] === 32) n++;
  return n;
}

/** `{ language }` objects, shared per language (a hit's `extra` is read-only); bounded, as tags are input. */
const LANGUAGE_FIELDS = new Map<string, Readonly<Record<string, string>>>();

function languageField(language: string): Readonly<Record<string, string>> {
  let field = LANGUAGE_FIELDS.get(language);
  if (field === undefined) {
    field = Object.freeze({ language });
    if (LANGUAGE_FIELDS.size < 256) LANGUAGE_FIELDS.set(language, field);
  }
  return field;
}

/** Votes are taken on the first lines of a block only: enough to guess, cheap on long blocks. */
const MAX_VOTING_LINES = 4;

const LANGUAGE = ["language"] as const;

/**
 * The language the voting lines of a block point to (see `vote`), guessed only if the detection's
 * `language` is read: the guess cost as much as finding the block, and the gateway never reads it.
 */
class LanguageGuess extends LazyFields {
  get names(): readonly string[] {
    return LANGUAGE;
  }

  /** `voters`: start and end of each voting line. */
  constructor(private readonly voters: Int32Array) {
    super();
  }

  resolve(text: string): Readonly<Record<string, string>> | undefined {
    const voters = this.voters;
    const votes = new Map<string, number>();
    for (let i = 0; i < voters.length; i += 2) {
      const s = voters[i]!;
      const e = voters[i + 1]!;
      // A first word is read up to 20 code units.
      const head = Math.min(e, s + 21);
      vote(text, s, Math.min(e, s + 400), firstKeyword(codesOf(text, s, head), 0, head - s), votes);
    }
    const language = winner(votes);
    return language === undefined ? undefined : languageField(language);
  }
}

/**
 * Source code in a prompt: runs of lines that look like code (see `isCodeLine`), or fenced blocks, one
 * detection per block with the language guessed when easy. Blank lines (up to two in a row) and single
 * non-code lines do not break a block; two non-code lines in a row do.
 *
 * This runs for every line of every prompt, so the block under construction is a few numbers in the
 * consumer (one block at a time: an open fence is the block) rather than an object per block.
 */
class SourceCodeLines implements LineConsumer {
  /** A block is open (always, inside a fence). */
  private open = false;
  private start = 0;
  private end = 0;
  private code = 0;
  private other = 0;
  private gap = 0;
  private blanks = 0;
  /** Start and end of each voting line (the first code lines), read only if the block is reported. */
  private readonly voters = new Int32Array(2 * MAX_VOTING_LINES);
  private voterCount = 0;
  /** Inside a fence; its language tag, and whether that tag names a programming language. */
  private fenced = false;
  private info: string | undefined = undefined;
  private tagged = false;
  private previousCode = false;

  private begin(start: number): void {
    this.open = true;
    this.start = start;
    this.end = start;
    this.code = 0;
    this.other = 0;
    this.gap = 0;
    this.blanks = 0;
    this.voterCount = 0;
  }

  /** Report the open block if it is code enough; `fenced` is the fence's tag, null outside a fence. */
  private close(text: string, scan: Scan, fenced: string | undefined | null): void {
    this.open = false;
    const code = this.code;
    if (code === 0) return;
    const density = code / (code + this.other);
    const isFence = fenced !== null;
    const known = isFence && fenced !== undefined && !NON_CODE_FENCES.has(fenced);
    const enough = isFence
      ? code >= 2 || (code >= 1 && known)
      : code >= MIN_BLOCK_LINES && density >= MIN_DENSITY;
    if (!enough) return;
    const confidence = isFence
      ? known
        ? 0.95
        : 0.85
      : Math.min(0.9, 0.5 + 0.05 * code) * Math.min(1, density + 0.2);
    const extra = known
      ? languageField(fenced)
      : this.voterCount === 0
        ? undefined
        : new LanguageGuess(this.voters.slice(0, this.voterCount));
    scan.emit("source-code", "source-code", this.start, this.end, confidence, RANK.block, extra);
  }

  line(text: string, start: number, end: number, punct: number, scan: Scan): void {
    // Read from the scan's copy of the text's code units: `charCodeAt` costs a check of the string's
    // representation on every call (about a quarter of this consumer's time).
    const codes = scan.codes;
    let s = start;
    let indent = 0;
    let f0 = codes[s]!;
    while (s < end && (f0 === 32 || f0 === 9)) {
      indent += f0 === 9 ? 4 : 1;
      f0 = codes[++s]!;
    }
    let e = end;
    while (e > s) {
      const c = codes[e - 1]!;
      if (c !== 32 && c !== 13 && c !== 9) break;
      e--;
    }
    if (e === s) {
      // A blank line: outside a fence, the third in a row ends a block.
      if (!this.fenced && this.open && ++this.blanks > 2) this.close(text, scan, null);
      return;
    }
    if ((f0 === 96 || f0 === 126) && codes[s + 1] === f0 && codes[s + 2] === f0) {
      if (!this.fenced) {
        if (this.open) this.close(text, scan, null);
        const info = fenceLanguage(text.slice(s + 3, e));
        this.fenced = true;
        this.info = info;
        this.tagged = info !== undefined && !NON_CODE_FENCES.has(info);
        this.begin(end + 1);
      } else {
        if (start - 1 > this.start) this.end = start - 1; // the whole fenced content
        this.fenced = false;
        this.close(text, scan, this.info);
      }
      this.previousCode = false;
      return;
    }
    if (this.tagged && this.fenced) {
      this.code++; // a fence tagged with a language is code, line by line
      return;
    }
    const minified = e - s >= 300 && punct / (e - s) >= 0.15;
    const code = minified || isCodeLine(codes, s, e, indent, punct, this.previousCode);
    this.previousCode = code;
    if (code) {
      if (!this.open) this.begin(s);
      this.code += minified ? MIN_BLOCK_LINES : 1;
      this.gap = 0;
      this.blanks = 0;
      this.end = e;
      if (this.code <= MAX_VOTING_LINES) {
        this.voters[this.voterCount++] = s;
        this.voters[this.voterCount++] = e;
      }
    } else if (this.open) {
      this.other++;
      // Two prose lines in a row end a block, and so does one after a blank line.
      if (!this.fenced && (++this.gap >= 2 || (this.blanks > 0 && spaces(codes, s, e) >= 3))) {
        this.close(text, scan, null);
      }
    }
  }

  finish(text: string, scan: Scan): void {
    if (this.fenced) {
      if (this.tagged) {
        // A tagged fence left open (a paste cut short): its content runs to the end of the text.
        let end = text.length;
        while (end > this.start && /\s/.test(text.charAt(end - 1))) end--;
        if (end <= this.start) return;
        this.end = end;
      }
      this.close(text, scan, this.info);
    } else if (this.open) this.close(text, scan, null);
  }
}

/**
 * Register source-code detection on every line.
 *
 * @example registerSourceCode(plan); // before plan.seal()
 */
export function registerSourceCode(plan: Plan): void {
  plan.lines(() => new SourceCodeLines());
}
