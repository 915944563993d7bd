import type { DataClass } from "../inspect/types.js";
import type { AiAction, AiRule } from "./types.js";

/**
 * The sentences of AI decisions, in one place so reasons and block messages spell things the same way.
 * Nothing here ever sees a matched value: only data classes, detection type ids and counts.
 */

/** Lists longer than this are cut in messages ("and 12 more"): a message is read, not parsed. */
const LISTED = 10;

/**
 * "a, b and 3 more": at most ten names.
 *
 * @example listed(["a", "b"]) // "a, b"
 */
export function listed(names: readonly string[]): string {
  if (names.length <= LISTED) return names.join(", ");
  return `${names.slice(0, LISTED).join(", ")} and ${names.length - LISTED} more`;
}

const NOUNS: Readonly<Record<DataClass, readonly [string, string]>> = {
  secret: ["secret", "secrets"],
  pii: ["piece of personal data", "pieces of personal data"],
  confidential: ["confidential item", "confidential items"],
  "source-code": ["block of source code", "blocks of source code"],
  injection: ["prompt-injection attempt", "prompt-injection attempts"],
  "unsafe-code": ["unsafe code pattern", "unsafe code patterns"],
};

/**
 * What the engineer can do instead, per class, when a rule without its own `message` blocks.
 *
 * @example ADVICE.pii // "Remove the personal data or replace it with made-up examples."
 */
export const ADVICE: Readonly<Record<DataClass, string>> = {
  secret: "Remove the secret and use an environment variable reference instead of pasting the key.",
  pii: "Remove the personal data or replace it with made-up examples.",
  confidential:
    "Remove the confidential material (labels, internal names, identifiers) or describe it in general terms.",
  "source-code": "Leave the proprietary code out, or use a model approved for code.",
  injection:
    "Text in the assistant's context tries to give the model instructions; check the files, pages and tool output you shared.",
  "unsafe-code": "Rewrite the code without the unsafe pattern.",
};

const VERBS: Readonly<Record<Exclude<AiAction, "reroute">, string>> = {
  block: "blocked",
  redact: "redacted",
  warn: "allowed with a warning",
  allow: "allowed",
};

/** Type ids come from the inspector, but a message is bounded whatever it is given. */
function typeList(types: Iterable<string>): string {
  const all = [...types].map((t) => (t.length > 64 ? `${t.slice(0, 64)}...` : t));
  return all.length <= 5 ? all.join(", ") : `${all.slice(0, 5).join(", ")} and ${all.length - 5} more types`;
}

/**
 * "2 secrets (aws-access-key-id, github-token)".
 *
 * @example countOf("secret", 2, ["aws-access-key-id", "github-token"]) // "2 secrets (aws-access-key-id, github-token)"
 */
export function countOf(dataClass: DataClass, count: number, types: Iterable<string>): string {
  const [one, many] = NOUNS[dataClass];
  return `${count} ${count === 1 ? one : many} (${typeList(types)})`;
}

/**
 * The past-tense verb of an action other than reroute.
 *
 * @example verbOf("redact") // "redacted"
 */
export function verbOf(action: Exclude<AiAction, "reroute">): string {
  return VERBS[action];
}

/**
 * A rule as one line: "pii to external, zero-retention -> redact".
 *
 * @example ruleSummary({ data: ["source-code"], to: ["external"], action: "reroute", model: "qwen2.5-coder" })
 * // "source-code to external -> reroute qwen2.5-coder"
 */
export function ruleSummary(rule: AiRule): string {
  const scopes = [
    rule.teams && `teams ${listed(rule.teams)}`,
    rule.users && `users ${listed(rule.users)}`,
    rule.tools && `tools ${listed(rule.tools)}`,
  ].filter((s): s is string => typeof s === "string");
  return [
    rule.data.join(", "),
    rule.types ? ` of type ${listed(rule.types)}` : "",
    rule.to ? ` to ${listed(rule.to)}` : "",
    scopes.length > 0 ? ` for ${scopes.join("; ")}` : "",
    ` -> ${rule.action}`,
    rule.model !== undefined ? ` ${rule.model}` : "",
  ].join("");
}
