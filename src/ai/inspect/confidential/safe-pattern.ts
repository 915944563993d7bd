import {
  ANY,
  type CharSet,
  DIGIT,
  NOT_DIGIT,
  NOT_SPACE,
  NOT_WORD,
  SPACE_SET,
  WORD_SET,
  isWord,
  literal,
  range,
  union,
} from "./char-set.js";

/**
 * User-supplied confidential patterns, in a syntax that cannot hang the process. Two forms:
 *
 * - a glob: literal text where `*` is any run of non-space characters and `#` one digit (`\*`, `\#` and
 *   `\\` for the literal characters); it matches on word boundaries and is case-sensitive;
 * - a restricted regex written `/source/` or `/source/i`: literals, `.`, escapes `\d \D \w \W \s \S \b`,
 *   classes `[...]`, groups `(...)` / `(?:...)`, `|`, and quantifiers `? * + {n} {n,} {n,m}` (n, m <= 100).
 *   Backreferences, lookarounds, `^`/`$`, a quantifier on a group that holds a quantifier (nested
 *   quantifiers) and patterns that can match empty text are rejected.
 *
 * Either form compiles to an AST that `nfa.ts` turns into a Thompson automaton and simulates over the
 * text in one pass: time is linear in the text whatever the pattern, so a bad pattern can be slow to
 * write but never slow to run.
 */

export type Node =
  | { readonly kind: "set"; readonly set: CharSet }
  | { readonly kind: "seq"; readonly items: readonly Node[] }
  | { readonly kind: "alt"; readonly options: readonly Node[] }
  | { readonly kind: "repeat"; readonly node: Node; readonly min: number; readonly max: number } // max -1: unbounded
  | { readonly kind: "assert"; readonly test: "word-boundary" | "not-after-word" | "not-before-word" };

/** A pattern that was rejected; `message` says why without echoing matched text. */
export class PatternError extends Error {}

const MAX_REPEAT = 100;

/**
 * Compile a glob (`PRJ-####`, `ACME-*-CONFIDENTIAL`) to an AST.
 *
 * @example parseGlob("SEC-####") // not-after-word, S, E, C, -, digit x4, not-before-word
 */
export function parseGlob(glob: string): Node {
  const items: Node[] = [];
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "\\" && i + 1 < glob.length) {
      items.push({ kind: "set", set: literal(glob.charCodeAt(++i), false) });
    } else if (ch === "*") {
      items.push({ kind: "repeat", node: { kind: "set", set: NOT_SPACE }, min: 0, max: -1 });
    } else if (ch === "#") items.push({ kind: "set", set: DIGIT });
    else items.push({ kind: "set", set: literal(glob.charCodeAt(i), false) });
  }
  if (!items.some((n) => n.kind === "set")) throw new PatternError("a glob needs at least one literal or #");
  const first = glob.charCodeAt(0);
  const lastCh = glob[glob.length - 1]!;
  const out: Node[] = [];
  if (isWord(first) || glob.startsWith("#")) out.push({ kind: "assert", test: "not-after-word" });
  out.push(...items);
  if ((isWord(glob.charCodeAt(glob.length - 1)) || lastCh === "#") && !glob.endsWith("\\#")) {
    out.push({ kind: "assert", test: "not-before-word" });
  }
  return { kind: "seq", items: out };
}

/**
 * Parse a restricted regex; see the module comment for what is accepted.
 *
 * @example parseRegex("(a+)+", false) // throws PatternError: a nested quantifier at offset 5
 */
