import {
  B64_X,
  CLASSES,
  CODE_PUNCT,
  FOLD,
  fold,
  LETTER_X,
  SPECIAL,
  WORD,
  sameFolded,
  wordHash,
} from "./chars.js";
import type {
  CharHandler,
  LineConsumer,
  PrefixHandler,
  RunHandler,
  Scan,
  TextPass,
  WordHandler,
} from "./scan.js";

/** Bits in the anchor-word bloom filter: small enough to stay in the L1 cache, a few hundred anchors. */
const BLOOM_SIZE = 16384;

/** CODE_PUNCT is one bit: its position, to count punctuation with a shift instead of a branch. */
const PUNCT_SHIFT = Math.log2(CODE_PUNCT);

/** Base64 runs shorter than this are not handed to run handlers. */
export const MIN_RUN = 24;

interface Anchor {
  readonly word: string;
  readonly handler: WordHandler;
}

/**
 * What detectors register to be called from the one-pass scan, and the scan itself. A plan is built once
 * per role (only the detectors that run on that role register), then `run` walks a text once: words are
 * hashed case-insensitively as they are read (one multiply-add per character) and looked up in a bloom
 * filter, word starts dispatch on their first two characters to vendor-prefix checks, a few characters
 * (`@ : = ~ -`, newlines, invisible code points) call their handlers, and base64 runs are handed over when
 * they end. Handlers only look at bounded windows around their anchor, so the whole scan stays linear.
 *
 * @example
 * const plan = new Plan();
 * plan.word("ignore", (text, start, end, scan) => scan.emit("injection", "instruction-override", start, end, 0.9, 50));
 * plan.run(text, new Scan(text));
 */
export class Plan {
  private readonly prefixes = new Map<number, PrefixHandler[]>();
  private readonly thirds = new Map<number, Uint8Array>();
  private readonly anchors = new Map<number, Anchor[]>();
  private readonly bloom = new Uint8Array(BLOOM_SIZE);
  private readonly chars = new Map<number, CharHandler[]>();
  private readonly glues: CharHandler[] = [];
  private glueFn: CharHandler | undefined;
  private readonly runs: RunHandler[] = [];
  private readonly lineFactories: (() => LineConsumer)[] = [];
  readonly passes: TextPass[] = [];
  /** Per code unit: its folded code unit (bits 8-23) and its class bits with SPECIAL (bits 0-7). */
  private table: Int32Array = EMPTY_TABLE;
  /** Index into `prefixFns` for each two-character key (0: none); one composed function per key. */
  private prefixIndex = new Uint16Array(16384);
  private prefixFns: PrefixHandler[] = [];
  /** Per composed prefix handler: the third characters it accepts (128 entries each, flattened). */
  private prefixThird = new Uint8Array(128);
  private charIndex = new Uint16Array(0);
  private charFns: CharHandler[] = [];

  /** Call `handler` at word starts beginning with these two characters (case-sensitive). */
  prefix(two: string, handler: PrefixHandler, third?: string): void {
    if (two.length !== 2) throw new Error(`prefix key must be two characters: ${two}`);
    const key = (two.charCodeAt(0) << 7) | two.charCodeAt(1);
    const list = this.prefixes.get(key) ?? [];
    list.push(handler);
    this.prefixes.set(key, list);
    // Which third characters can follow (a cheap filter before the call): all, unless every handler
    // of this key names its third characters.
    const allowed = this.thirds.get(key) ?? new Uint8Array(128);
    if (third === undefined) allowed.fill(1);
    else for (let i = 0; i < third.length; i++) allowed[third.charCodeAt(i) & 127] = 1;
    this.thirds.set(key, allowed);
  }

  /** Call `handler` for every word equal to `word`, case-insensitively (one word: letters and digits). */
  word(word: string, handler: WordHandler): void {
    const lower = fold(word);
    const h = wordHash(lower);
    this.bloom[h & (BLOOM_SIZE - 1)] = 1;
    const list = this.anchors.get(h) ?? [];
    if (!list.some((a) => a.word === lower && a.handler === handler)) list.push({ word: lower, handler });
    this.anchors.set(h, list);
  }

  /** Call `handler` at every occurrence of the code unit `code`. */
  char(code: number, handler: CharHandler): void {
    const list = this.chars.get(code) ?? [];
    list.push(handler);
    this.chars.set(code, list);
  }

