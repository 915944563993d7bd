import { DATA_CLASSES, type DataClass, type Detection } from "../inspect/types.js";
import { allowedModels, authorize } from "./access.js";
import { firstRule } from "./match.js";
import { describeRoute, routeModel } from "./route.js";
import type { AiAction, AiPolicy, Caller, RequestDecision, Route } from "./types.js";
import { ADVICE, countOf, listed, ruleSummary, verbOf } from "./words.js";

/**
 * Decide a request from its detections. Each detection is decided by the first rule that matches its
 * class (and type, when the rule lists types), the destination and the caller; detections of one class
 * decided by one rule form a group with one reason. The request's action is the strongest of its groups.
 * A reroute moves the request to the rule's model, and then every class is decided again for the new
 * destination, because what may go where depends on where it now goes.
 */

/** Reroutes in a row before the policy is declared circular; real policies need one. */
const MAX_REROUTES = 4;

/** The policy's actions, weakest first: where several apply, the strongest wins. */
export const STRENGTH: Readonly<Record<AiAction, number>> = {
  allow: 0,
  warn: 1,
  redact: 2,
  reroute: 3,
  block: 4,
};

interface Group {
  readonly rule: number; // -1: no rule applies
  readonly dataClass: DataClass;
  readonly action: AiAction;
  readonly types: Set<string>;
  readonly detections: Detection[];
}

const CLASS_ORDER = new Map<DataClass, number>(DATA_CLASSES.map((c, i) => [c, i]));

/** The groups at one destination, strongest first, then in data-class order. */
function groupAt(policy: AiPolicy, caller: Caller, route: Route, detections: readonly Detection[]): Group[] {
  const ruleOf = new Map<string, number>(); // class + type -> rule: the rule search runs once per pair
  const groups = new Map<string, Group>();
  // Detections of one type come in runs (a prompt's 29 code blocks): the run's group is reused.
  let last: Group | undefined;
  let lastType = "";
  for (const d of detections) {
    if (last !== undefined && d.type === lastType && d.dataClass === last.dataClass) {
      last.detections.push(d);
      continue;
    }
    const pair = `${d.dataClass}\0${d.type}`;
    let rule = ruleOf.get(pair);
    if (rule === undefined) {
      rule = firstRule(policy, caller, route, d.dataClass, d.type);
      ruleOf.set(pair, rule);
    }
    const key = `${rule}\0${d.dataClass}`;
    let g = groups.get(key);
    if (!g) {
      const action = rule < 0 ? "allow" : policy.rules[rule]!.action;
      g = { rule, dataClass: d.dataClass, action, types: new Set(), detections: [] };
      groups.set(key, g);
    }
    g.types.add(d.type);
    g.detections.push(d);
    last = g;
    lastType = d.type;
  }
  return [...groups.values()].sort(
    (a, b) =>
      STRENGTH[b.action] - STRENGTH[a.action] ||
      CLASS_ORDER.get(a.dataClass)! - CLASS_ORDER.get(b.dataClass)! ||
      a.rule - b.rule,
  );
}

function countText(g: Group): string {
  return countOf(g.dataClass, g.detections.length, g.types);
}

function reasonOf(policy: AiPolicy, g: Group, route: Route): string {
  if (g.rule < 0) return `${countText(g)}: allowed (no rule applies)`;
  const rule = policy.rules[g.rule]!;
  const by = `rule ${g.rule + 1} (${ruleSummary(rule)})`;
  // A reroute only remains among the final groups when something else blocks the request.
  if (g.action === "reroute")
    return `${countText(g)}: would be rerouted by ${by}, but the request is blocked`;
  const where = rule.to ? `for ${describeRoute(route)}` : "everywhere";
  return `${countText(g)}: ${verbOf(g.action)} ${where} by ${by}`;
}

/** Literal models the caller may use where none of the blocked detections would be blocked. */
function alternatives(policy: AiPolicy, caller: Caller, route: Route, blocked: readonly Group[]): string[] {
  const pairs = blocked.flatMap((g) => [...g.types].map((t) => [g.dataClass, t] as const));
  return allowedModels(policy, caller).filter((name) => {
    const r = routeModel(policy, name);
    if (!r || (r.upstream === route.upstream && r.model === route.model)) return false;
    return pairs.every(([c, t]) => {
      const i = firstRule(policy, caller, r, c, t);
      return i < 0 || policy.rules[i]!.action !== "block";
    });
  });
}

