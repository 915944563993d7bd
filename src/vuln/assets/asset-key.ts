import { parseImageReference } from "./image-ref.js";
import { parseIp } from "./ip.js";
import type { IpAddress } from "./ip.js";
import { normalizeRepoUrl } from "./repo-url.js";

/**
 * Everything a finding's asset key could be. A report puts one string in the asset field, and whether it
 * is an image, a repository, a host, an address or a path depends on the scanner, so the key is read as
 * each of them and the matcher looks each reading up in its own index.
 */
export interface AssetKeyReadings {
  /** The key as given, trimmed: compared with asset keys, `key:` matchers and `glob:` matchers. */
  readonly key: string;
  /** `registry/repository` when the key parses as an image reference. */
  readonly image: string | undefined;
  /** `host/path` when the key parses as a repository URL. */
  readonly repo: string | undefined;
  /** Lower-case host name when the key is one, a `host:port`, or an http(s) URL. */
  readonly host: string | undefined;
  /** The address when the key is an IP, `[v6]:port`, `v4:port` or a URL with an IP host. */
  readonly ip: IpAddress | undefined;
}

const HOST_URL_SCHEMES = new Set(["http:", "https:", "tcp:", "udp:", "ws:", "wss:"]);

/**
 * Read a finding's asset key every way it can be read.
 *
 * @example
 * readAssetKey("https://pay-1.prod.example.com:8443/login").host; // "pay-1.prod.example.com"
 * readAssetKey("nginx:1.25").image; // "docker.io/library/nginx"
 */
export function readAssetKey(raw: string): AssetKeyReadings {
  const key = raw.trim();
  let host: string | undefined;
  let ip: IpAddress | undefined;
  const address = hostAndPort(key);
  if (address !== undefined) {
    ip = parseIp(address);
    if (!ip) host = normalizeHostName(address);
  }
  return { key, image: parseImageReference(key)?.name, repo: normalizeRepoUrl(key), host, ip };
}

/**
 * A host name in canonical form (lower-case, no trailing dot), or undefined when the text is not a host
 * name. Labels may hold letters, digits, `-` and `_` (seen in internal DNS).
 *
 * @example normalizeHostName("API.Example.com."); // "api.example.com"
 */
export function normalizeHostName(text: string): string | undefined {
  let host = text.trim().toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return undefined;
  for (const label of host.split(".")) {
    if (label.length === 0 || label.length > 63) return undefined;
    for (const c of label) {
      if (!((c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "-" || c === "_")) return undefined;
    }
  }
  return host;
}

/** The host part of a URL, `host:port`, `[v6]:port` or bare host/address; undefined for anything else. */
function hostAndPort(key: string): string | undefined {
  if (key.includes("://")) {
    let url: URL;
    try {
      url = new URL(key);
    } catch {
      return undefined;
    }
    if (!HOST_URL_SCHEMES.has(url.protocol)) return undefined;
    const name = url.hostname;
    return name.startsWith("[") ? name.slice(1, -1) : name;
  }
  if (key.startsWith("[")) {
    const close = key.indexOf("]");
    if (close < 0) return undefined;
    const after = key.slice(close + 1);
    return after === "" || (after.startsWith(":") && isPort(after.slice(1)))
      ? key.slice(1, close)
      : undefined;
  }
  if (key.includes("/")) return undefined; // a path, image or repository: never a host
  const colon = key.indexOf(":");
  if (colon >= 0 && colon === key.lastIndexOf(":") && isPort(key.slice(colon + 1)))
    return key.slice(0, colon);
  return key; // a bare host, an IPv6 address, or something parseIp/normalizeHostName will refuse
}

function isPort(text: string): boolean {
  if (text.length === 0 || text.length > 5) return false;
  for (const c of text) if (c < "0" || c > "9") return false;
  return true;
}
