/**
 * Linear-time glob matching for asset matchers. Patterns come from an inventory file, so they are
 * untrusted: instead of turning them into regular expressions (where `*a*a*a*b` can backtrack
 * exponentially) a pattern is compiled into a tiny state machine and simulated over the input with a set
 * of live states, which costs at most O(input length x pattern length) whatever the pattern.
 *
 * Syntax: `*` matches any run of characters except the separator, `**` matches anything including
 * separators, `?` matches one character except the separator, `\` makes the next character literal.
 * `**` followed by a separator may also match nothing, so `prod/**\/api` matches `prod/api` and
 * `**.example.com` matches `example.com`.
 */

/** Patterns longer than this are rejected by `compileGlob`; it bounds the cost of one match. */
export const MAX_GLOB_LENGTH = 1024;

const LIT = 0;
const ONE = 1;
const STAR = 2;
const ANY = 3;

export interface GlobOptions {
  /** The character `*` and `?` do not cross: `/` for paths (the default), `.` for host names. */
  readonly separator?: string;
  /** Compare case-insensitively (host names). */
  readonly ignoreCase?: boolean;
}

/** A compiled glob; `test` never backtracks. */
export interface CompiledGlob {
  /** The pattern as written. */
  readonly pattern: string;
  /** Characters the pattern matches literally; more literals means a more specific pattern. */
  readonly literals: number;
  /** True when the pattern has no wildcard at all (it only matches itself). */
  readonly isLiteral: boolean;
  test(text: string): boolean;
}

/** True when `pattern` contains an unescaped `*` or `?`. */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?") return true;
  }
  return false;
}