function blockMessage(policy: AiPolicy, caller: Caller, route: Route, blocked: readonly Group[]): string {
  const parts = [`detente blocked this request to ${route.requested}.`];
  for (const g of blocked) {
    const rule = policy.rules[g.rule]!;
    const where = rule.to ? `may not be sent to ${describeRoute(route)}` : "may not be sent to any model";
    parts.push(`It contains ${countText(g)}, which ${where} (rule ${g.rule + 1}).`);
    parts.push(rule.message ?? ADVICE[g.dataClass]);
  }
  const elsewhere = alternatives(policy, caller, route, blocked);
  if (elsewhere.length > 0) parts.push(`Models that may receive it: ${listed(elsewhere)}.`);
  return parts.join(" ");
}

function ruleIndexesOf(groups: readonly Group[], extra: readonly number[]): number[] {
  const set = new Set<number>(extra);
  for (const g of groups) if (g.rule >= 0) set.add(g.rule);
  return [...set].sort((a, b) => a - b);
}

/**
 * Decide a request. A reroute whose target the caller may not use becomes a block saying so, as does a
 * policy that would send the request around in circles.
 *
 * @example
 * decideRequest({ policy, caller, route: routeModel(policy, "gpt-4o")!, detections });
 * // { action: "block", reasons: ["2 secrets (aws-access-key-id, github-token): blocked everywhere by rule 1 (secret -> block)"], ... }
 */
export function decideRequest(args: {
  policy: AiPolicy;
  caller: Caller;
  route: Route;
  detections: readonly Detection[];
}): RequestDecision {
  const { policy, caller, detections } = args;
  let route = args.route;
  const hopReasons: string[] = [];
  const hopRules: number[] = [];
  const hopCounts: string[] = []; // what each reroute moved, for the message of a circular policy
  const visited = new Set([`${route.upstream}\0${route.model}`]);
  for (;;) {
    const groups = groupAt(policy, caller, route, detections);
    const blocked = groups.filter((g) => g.action === "block");
    const reroute = groups.filter((g) => g.action === "reroute").sort((a, b) => a.rule - b.rule)[0];
    if (blocked.length > 0 || !reroute) {
      const action: AiAction =
        blocked.length > 0 ? "block" : hopRules.length > 0 ? "reroute" : (groups[0]?.action ?? "allow");
      return {
        action,
        route,
        redact:
          action === "block" ? [] : groups.filter((g) => g.action === "redact").flatMap((g) => g.detections),
        reasons: [...hopReasons, ...groups.map((g) => reasonOf(policy, g, route))],
        ...(action === "block" ? { message: blockMessage(policy, caller, route, blocked) } : {}),
        ruleIndexes: ruleIndexesOf(groups, hopRules),
      };
    }
    const rule = policy.rules[reroute.rule]!;
    // Validation makes every reroute target route; a hand-built policy that does not is a bug.
    const target = routeModel(policy, rule.model ?? "");
    if (!target) throw new Error(`rule ${reroute.rule + 1} reroutes to a model that routes nowhere`);
    const by = `rule ${reroute.rule + 1} (${ruleSummary(rule)})`;
    const move = `from ${describeRoute(route)} to ${describeRoute(target)}`;
    const refuse = (why: string, message: string): RequestDecision => ({
      action: "block",
      route,
      redact: [],
      reasons: [...hopReasons, `${countText(reroute)}: blocked, because ${by} reroutes it ${move}, ${why}`],
      message,
      ruleIndexes: ruleIndexesOf([], [...hopRules, reroute.rule]),
    });
    const auth = authorize(policy, caller, target);
    if (!auth.ok) {
      return refuse(
        `which you may not use (${auth.reason} not approved)`,
        `detente did not send this request to ${route.requested}: it contains ${countText(reroute)}, which rule ${reroute.rule + 1} sends to ${target.requested} instead, but you may not use that model. ${rule.message ? `${rule.message} ` : ""}${auth.message}`,
      );
    }
    const key = `${target.upstream}\0${target.model}`;
    if (visited.has(key) || hopRules.length >= MAX_REROUTES) {
      const rules = [...new Set([...hopRules, reroute.rule])].map((i) => i + 1).join(", ");
      return refuse(
        "where it has already been",
        `detente could not place this request: it contains ${[...new Set([...hopCounts, countText(reroute)])].join(" and ")}, and the AI policy's rules (${rules}) send it back and forth between models. Ask your admin to fix ai.rules in detente.yaml.`,
      );
    }
    visited.add(key);
    hopReasons.push(`${countText(reroute)}: rerouted ${move} by ${by}`);
    hopRules.push(reroute.rule);
    hopCounts.push(countText(reroute));
    route = target;
  }
}
