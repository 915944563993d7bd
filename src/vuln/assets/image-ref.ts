/**
 * Container image references, parsed the way Docker's `reference.ParseNormalizedNamed` does so that
 * every spelling of one repository compares equal: `nginx:1.25`, `library/nginx` and
 * `docker.io/library/nginx@sha256:...` are all `docker.io/library/nginx`. Parsed by hand, character by
 * character, because the input is any string a report put in its asset field.
 */

export interface ImageReference {
  /** Registry host, lower-case, with its port if any: `docker.io`, `registry.example.com:5000`. */
  readonly registry: string;
  /** Repository path within the registry: `library/nginx`, `payments/api`. */
  readonly repository: string;
  /** `registry/repository`: what an `image:` matcher compares. */
  readonly name: string;
  readonly tag: string | null;
  /** `algorithm:hex`, e.g. `sha256:0123...`. */
  readonly digest: string | null;
}

const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const MAX_REFERENCE_LENGTH = 512;

/**
 * Parse an image reference, or return undefined when the text cannot be one. A `docker://` transport
 * prefix is ignored; Docker Hub names get their implicit `docker.io/` and `library/`.
 *
 * @example
 * parseImageReference("nginx:1.25")?.name; // "docker.io/library/nginx"
 * parseImageReference("registry.example.com:5000/payments/api@sha256:ab12...")?.registry; // "registry.example.com:5000"
 */
export function parseImageReference(text: string): ImageReference | undefined {
  let rest = text.trim();
  if (rest.startsWith("docker://")) rest = rest.slice("docker://".length);
  if (rest.length === 0 || rest.length > MAX_REFERENCE_LENGTH) return undefined;

  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }

  let registry = DOCKER_HUB;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host (dot, port, localhost)
    // or has upper case, which a repository name may not.
    if (
      first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase()
    ) {
      if (!isRegistry(first)) return undefined;
      registry = first.toLowerCase();
      rest = rest.slice(slash + 1);
    }
  }

  let tag: string | null = null;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) return undefined;
  }

  const components = rest.split("/");
  if (!components.every(isPathComponent)) return undefined;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (components.length === 1) components.unshift("library");
  }
  const repository = components.join("/");
  return { registry, repository, name: `${registry}/${repository}`, tag, digest };
}

function isAlnum(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "0" && c <= "9");
}

/** A path component: lower-case letters and digits, separated by `.`, `_` or `-`, not at the ends. */
function isPathComponent(part: string): boolean {
  if (part.length === 0 || !isAlnum(part[0]!) || !isAlnum(part[part.length - 1]!)) return false;
  for (const c of part) {
    if (!isAlnum(c) && c !== "." && c !== "_" && c !== "-") return false;
  }
  return !part.includes("..");
}

function isRegistry(host: string): boolean {
  if (host.length === 0) return false;
  for (const c of host.toLowerCase()) {
    if (!isAlnum(c) && c !== "." && c !== "-" && c !== ":" && c !== "[" && c !== "]") return false;
  }
  return true;
}

function isTag(tag: string): boolean {
  if (tag.length === 0 || tag.length > 128) return false;
  for (let i = 0; i < tag.length; i++) {
    const c = tag[i]!.toLowerCase();
    const word = isAlnum(c) || c === "_";
    if (!word && (i === 0 || (c !== "." && c !== "-"))) return false;
  }
  return true;
}

function isDigest(digest: string): boolean {
  const colon = digest.indexOf(":");
  if (colon <= 0 || colon === digest.length - 1) return false;
  for (const c of digest.toLowerCase()) {
    if (!isAlnum(c) && c !== ":" && c !== "+" && c !== "." && c !== "_" && c !== "-" && c !== "=")
      return false;
  }
  return true;
}
