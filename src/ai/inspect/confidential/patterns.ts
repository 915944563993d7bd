import { DetenteError } from "../../../errors.js";
import { RANK, type TextPass } from "../scan.js";
import { PatternSet } from "./nfa.js";
import { type Node, PatternError, parsePattern } from "./safe-pattern.js";

/**
 * Compile the configured confidential patterns into one automaton, as a whole-text pass that reports each
 * match as `pattern:<name>`. A pattern outside the safe syntax throws `DetenteError("INVALID_CONFIG")`
 * naming it and saying what was rejected.
 *
 * @example
 * const pass = compilePatterns([{ name: "ticket", pattern: "SEC-####" }]);
 * if (pass !== undefined) plan.pass(pass);
 */
export function compilePatterns(
  patterns: readonly { readonly name: string; readonly pattern: string }[],
): TextPass | undefined {
  if (patterns.length === 0) return undefined;
  const nodes: Node[] = patterns.map((p, i) => {
    try {
      return parsePattern(p.pattern);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      throw new DetenteError(
        "INVALID_CONFIG",
        `inspector: confidential.patterns[${i}] "${p.name}": rejected: ${e.message}`,
      );
    }
  });
  let set: PatternSet;
  try {
    set = new PatternSet(nodes);
  } catch (e) {
    if (!(e instanceof PatternError)) throw e;
    throw new DetenteError("INVALID_CONFIG", `inspector: confidential.patterns: rejected: ${e.message}`);
  }
  const types = patterns.map((p) => `pattern:${p.name}`);
  return (text, scan) => {
    set.scan(text, (p, start, end) => {
      scan.emit("confidential", types[p]!, start, end, 0.8, RANK.pattern);
    });
  };
}
