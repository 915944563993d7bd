/**
 * `*`-only wildcards for model, tool, team and user names in the AI policy. Deliberately simpler than the
 * asset globs (src/vuln/assets/glob.ts): no `?`, no escapes, no separators, because model names such as
 * `accounts/fireworks/models/llama-v3` or `o3-mini` must match `*` across every character. The matcher
 * is the classic greedy one with a single backtrack point, O(text x pattern) in the worst case and never
 * exponential, and the callers bound both lengths.
 */

/** True when `pattern` contains a `*`. */
export function isWildcard(pattern: string): boolean {
  return pattern.includes("*");
}

/**
 * Whether `text` matches `pattern`, where `*` matches any run of characters (including none) and every
 * other character matches itself. Case-sensitive: lower-case both sides first for case-free names.
 *
 * @example
 * wildcardMatch("gpt-*", "gpt-4o-mini"); // true
 * wildcardMatch("o3*", "o1-mini"); // false
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the text that `*` would stop matching next
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character; earlier stars never need revisiting, which is what
      // keeps this linear per star instead of exponential.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Whether any of `patterns` matches `text`.
 *
 * @example matchesAny(["cursor", "claude-*"], "claude-code") // true
 */
export function matchesAny(patterns: readonly string[], text: string): boolean {
  for (const pattern of patterns) if (wildcardMatch(pattern, text)) return true;
  return false;
}
