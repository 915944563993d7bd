import { DetenteError } from "../../errors.js";
import { buildPolicy } from "./build.js";
import { checkPolicy, type Problem } from "./check.js";
import { aiSectionSchema } from "./schema.js";
import type { AiPolicy } from "./types.js";

/**
 * A field path as people read it and as the config loader resolves to a line: `ai.rules[2].action`,
 * `ai.upstreams.openai.apiKey`, `ai.access.users["alice@example.com"].tools`.
 *
 * @example fieldPath(["rules", 2, "action"]) // "ai.rules[2].action"
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "ai";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const s = String(key);
      out += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

function invalid(fileName: string, problems: readonly Problem[]): DetenteError {
  const issues = problems.map((p) => ({ path: fieldPath(p.path), message: p.message }));
  // Only paths and our own messages go into the error: never the input, which may hold a pasted secret.
  return new DetenteError(
    "INVALID_CONFIG",
    issues.map((i) => `${fileName}: ${i.path}: ${i.message}`).join("\n"),
    { file: fileName, issues },
  );
}

/**
 * Validate the `ai:` section (`raw` is its parsed YAML value; undefined or null mean "all defaults") and
 * fill in every default. Throws `INVALID_CONFIG` with one line per problem, each naming the file, the
 * field and what is allowed: `detente.yaml: ai.rules[2].action: expected one of "allow", ...`. Shape
 * problems are reported first; cross-references (upstreams that exist, reroutes that lead somewhere) are
 * checked once the shape is right.
 *
 * @example
 * const policy = parseAiPolicy({ failMode: "open" }, "detente.yaml");
 * policy.rules[0]; // { data: ["secret"], action: "block" }
 */
export function parseAiPolicy(raw: unknown, fileName: string): AiPolicy {
  const result = aiSectionSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw invalid(
      fileName,
      result.error.issues.map((issue) => ({
        path: issue.path as (string | number)[],
        message: issue.message,
      })),
    );
  }
  const policy = buildPolicy(result.data);
  const problems = checkPolicy(policy, result.data);
  if (problems.length > 0) throw invalid(fileName, problems);
  return policy;
}

/**
 * The policy an absent `ai:` section gives.
 *
 * @example DEFAULT_AI_POLICY.failMode // "closed"
 */
export const DEFAULT_AI_POLICY: AiPolicy = parseAiPolicy(undefined, "defaults");
