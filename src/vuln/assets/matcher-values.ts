import { normalizeHostName } from "./asset-key.js";
import { compileGlob, hasWildcard, MAX_GLOB_LENGTH } from "./glob.js";
import type { CompiledGlob } from "./glob.js";
import { parseImageReference } from "./image-ref.js";
import { formatIp, parseCidr } from "./ip.js";
import type { IpVersion } from "./ip.js";
import { normalizeRepoUrl } from "./repo-url.js";
import type { AssetMatcher } from "./types.js";

/** A matcher compiled for lookup; `identity` is equal for two matchers that match the same keys. */
export type CompiledMatcher =
  | { readonly kind: "key"; readonly identity: string; readonly key: string }
  | { readonly kind: "image"; readonly identity: string; readonly name: string }
  | { readonly kind: "repo"; readonly identity: string; readonly url: string }
  | { readonly kind: "host"; readonly identity: string; readonly host: string }
  | { readonly kind: "ip"; readonly identity: string; readonly version: IpVersion; readonly value: bigint }
  | {
      readonly kind: "cidr";
      readonly identity: string;
      readonly version: IpVersion;
      readonly network: bigint;
      readonly prefix: number;
    }
  | { readonly kind: "host-glob"; readonly identity: string; readonly glob: CompiledGlob }
  | { readonly kind: "glob"; readonly identity: string; readonly glob: CompiledGlob };

/** Longest matcher value accepted; keeps memory and matching cost bounded for hostile files. */
export const MAX_MATCHER_LENGTH = 2048;

/**
 * Validate and compile one matcher. Returns the compiled form, or a sentence saying what was expected
 * (the inventory loader puts it after the file, line and field).
 *
 * @example
 * compileMatcher({ kind: "image", value: "nginx" }); // { kind: "image", name: "docker.io/library/nginx", ... }
 * compileMatcher({ kind: "image", value: "nginx:1.25" }); // "expected an image repository without a tag ..."
 */
export function compileMatcher(matcher: AssetMatcher): CompiledMatcher | string {
  const value = matcher.value.trim();
  if (value.length === 0) return `expected a ${matcher.kind} value, got an empty string`;
  if (value.length > MAX_MATCHER_LENGTH) return `must be at most ${MAX_MATCHER_LENGTH} characters`;
  switch (matcher.kind) {
    case "key":
      return { kind: "key", identity: `key ${value}`, key: value };
    case "image":
      return compileImage(value);
    case "repo": {
      const url = normalizeRepoUrl(value);
      if (!url) {
        return `expected a repository URL such as https://github.com/org/repo or git@github.com:org/repo.git, got "${value}"`;
      }
      return { kind: "repo", identity: `repo ${url}`, url };
    }
    case "host":
      return compileHost(value);
    case "ip": {
      const parsed = parseCidr(value);
      if (!parsed.ok) return parsed.error;
      const { version, network, prefix } = parsed.cidr;
      const text = formatIp({ version, value: network });
      // A block of one address is an exact address: it ranks with exact IPs, above any wider block.
      if (prefix === (version === 4 ? 32 : 128))
        return { kind: "ip", identity: `ip ${text}`, version, value: network };
      return { kind: "cidr", identity: `ip ${text}/${prefix}`, version, network, prefix };
    }
    case "glob":
      if (value.length > MAX_GLOB_LENGTH) return `a glob must be at most ${MAX_GLOB_LENGTH} characters`;
      return { kind: "glob", identity: `glob ${value}`, glob: compileGlob(value) };
  }
}

function compileImage(value: string): CompiledMatcher | string {
  const ref = parseImageReference(value);
  if (!ref) {
    return `expected an image repository such as registry.example.com/team/app or nginx, got "${value}"`;
  }
  if (ref.tag !== null || ref.digest !== null) {
    const suffix = ref.digest !== null ? `@${ref.digest}` : `:${ref.tag ?? ""}`;
    return `expected an image repository without a tag or digest (it matches every tag), got "${value}"; drop "${suffix}"`;
  }
  return { kind: "image", identity: `image ${ref.name}`, name: ref.name };
}

function compileHost(value: string): CompiledMatcher | string {
  const lower = value.toLowerCase();
  // An address written as a host is still an address; index it where addresses are looked up.
  const asIp = parseCidr(lower);
  if (asIp.ok && asIp.cidr.prefix === (asIp.cidr.version === 4 ? 32 : 128)) {
    const { version, network } = asIp.cidr;
    return { kind: "ip", identity: `ip ${formatIp({ version, value: network })}`, version, value: network };
  }
  if (hasWildcard(lower)) {
    if (lower.length > MAX_GLOB_LENGTH) return `a host pattern must be at most ${MAX_GLOB_LENGTH} characters`;
    const probe = normalizeHostName(lower.replaceAll("*", "x").replaceAll("?", "x"));
    if (!probe) return `expected a host name pattern such as *.prod.example.com, got "${value}"`;
    const pattern = lower.endsWith(".") ? lower.slice(0, -1) : lower;
    return {
      kind: "host-glob",
      identity: `host ${pattern}`,
      glob: compileGlob(pattern, { separator: ".", ignoreCase: true }),
    };
  }
  const host = normalizeHostName(lower);
  if (!host) return `expected a host name such as api.example.com, got "${value}"`;
  return { kind: "host", identity: `host ${host}`, host };
}