/**
 * Compile a glob into a matcher whose `test` runs in O(text x pattern) time, with no regular expression.
 * Throws a RangeError for patterns over MAX_GLOB_LENGTH (the inventory loader checks first and reports it).
 *
 * @example
 * compileGlob("prod/payments/**").test("prod/payments/api/Dockerfile"); // true
 * compileGlob("pay-*.example.com", { separator: ".", ignoreCase: true }).test("PAY-1.example.com"); // true
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): CompiledGlob {
  if (pattern.length > MAX_GLOB_LENGTH) {
    throw new RangeError(`glob longer than ${MAX_GLOB_LENGTH} characters`);
  }
  const separator = options.separator ?? "/";
  const ignoreCase = options.ignoreCase ?? false;
  const source = ignoreCase ? pattern.toLowerCase() : pattern;

  // The program: one instruction per state; `skip[i]` is an extra empty move from state i (for `**/`).
  const kinds: number[] = [];
  const chars: string[] = [];
  const skip: number[] = [];
  let literals = 0;
  const emit = (kind: number, ch = ""): void => {
    kinds.push(kind);
    chars.push(ch);
    skip.push(-1);
  };
  // Code points, not UTF-16 units, so `?` matches one character even outside the BMP.
  const symbols = Array.from(source);
  for (let i = 0; i < symbols.length; i++) {
    const c = symbols[i]!;
    if (c === "\\" && i + 1 < symbols.length) {
      emit(LIT, symbols[++i]);
      literals++;
    } else if (c === "*") {
      if (symbols[i + 1] !== "*") {
        emit(STAR);
        continue;
      }
      while (symbols[i + 1] === "*") i++; // `***` is `**`
      const at = kinds.length;
      emit(ANY);
      if (symbols[i + 1] === separator) {
        // `**/` matches "" or "anything/": allow jumping straight past the separator.
        emit(LIT, separator);
        skip[at] = at + 2;
        i++;
      }
    } else if (c === "?") {
      emit(ONE);
    } else {
      emit(LIT, c);
      literals++;
    }
  }
  const isLiteral = !hasWildcard(pattern);
  const literal = isLiteral ? chars.join("") : "";
  const accept = kinds.length;
  const closures = epsilonClosures(kinds, skip);
  // Compare code points as numbers: far cheaper per step than one-character strings.
  const codes = Int32Array.from(chars, (ch) => (ch === "" ? -1 : ch.codePointAt(0)!));
  const sep = separator.codePointAt(0) ?? -1;
  // Literal text before the first and after the last wildcard rejects most keys without simulation.
  let prefixEnd = 0;
  while (prefixEnd < accept && kinds[prefixEnd] === LIT) prefixEnd++;
  let suffixStart = accept;
  while (suffixStart > prefixEnd && kinds[suffixStart - 1] === LIT) suffixStart--;
  if (suffixStart > 0 && skip[suffixStart - 1]! >= 0) suffixStart++; // the `/` of `**/` is optional
  const prefix = chars.slice(0, prefixEnd).join("");
  const suffix = chars.slice(suffixStart).join("");
  // Literal runs in between must also appear, in order; `indexOf` checks that before any simulation.
  const fragments: string[] = [];
  let run = "";
  for (let i = prefixEnd; i < suffixStart; i++) {
    const optional = i > 0 && skip[i - 1]! >= 0;
    if (kinds[i] === LIT && !optional) {
      run += chars[i]!;
    } else {
      if (run) fragments.push(run);
      run = "";
    }
  }
  if (run) fragments.push(run);
  // Buffers reused across calls (matching is synchronous, so calls never overlap).
  const stamp = new Int32Array(accept + 1);
  let current = new Int32Array(accept + 1);
  let next = new Int32Array(accept + 1);

  function test(input: string): boolean {
    const text = ignoreCase ? input.toLowerCase() : input;
    if (isLiteral) return text === literal;
    if (text.length < prefix.length + suffix.length || !text.startsWith(prefix) || !text.endsWith(suffix)) {
      return false;
    }
    let from = prefix.length;
    const end = text.length - suffix.length;
    for (const fragment of fragments) {
      const at = text.indexOf(fragment, from);
      if (at < 0 || at + fragment.length > end) return false;
      from = at + fragment.length;
    }
    // Live states in a list plus a generation stamp per state: each step costs O(live states), never
    // more than the pattern's length, and nothing is ever retried.
    stamp.fill(-1);
    let generation = 0;
    let count = 0;
    let nextCount = 0;
    for (const state of closures[0]!) {
      stamp[state] = generation;
      current[count++] = state;
    }
    for (let p = 0; p < text.length;) {
      const c = text.codePointAt(p)!;
      p += c > 0xffff ? 2 : 1;
      generation++;
      nextCount = 0;
      for (let i = 0; i < count; i++) {
        const state = current[i]!;
        if (state === accept) continue;
        let target = -1;
        switch (kinds[state]) {
          case LIT:
            if (c === codes[state]) target = state + 1;
            break;
          case ONE:
            if (c !== sep) target = state + 1;
            break;
          case STAR:
            if (c !== sep) target = state;
            break;
          default: // ANY
            target = state;
        }
        if (target < 0) continue;
        for (const reached of closures[target]!) {
          if (stamp[reached] === generation) continue;
          stamp[reached] = generation;
          next[nextCount++] = reached;
        }
      }
      if (nextCount === 0) return false;
      [current, next] = [next, current];
      count = nextCount;
    }
    return stamp[accept] === generation;
  }

  return { pattern, literals, isLiteral, test };
}

/** For each state, the states reachable from it without reading a character (itself included). */
function epsilonClosures(kinds: readonly number[], skip: readonly number[]): Int32Array[] {
  const accept = kinds.length;
  const closures: Int32Array[] = new Array<Int32Array>(accept + 1);
  closures[accept] = Int32Array.of(accept);
  // Empty moves only go forward, so filling from the end sees every target's closure already built.
  for (let state = accept - 1; state >= 0; state--) {
    const reach = new Set<number>([state]);
    const kind = kinds[state];
    if (kind === STAR || kind === ANY) for (const s of closures[state + 1]!) reach.add(s);
    const jump = skip[state]!;
    if (jump >= 0) for (const s of closures[jump]!) reach.add(s);
    closures[state] = Int32Array.from(reach);
  }
  return closures;
}
