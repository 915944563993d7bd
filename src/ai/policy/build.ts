import {
  DEFAULT_AZURE_API_VERSION,
  DEFAULT_GATEWAY,
  DEFAULT_MODELS,
  DEFAULT_RESPONSES,
  DEFAULT_RULES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_UPSTREAMS,
  UPSTREAM_DEFAULTS,
} from "./defaults.js";
import type { AiSection, RawAccessEntry, RawRule, RawUpstream } from "./schema.js";
import type { AccessEntry, AiPolicy, AiRule, Upstream } from "./types.js";

/**
 * Turn a shape-checked `ai:` section into the policy with every default applied. It does not judge
 * cross-references (check.ts does, on the result), so a missing required `baseUrl` is left empty here.
 */

/**
 * An object without a prototype, so a team called `constructor` finds nothing it should not.
 *
 * @example table([["contractors", entry]]).constructor // undefined
 */
export function table<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function lower(list: readonly string[] | undefined): readonly string[] | undefined {
  return list?.map((s) => s.toLowerCase());
}

/**
 * One upstream with its type's defaults (base URL, hosting, formats, key variable, timeout).
 *
 * @example buildUpstream("openai", { type: "openai" }).baseUrl // "https://api.openai.com/v1"
 */
export function buildUpstream(name: string, raw: RawUpstream): Upstream {
  const d = UPSTREAM_DEFAULTS[raw.type];
  const apiKey = raw.apiKey ?? d.apiKey;
  const apiVersion = raw.type === "azure-openai" ? (raw.apiVersion ?? DEFAULT_AZURE_API_VERSION) : undefined;
  return {
    name,
    type: raw.type,
    baseUrl: raw.baseUrl ?? d.baseUrl ?? "",
    ...(apiVersion === undefined ? {} : { apiVersion }),
    ...(apiKey === undefined ? {} : { apiKey }),
    hosting: raw.hosting ?? d.hosting,
    formats: raw.formats ?? d.formats,
    timeoutMs: raw.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    headers: table(Object.entries(raw.headers ?? {})),
  };
}

function accessEntry(raw: RawAccessEntry): AccessEntry {
  return {
    ...(raw.tools ? { tools: lower(raw.tools) } : {}),
    ...(raw.upstreams ? { upstreams: raw.upstreams } : {}),
    ...(raw.models ? { models: raw.models } : {}),
  };
}

function buildRule(raw: RawRule): AiRule {
  return {
    data: raw.data,
    action: raw.action,
    ...(raw.to ? { to: raw.to } : {}),
    ...(raw.model === undefined ? {} : { model: raw.model }),
    ...(raw.teams ? { teams: lower(raw.teams) } : {}),
    ...(raw.users ? { users: lower(raw.users) } : {}),
    ...(raw.tools ? { tools: lower(raw.tools) } : {}),
    ...(raw.types ? { types: raw.types } : {}),
    ...(raw.message === undefined ? {} : { message: raw.message }),
  };
}

/**
 * The policy for a section; `undefined` parts take the documented defaults.
 *
 * @example buildPolicy({}).gateway.port // 8787
 */
export function buildPolicy(section: AiSection): AiPolicy {
  const upstreams = table(
    Object.entries(section.upstreams ?? DEFAULT_UPSTREAMS).map(([name, raw]) => [
      name,
      buildUpstream(name, raw),
    ]),
  );
  // Default models that name an upstream the user did not define are dropped rather than reported: the
  // user never wrote them.
  const models = section.models ?? DEFAULT_MODELS.filter((m) => m.upstream in upstreams);
  const access = section.access ?? {};
  const d = access.default ?? {};
  const det = section.detectors ?? {};
  const conf = det.confidential ?? {};
  const gw = section.gateway ?? {};
  return {
    failMode: section.failMode ?? "closed",
    upstreams,
    models: models.map((m) => ({ ...m })),
    access: {
      default: { tools: lower(d.tools) ?? ["*"], upstreams: d.upstreams ?? ["*"], models: d.models ?? ["*"] },
      teams: table(Object.entries(access.teams ?? {}).map(([k, v]) => [k.toLowerCase(), accessEntry(v)])),
      users: table(Object.entries(access.users ?? {}).map(([k, v]) => [k.toLowerCase(), accessEntry(v)])),
    },
    rules: (section.rules ?? DEFAULT_RULES).map(buildRule),
    responses: { ...DEFAULT_RESPONSES, ...stripUndefined(section.responses ?? {}) },
    detectors: {
      pii: det.pii === undefined ? true : typeof det.pii === "boolean" ? det.pii : piiTypes(det.pii.types),
      sourceCode: det.sourceCode ?? true,
      injection: det.injection ?? true,
      unsafeCode: det.unsafeCode ?? true,
      allowlist: det.allowlist ?? [],
      confidential: {
        // Absent labels mean the inspector's defaults; an empty list turns them off, so keep the difference.
        ...(conf.labels ? { labels: conf.labels } : {}),
        domains: conf.domains ?? [],
        dictionaries: table(Object.entries(conf.dictionaries ?? {})),
        patterns: conf.patterns ?? [],
      },
    },
    gateway: {
      host: gw.host ?? DEFAULT_GATEWAY.host,
      port: gw.port ?? DEFAULT_GATEWAY.port,
      maxBodyBytes: gw.maxBodyBytes ?? DEFAULT_GATEWAY.maxBodyBytes,
      inspectionCache: gw.inspectionCache ?? DEFAULT_GATEWAY.inspectionCache,
      ...(gw.workers === undefined ? {} : { workers: gw.workers }),
      ...(gw.hashKey ? { hashKey: gw.hashKey } : {}),
    },
  };
}

/** `{ types }` when a subset was given, `true` (every type) when the mapping left types out. */
function piiTypes(types: readonly string[] | undefined): AiPolicy["detectors"]["pii"] {
  return types ? { types } : true;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