  /**
   * Call `handler` where ASCII letters or digits follow a letter outside ASCII in one word, at the first
   * ASCII one: `密码Zx8k…` and `비밀번호는Zx8k…` are one word each, and the token starts inside it.
   *
   * @example plan.glued((text, pos, scan) => checkValueAt(text, pos, scan)); // "密码Zx8k" calls it at 2
   */
  glued(handler: CharHandler): void {
    this.glues.push(handler);
  }

  /** Call `handler` for every base64/base64url run of at least MIN_RUN characters. */
  base64(handler: RunHandler): void {
    this.runs.push(handler);
  }

  /** Feed every line to a fresh consumer made by `factory` for each scan. */
  lines(factory: () => LineConsumer): void {
    this.lineFactories.push(factory);
  }

  /** Run `pass` over the whole text after the scan (for what cannot be anchored). */
  pass(p: TextPass): void {
    this.passes.push(p);
  }

  /** Freeze the tables once every detector has registered: one composed handler per key or character. */
  seal(): this {
    const classes = new Uint8Array(CLASSES);
    this.charIndex = new Uint16Array(65536);
    this.charFns = [() => undefined];
    for (const [code, handlers] of this.chars) {
      classes[code] = classes[code]! | SPECIAL;
      this.charIndex[code] = this.charFns.length;
      this.charFns.push(compose(handlers));
    }
    if (this.lineFactories.length > 0) classes[10] = classes[10]! | SPECIAL;
    this.prefixIndex = new Uint16Array(16384);
    this.prefixFns = [() => undefined];
    this.prefixThird = new Uint8Array(128 * (this.prefixes.size + 1));
    for (const [key, handlers] of this.prefixes) {
      const index = this.prefixFns.length;
      this.prefixIndex[key] = index;
      this.prefixFns.push(compose(handlers));
      this.prefixThird.set(this.thirds.get(key)!, index * 128);
    }
    this.glueFn = this.glues.length === 0 ? undefined : compose(this.glues);
    this.table = combinedTable(classes);
    return this;
  }

  /**
   * A word of letters outside ASCII and ASCII ones together (Chinese or Japanese written against a token:
   * `令牌是ghp_…`, `hooks.slack.com…です`): each run of ASCII letters and digits in it is looked at as a
   * word of its own, for a credential prefix where it starts and for an anchor word, and `glued` handlers
   * are called where it follows a letter outside ASCII. Returns where a
   * base64 run may start: after the last letter outside ASCII. Rare in the scan, so it may look again.
   */
  private mixedWord(text: string, s: number, end: number, scan: Scan): number {
    const T = this.table;
    let after = s;
    for (let j = s; j < end;) {
      if ((T[text.charCodeAt(j)]! & LETTER_X) !== 0) {
        after = ++j;
        continue;
      }
      const a = j;
      let h = 0;
      for (; j < end && (T[text.charCodeAt(j)]! & LETTER_X) === 0; j++)
        h = (Math.imul(h, 31) + (T[text.charCodeAt(j)]! >>> 8)) | 0;
      if (a > s && this.glueFn !== undefined) this.glueFn(text, a, scan);
      if (asciiAlnumPair(text, a) && !(a === s && s > 0 && text.charCodeAt(s - 1) === 95)) {
        const p = this.prefixIndex[((text.charCodeAt(a) & 127) << 7) | (text.charCodeAt(a + 1) & 127)]!;
        if (p !== 0 && this.prefixThird[(p << 7) | (text.charCodeAt(a + 2) & 127)] === 1)
          this.prefixFns[p]!(text, a, scan);
      }
      if (this.bloom[h & (BLOOM_SIZE - 1)] === 1) {
        for (const anchor of this.anchors.get(h) ?? []) {
          if (sameFolded(text, a, j, anchor.word)) anchor.handler(text, a, j, scan);
        }
      }
    }
    return after;
  }

  /**
   * Walk `text` once, calling every registered handler; hits land in `scan`. The loop reads the text's
   * UTF-16 code units from a typed array (`scan.codes`) rather than with `charCodeAt`: V8 checks a
   * string's representation on every `charCodeAt`, which made reading the characters cost as much as all
   * the rest of the loop; copying them out first is about 1 µs for 16 KB.
   */
  run(text: string, scan: Scan): void {
    const n = text.length;
    const codes = takeCodes(n);
    const outer = scan.codes;
    try {
      copyCodes(text, codes);
      scan.codes = codes;
      this.walk(text, scan, codes, n);
    } finally {
      scan.codes = outer;
      giveBackCodes(codes, n);
    }
  }

