import type { DataClass } from "../inspect/types.js";
import type { AiPolicy, AiRule, Caller, Route } from "./types.js";
import { matchesAny } from "./wildcard.js";

/**
 * Whether a rule's destination (`to`) covers a route: absent means everywhere; otherwise the route's
 * hosting class or its upstream name must be listed.
 *
 * @example ruleCovers({ data: ["pii"], to: ["external"], action: "redact" }, route) // true for openai
 */
export function ruleCovers(rule: AiRule, route: Pick<Route, "upstream" | "hosting">): boolean {
  return !rule.to || rule.to.includes(route.hosting) || rule.to.includes(route.upstream);
}

/**
 * Whether the caller is inside a rule's scope (`teams`, `users`, `tools`; each given list must match).
 *
 * @example ruleInScope({ ..., tools: ["cursor"] }, { user: "a", team: "b", tool: "cursor" }) // true
 */
export function ruleInScope(rule: AiRule, caller: Caller): boolean {
  if (rule.teams && !matchesAny(rule.teams, caller.team.toLowerCase())) return false;
  if (rule.users && !matchesAny(rule.users, caller.user.toLowerCase())) return false;
  if (rule.tools && !matchesAny(rule.tools, caller.tool.toLowerCase())) return false;
  return true;
}

/**
 * The index of the first rule that decides a detection of `dataClass`/`type` for this caller and
 * route, or -1 when none does (the detection is then allowed and said so in the reasons).
 *
 * @example firstRule(policy, caller, route, "secret", "github-token") // 0 with the default rules
 */
export function firstRule(
  policy: AiPolicy,
  caller: Caller,
  route: Route,
  dataClass: DataClass,
  type: string,
): number {
  const rules = policy.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!rule.data.includes(dataClass)) continue;
    if (rule.types && !rule.types.includes(type)) continue;
    if (!ruleCovers(rule, route)) continue;
    if (!ruleInScope(rule, caller)) continue;
    return i;
  }
  return -1;
}