export function parseRegex(source: string, ignoreCase: boolean): Node {
  let i = 0;
  const peek = (): string | undefined => source[i];
  const fail = (what: string): never => {
    throw new PatternError(`${what} at offset ${i}`);
  };
  const hasQuantifier = (n: Node): boolean =>
    n.kind === "repeat" ||
    (n.kind === "seq" && n.items.some(hasQuantifier)) ||
    (n.kind === "alt" && n.options.some(hasQuantifier));

  /** After a backslash: one code unit, a shorthand class, or \b. */
  function escape(): number | CharSet | "boundary" {
    const ch = source[i++];
    if (ch === undefined) return fail("a trailing backslash");
    const shorthand: Record<string, CharSet> = {
      d: DIGIT,
      D: NOT_DIGIT,
      w: WORD_SET,
      W: NOT_WORD,
      s: SPACE_SET,
      S: NOT_SPACE,
    };
    if (shorthand[ch] !== undefined) return shorthand[ch];
    if (ch === "b") return "boundary";
    if (ch === "n") return 10;
    if (ch === "t") return 9;
    if (ch === "r") return 13;
    if (ch === "x" || ch === "u") {
      const len = ch === "x" ? 2 : 4;
      const hex = source.slice(i, i + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return fail(`a bad \\${ch} escape`);
      i += len;
      return parseInt(hex, 16);
    }
    if (ch === "k" || (ch >= "1" && ch <= "9")) return fail("a backreference");
    if (/[A-Za-z0-9]/.test(ch)) return fail(`an unknown escape \\${ch}`);
    return ch.charCodeAt(0);
  }

  /** One class member: a code unit or a shorthand set. */
  function classItem(): number | CharSet {
    if (peek() !== "\\") return source.charCodeAt(i++);
    i++;
    const e = escape();
    return e === "boundary" ? 8 : e; // [\b] is backspace
  }

  function charClass(): CharSet {
    let negate = false;
    if (peek() === "^") {
      negate = true;
      i++;
    }
    const parts: CharSet[] = [];
    let first = true;
    while (i < source.length && (peek() !== "]" || first)) {
      first = false;
      const lo = classItem();
      if (peek() === "-" && i + 1 < source.length && source[i + 1] !== "]") {
        i++;
        const hi = classItem();
        if (typeof lo !== "number" || typeof hi !== "number") return fail("a class shorthand in a range");
        if (hi < lo) return fail("a reversed class range");
        parts.push(range(lo, hi, ignoreCase));
      } else parts.push(typeof lo === "number" ? literal(lo, ignoreCase) : lo);
    }
    if (peek() !== "]") return fail("an unclosed class");
    i++;
    return union(parts, negate);
  }

  function group(): Node {
    for (const look of ["?=", "?!", "?<=", "?<!"])
      if (source.startsWith(look, i)) return fail("a lookaround");
    if (source.startsWith("?:", i)) i += 2;
    else if (source.startsWith("?<", i)) {
      const close = source.indexOf(">", i);
      if (close === -1) return fail("an unclosed group name");
      i = close + 1;
    } else if (peek() === "?") return fail("an unsupported group");
    const inner = alternation();
    if (peek() !== ")") return fail("an unclosed group");
    i++;
    return inner;
  }

  function atom(): Node {
    const ch = peek();
    i++;
    switch (ch) {
      case "(":
        return group();
      case "[":
        return { kind: "set", set: charClass() };
      case ".":
        return { kind: "set", set: ANY };
      case "\\": {
        const e = escape();
        if (e === "boundary") return { kind: "assert", test: "word-boundary" };
        return { kind: "set", set: typeof e === "number" ? literal(e, ignoreCase) : e };
      }
      case "^":
      case "$":
        return fail("an anchor (^ and $ are not supported; use \\b)");
      case "*":
      case "+":
      case "?":
      case "{":
        return fail("a quantifier with nothing to repeat");
      default:
        return { kind: "set", set: literal(ch!.charCodeAt(0), ignoreCase) };
    }
  }

  function quantifier(): [number, number] | undefined {
    const q = peek();
    if (q === "*") return [0, -1];
    if (q === "+") return [1, -1];
    if (q === "?") return [0, 1];
    if (q !== "{") return undefined;
    const m = /^\{(\d{1,3})(?:(,)(\d{0,3}))?\}/.exec(source.slice(i, i + 10));
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT) return fail(`a repeat count above ${MAX_REPEAT}`);
    if (max !== -1 && max < min) return fail("a reversed repeat count");
    i += m[0].length - 1;
    return [min, max];
  }

  function quantified(): Node {
    const node = atom();
    const q = quantifier();
    if (q === undefined) return node;
    i++;
    if (peek() === "?") i++; // lazy: matches are leftmost-longest anyway
    if (node.kind === "assert") return fail("a quantifier on an assertion");
    if (hasQuantifier(node) || quantifier() !== undefined) return fail("a nested quantifier");
    return { kind: "repeat", node, min: q[0], max: q[1] };
  }

  function sequence(): Node {
    const items: Node[] = [];
    while (i < source.length && peek() !== "|" && peek() !== ")") items.push(quantified());
    return { kind: "seq", items };
  }

  function alternation(): Node {
    const options = [sequence()];
    while (peek() === "|") {
      i++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "alt", options };
  }

  const node = alternation();
  if (i < source.length) fail("an unmatched )");
  return node;
}

/**
 * True when the pattern can match without consuming a character.
 *
 * @example matchesEmpty(parseRegex("a*", false)) // true
 */
export function matchesEmpty(n: Node): boolean {
  switch (n.kind) {
    case "set":
      return false;
    case "assert":
      return true;
    case "seq":
      return n.items.every(matchesEmpty);
    case "alt":
      return n.options.some(matchesEmpty);
    case "repeat":
      return n.min === 0 || matchesEmpty(n.node);
  }
}

/**
 * Parse a pattern in either form (`/regex/flags` or a glob).
 *
 * @example parsePattern("/DOC-[A-Z]{2}-\\d{4}/i"); parsePattern("PRJ-*")
 */
export function parsePattern(pattern: string): Node {
  if (pattern.length > 500) throw new PatternError("longer than 500 characters");
  const re = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  let node: Node;
  if (re !== null) {
    const flags = re[2]!;
    if (!/^i?$/.test(flags)) throw new PatternError(`unsupported flags "${flags}" (only i)`);
    node = parseRegex(re[1]!, flags === "i");
  } else node = parseGlob(pattern);
  if (matchesEmpty(node)) throw new PatternError("it can match empty text");
  return node;
}