  private walk(text: string, scan: Scan, codes: Uint16Array, n: number): void {
    // One table read per character gives both its class and its folded code unit.
    const T = this.table;
    const prefixIndex = this.prefixIndex;
    const prefixFns = this.prefixFns;
    const prefixThird = this.prefixThird;
    const charIndex = this.charIndex;
    const charFns = this.charFns;
    const bloom = this.bloom;
    const anchors = this.anchors;
    const runs = this.runs;
    const hasRuns = runs.length > 0;
    const consumer =
      this.lineFactories.length === 0 ? undefined : composeLines(this.lineFactories.map((f) => f()));
    let runStart = 0;
    let lineStart = 0;
    let punct = 0;
    let i = 0;
    while (i < n) {
      const c = codes[i]!;
      const k = T[c]!;
      if ((k & WORD) !== 0) {
        const s = i;
        let h = k >>> 8;
        let high = k;
        // The second code unit is read once, for both the word and the prefix key (0 past the end, the
        // key of a one-character word).
        const second = codes[++i]!;
        const t2 = T[second]!;
        if (i < n && (t2 & WORD) !== 0) {
          h = (Math.imul(h, 31) + (t2 >>> 8)) | 0;
          high |= t2;
          i++;
          while (i < n) {
            const t = T[codes[i]!]!;
            if ((t & WORD) === 0) break;
            h = (Math.imul(h, 31) + (t >>> 8)) | 0;
            high |= t;
            i++;
          }
        }
        // One branch for the rare cases (a letter outside ASCII, a two-character prefix key, a word in
        // the bloom filter) instead of one each: most words are none of them.
        const p = prefixIndex[((c & 127) << 7) | (second & 127)]!;
        const anchored = bloom[h & (BLOOM_SIZE - 1)]!;
        if (((high & LETTER_X) | p | anchored) !== 0) {
          // Letters outside ASCII end a base64 run; a token may still start or end next to them.
          if ((high & LETTER_X) !== 0) runStart = this.mixedWord(text, s, i, scan);
          // At an identifier boundary: the character before is not a word character (it would be part
          // of this word), so only `_` can continue an identifier.
          else if (
            p !== 0 &&
            (s === 0 || codes[s - 1] !== 95) &&
            prefixThird[(p << 7) | (codes[s + 2]! & 127)] === 1
          )
            prefixFns[p]!(text, s, scan);
          if (anchored === 1) {
            const list = anchors.get(h);
            if (list !== undefined) {
              for (const anchor of list) {
                if (sameFolded(text, s, i, anchor.word)) anchor.handler(text, s, i, scan);
              }
            }
          }
        }
        continue;
      }
      punct += (k >>> PUNCT_SHIFT) & 1; // no branch: punctuation comes and goes at random
      if ((k & (B64_X | SPECIAL)) === 0) {
        // Spaces and most punctuation: they end a base64 run and call nothing.
        if (hasRuns && i - runStart >= MIN_RUN) for (const r of runs) r(text, runStart, i, scan);
        runStart = ++i;
        continue;
      }
      if (hasRuns && (k & B64_X) === 0) {
        if (i - runStart >= MIN_RUN) for (const r of runs) r(text, runStart, i, scan);
        runStart = i + 1;
      }
      if ((k & SPECIAL) !== 0) {
        if (c === 10 && consumer !== undefined) {
          consumer.line(text, lineStart, i, punct, scan);
          lineStart = i + 1;
          punct = 0;
        }
        const idx = charIndex[c]!;
        if (idx !== 0) charFns[idx]!(text, i, scan);
      }
      i++;
    }
    if (hasRuns && n - runStart >= MIN_RUN) for (const r of runs) r(text, runStart, n, scan);
    if (consumer !== undefined) {
      if (lineStart < n) consumer.line(text, lineStart, n, punct, scan);
      consumer.finish(text, scan);
    }
    for (const p of this.passes) p(text, scan);
  }
}

/** Whether a two-character prefix key can start at `j`: both characters ASCII letters or digits. */
function asciiAlnumPair(text: string, j: number): boolean {
  const a = text.charCodeAt(j);
  const b = text.charCodeAt(j + 1);
  return (
    ((a >= 48 && a <= 57) || (a >= 65 && a <= 90) || (a >= 97 && a <= 122)) &&
    ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122))
  );
}

