/**
 * Source repository URLs in one comparable form, `host/path`, lower-case, without scheme, user, port or
 * `.git`: scanners and inventories spell the same repository as `https://github.com/org/repo.git`,
 * `git@github.com:org/repo.git` or `ssh://git@github.com/org/repo`, and all of them should find it.
 */

const URL_SCHEMES = new Set(["https:", "http:", "ssh:", "git:", "git+ssh:", "git+https:", "git+http:"]);
const MAX_URL_LENGTH = 2048;

/**
 * Normalize a repository URL, or return undefined when the text is not one. Accepts URLs with an https,
 * http, ssh, git or `git+` scheme, scp-like `user@host:path` and bare `host.tld/path`. Ports and
 * credentials are dropped (an https port and an ssh port name the same repository; a token in a URL must
 * never be kept).
 *
 * @example
 * normalizeRepoUrl("git@github.com:Example/payments-api.git"); // "github.com/example/payments-api"
 * normalizeRepoUrl("https://github.com/example/payments-api"); // "github.com/example/payments-api"
 */
export function normalizeRepoUrl(text: string): string | undefined {
  const input = text.trim();
  if (input.length === 0 || input.length > MAX_URL_LENGTH || /\s/.test(input)) return undefined;

  let host: string;
  let path: string;
  const schemeEnd = input.indexOf("://");
  if (schemeEnd > 0) {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return undefined;
    }
    if (!URL_SCHEMES.has(url.protocol)) return undefined;
    host = url.hostname;
    path = decodePath(url.pathname);
  } else {
    const colon = input.indexOf(":");
    const slash = input.indexOf("/");
    const authority = colon > 0 && (slash < 0 || colon < slash) ? input.slice(0, colon) : "";
    const atSign = authority.lastIndexOf("@");
    const afterColon = input.slice(colon + 1);
    const pathSlash = afterColon.indexOf("/");
    const portLike = authority !== "" && pathSlash > 0 && isDigits(afterColon.slice(0, pathSlash));
    if (authority !== "" && (atSign >= 0 || (afterColon.includes("/") && !portLike))) {
      // scp-like `[user@]host:path`; without a user the path must have a `/`, so `host:8080` is no repo.
      host = authority.slice(atSign + 1);
      path = afterColon;
    } else if (slash > 0) {
      // Bare `github.com/org/repo` (as Go module paths and many inventories write it), maybe with a port.
      host = input.slice(0, slash);
      path = input.slice(slash + 1);
      if (portLike) host = authority;
      if (!host.includes(".") && host !== "localhost") return undefined;
    } else {
      return undefined;
    }
  }

  host = host.toLowerCase();
  if (!isHostName(host)) return undefined;
  const segments = path
    .toLowerCase()
    .split("/")
    .filter((s) => s.length > 0);
  const last = segments.length - 1;
  if (last >= 0 && segments[last]!.endsWith(".git")) segments[last] = segments[last]!.slice(0, -4);
  if (segments.length === 0 || segments[last] === "") return undefined;
  return `${host}/${segments.join("/")}`;
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function isDigits(text: string): boolean {
  for (const c of text) if (c < "0" || c > "9") return false;
  return true;
}

function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  for (const c of host) {
    const ok = (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "." || c === "-" || c === "_";
    if (!ok && c !== "[" && c !== "]" && c !== ":") return false;
  }
  return true;
}
