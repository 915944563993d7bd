import { PatternError, parsePattern } from "../inspect/confidential/safe-pattern.js";
import { hasControlCharacter } from "./fields.js";
import { ruleCovers } from "./match.js";
import { describeRoute, routeModel } from "./route.js";
import type { AiSection } from "./schema.js";
import { HOSTINGS, type AccessEntry, type AiPolicy } from "./types.js";
import { isWildcard } from "./wildcard.js";

/**
 * Checks that need the whole `ai:` section: names that must exist, reroutes that must lead somewhere
 * the rule lets them go, upstream settings that only make sense for some types. Each problem carries
 * the path of the field at fault (relative to `ai`), so the config loader can add its line number.
 */

export interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const UPSTREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers the gateway sets itself, or that carry credentials (those belong in apiKey). */
const MANAGED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
]);
const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
]);

function quoted(values: Iterable<string>): string {
  return [...values].map((v) => JSON.stringify(v)).join(", ") || "none";
}

/**
 * Every cross-reference problem of a built policy; `section` tells which lists the user wrote (problems
 * in defaults cannot happen, and paths point into what was written).
 *
 * @example checkPolicy(buildPolicy(section), section) // [] when the section is consistent
 */
export function checkPolicy(policy: AiPolicy, section: AiSection): Problem[] {
  const problems: Problem[] = [];
  const add = (path: readonly (string | number)[], message: string) => problems.push({ path, message });
  const upstreamNames = Object.keys(policy.upstreams);

  for (const [name, u] of Object.entries(policy.upstreams)) {
    const at = ["upstreams", name];
    if (!UPSTREAM_NAME.test(name)) {
      add(at, "an upstream name uses letters, digits, ., _ and - (at most 64 characters)");
    } else if ((HOSTINGS as readonly string[]).includes(name)) {
      add(at, `"${name}" is a hosting class; give the upstream another name so rules can tell them apart`);
    }
    if (!u.baseUrl) add([...at, "baseUrl"], `required for type ${u.type}`);
    if (u.type !== "azure-openai" && section.upstreams?.[name]?.apiVersion !== undefined) {
      add([...at, "apiVersion"], "only used by type azure-openai");
    }
    for (const [header, value] of Object.entries(u.headers)) {
      const hat = [...at, "headers", header];
      const lc = header.toLowerCase();
      if (!HEADER_NAME.test(header)) add(hat, "not a valid HTTP header name");
      else if (CREDENTIAL_HEADERS.has(lc))
        add(hat, "credentials go in apiKey ({ env } or { file }), not in headers");
      else if (MANAGED_HEADERS.has(lc)) add(hat, "set by the gateway itself");
      else if (value.length > 8192 || hasControlCharacter(value) || !/^[\x20-\xff]*$/.test(value)) {
        // Node refuses to send anything else, so say it now rather than on the first request.
        add(hat, "expected a one-line value of printable characters");
      }
    }
  }

  if (policy.models.length === 0) {
    if (section.models) add(["models"], "no entries: no request could be routed");
    else
      add(["upstreams"], "none of the default models entries routes to these upstreams; add a models: list");
  }
  policy.models.forEach((m, i) => {
    if (!(m.upstream in policy.upstreams)) {
      add(["models", i, "upstream"], `no upstream "${m.upstream}" (upstreams: ${quoted(upstreamNames)})`);
    }
    if (m.as !== undefined && isWildcard(m.as))
      add(["models", i, "as"], "must be a model name, not a pattern");
  });

  const checkAccess = (entry: AccessEntry, at: readonly (string | number)[]) => {
    for (const u of entry.upstreams ?? []) {
      if (!isWildcard(u) && !(u in policy.upstreams)) {
        add([...at, "upstreams"], `no upstream "${u}" (upstreams: ${quoted(upstreamNames)})`);
      }
    }
    for (const m of entry.models ?? []) {
      if (!isWildcard(m) && !routeModel(policy, m))
        add([...at, "models"], `"${m}" matches no entry in ai.models`);
    }
  };
  checkAccess(policy.access.default, ["access", "default"]);
  for (const level of ["teams", "users"] as const) {
    const seen = new Set<string>();
    for (const [key, entry] of Object.entries(section.access?.[level] ?? {})) {
      const lc = key.toLowerCase();
      if (key.trim() === "" || key.length > 200 || hasControlCharacter(key)) {
        add(["access", level, key], "expected a name of 1 to 200 characters on one line");
      }
      if (seen.has(lc)) add(["access", level, key], `listed twice (names are compared without case)`);
      seen.add(lc);
      const built = policy.access[level][lc];
      if (built && entry) checkAccess(built, ["access", level, key]);
    }
  }

  const destinations = `a hosting class (${HOSTINGS.join(", ")}) or an upstream name (${upstreamNames.join(", ")})`;
  policy.rules.forEach((rule, i) => {
    const at = ["rules", i];
    for (const to of rule.to ?? []) {
      if (!(HOSTINGS as readonly string[]).includes(to) && !(to in policy.upstreams)) {
        add([...at, "to"], `"${to}" is not ${destinations}`);
      }
    }
    if (rule.action !== "reroute") {
      if (rule.model !== undefined) add([...at, "model"], "only a reroute names a model");
    } else if (rule.model === undefined) {
      add([...at, "model"], "required for action reroute: the model to send the request to instead");
    } else if (isWildcard(rule.model)) {
      add([...at, "model"], "must be a model name, not a pattern");
    } else {
      const target = routeModel(policy, rule.model);
      if (!target) add([...at, "model"], `"${rule.model}" matches no entry in ai.models`);
      else if (!rule.to) {
        add(
          [...at, "to"],
          "a reroute needs to: (the destinations it moves requests away from); without it every destination, the target included, is covered",
        );
      } else if (ruleCovers(rule, target)) {
        add(
          [...at, "model"],
          `${describeRoute(target)} is itself covered by this rule's to: (${rule.to.join(", ")}), so the reroute would go nowhere; pick a model outside those destinations`,
        );
      }
    }
    if (rule.message !== undefined && rule.action !== "block" && rule.action !== "reroute") {
      add([...at, "message"], "only shown when a rule blocks; use it with action block or reroute");
    }
  });
  policy.detectors.confidential.patterns.forEach((p, i) => {
    // The inspector's own parser, so a pattern it would refuse at start-up is refused here with its line.
    try {
      parsePattern(p.pattern);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      add(["detectors", "confidential", "patterns", i, "pattern"], `rejected: ${e.message}`);
    }
  });
  return problems;
}