const EMPTY_TABLE = new Int32Array(0);

/** Code units past a text's end that the scan may read (a word's second and third characters): zeros. */
const PAST_END = 3;
/** The largest copy kept for the next scan (1 Mi code units, 2 MB); longer texts get one of their own. */
const MAX_KEPT_CODES = 1 << 20;
const NO_CODES = new Uint16Array(0);
/** The copy the last scan gave back, for the next one; a scan inside a scan (decoded text) makes its own. */
let keptCodes: Uint16Array = NO_CODES;

/** An array for the code units of a text of `n` of them, and the zeros after them. */
function takeCodes(n: number): Uint16Array {
  const kept = keptCodes;
  if (kept.length >= n + PAST_END) {
    keptCodes = NO_CODES;
    return kept;
  }
  // Rounded up to 4 Ki code units, so that texts growing a little at a time do not each make a new one.
  // Not zeroed (a quarter of the cost for a 4 MB text): every code unit the scan reads is written first.
  const size = (n + PAST_END + 4095) & ~4095;
  const bytes = Buffer.allocUnsafeSlow(size * 2);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, size);
}

/**
 * Keep `codes` for the next scan if it is the largest yet (up to MAX_KEPT_CODES), wiped of the `n` code
 * units copied into it: a prompt is not to outlive its inspection in a buffer kept for good (about 1 µs
 * for 16 KB).
 */
function giveBackCodes(codes: Uint16Array, n: number): void {
  if (codes.length > MAX_KEPT_CODES || codes.length <= keptCodes.length) return;
  codes.fill(0, 0, n);
  keptCodes = codes;
}

/**
 * Copy `text`'s UTF-16 code units (lone surrogates included, as `charCodeAt` reads them) into `codes`,
 * followed by zeros where the scan may read past the end.
 */
function copyCodes(text: string, codes: Uint16Array): void {
  const n = text.length;
  if (LITTLE_ENDIAN)
    Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength).write(text, 0, n * 2, "utf16le");
  else for (let i = 0; i < n; i++) codes[i] = text.charCodeAt(i); // UTF-16LE bytes would read swapped
  codes.fill(0, n, n + PAST_END);
}

/** Whether a Uint16Array reads UTF-16LE bytes as code units (not on big-endian hosts such as s390x). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Combined tables by the class table they were built from: plans of different roles mostly register the
 * same special characters, so they share one 256 KB table. Bounded (eight kept, 2 MB): the key depends
 * on the options, not on the text; further configurations build their own.
 */
const tables = new Map<string, Int32Array>();

function combinedTable(classes: Uint8Array): Int32Array {
  let key = "";
  for (let c = 0; c < 65536; c++) if ((classes[c]! & SPECIAL) !== 0) key += `${c},`;
  let table = tables.get(key);
  if (table === undefined) {
    table = new Int32Array(65536);
    for (let c = 0; c < 65536; c++) table[c] = (FOLD[c]! << 8) | classes[c]!;
    if (tables.size < 8) tables.set(key, table);
  }
  return table;
}

/**
 * One function calling several handlers in turn (no rest arguments, and no loop for two or three: this
 * runs per word start, and digits, `:` and `=` have several handlers each).
 */
function compose(handlers: readonly ((text: string, pos: number, scan: Scan) => void)[]) {
  const [a, b, c] = handlers;
  if (handlers.length === 1) return a!;
  if (handlers.length === 2)
    return (text: string, pos: number, scan: Scan): void => {
      a!(text, pos, scan);
      b!(text, pos, scan);
    };
  if (handlers.length === 3)
    return (text: string, pos: number, scan: Scan): void => {
      a!(text, pos, scan);
      b!(text, pos, scan);
      c!(text, pos, scan);
    };
  return (text: string, pos: number, scan: Scan): void => {
    for (const h of handlers) h(text, pos, scan);
  };
}

function composeLines(consumers: readonly LineConsumer[]): LineConsumer {
  if (consumers.length === 1) return consumers[0]!;
  return {
    line: (...args) => {
      for (const c of consumers) c.line(...args);
    },
    finish: (...args) => {
      for (const c of consumers) c.finish(...args);
    },
  };
}
