import type { DataClass, Detection } from "../inspect/types.js";

/**
 * The shapes of the AI usage policy (the `ai:` section of detente.yaml, parsed and with every default
 * filled in) and of the decisions made from it. Kept apart from the schema so the gateway can import the
 * types without zod, and so the names read like the documentation (docs/ai-policy.md).
 */

/** What the policy may do with a request: the gateway forwards, warns, redacts, refuses or sends elsewhere. */
export type AiAction = "allow" | "warn" | "redact" | "block" | "reroute";

/** What may be done with findings in a model's output (a response cannot be rerouted after the fact). */
export type ResponseAction = "allow" | "warn" | "redact" | "block";

/** Where data ends up: a vendor that may keep it, a vendor contracted not to, or our own machines. */
export const HOSTINGS = ["external", "zero-retention", "self-hosted"] as const;
export type Hosting = (typeof HOSTINGS)[number];

/** The upstream APIs the gateway knows how to call. */
export const UPSTREAM_TYPES = ["openai", "anthropic", "azure-openai", "openai-compatible"] as const;
export type UpstreamType = (typeof UPSTREAM_TYPES)[number];

/** Request/response wire formats: OpenAI Chat Completions/Responses, or Anthropic Messages. */
export const WIRE_FORMATS = ["openai", "anthropic"] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

/** Where a secret is read from at start-up; detente.yaml never holds the secret itself. */
export type CredentialRef = { readonly env: string } | { readonly file: string };

/** One upstream provider, with its type's defaults applied. */
export interface Upstream {
  readonly name: string;
  readonly type: UpstreamType;
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** Azure OpenAI `api-version` query parameter; only set for `azure-openai`. */
  readonly apiVersion?: string;
  /** Absent for an upstream that needs no key (a local model server). */
  readonly apiKey?: CredentialRef;
  readonly hosting: Hosting;
  readonly formats: readonly WireFormat[];
  readonly timeoutMs: number;
  /** Extra static headers sent upstream (never credentials: those go in `apiKey`). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One `models:` entry; the first entry whose `name` matches the requested model decides the route. */
export interface ModelEntry {
  /** What clients ask for; `*` matches any run of characters. */
  readonly name: string;
  readonly upstream: string;
  /** The name sent upstream (the deployment for Azure); absent means the requested name is sent. */
  readonly as?: string;
}

/** Lists of names or `*` globs; a missing field inherits from the level below (team, then default). */
export interface AccessEntry {
  readonly tools?: readonly string[];
  readonly upstreams?: readonly string[];
  readonly models?: readonly string[];
}

/** Who may use which tools, upstreams and models: user over team over default, field by field. */
export interface AccessPolicy {
  readonly default: Required<AccessEntry>;
  /** Keyed by team name, lower-cased. */
  readonly teams: Readonly<Record<string, AccessEntry>>;
  /** Keyed by user, lower-cased. */
  readonly users: Readonly<Record<string, AccessEntry>>;
}

/** One `rules:` entry. For each detection, the first rule that matches it decides. */
export interface AiRule {
  readonly data: readonly DataClass[];
  /** Hosting classes and upstream names; absent means everywhere. */
  readonly to?: readonly string[];
  readonly action: AiAction;
  /** For `reroute`: the model (as clients name it) to send the request to instead. */
  readonly model?: string;
  /** Scope: the rule applies only to these teams / users / tools (names or `*` globs). */
  readonly teams?: readonly string[];
  readonly users?: readonly string[];
  readonly tools?: readonly string[];
  /** Narrow the rule to these detection types, e.g. `aws-access-key-id`. */
  readonly types?: readonly string[];
  /** Shown to the user when this rule blocks a request. */
  readonly message?: string;
}

/**
 * Settings passed to the inspector (src/ai/inspect/options.ts takes this shape as it is). Secret
 * detection is always on: the policy decides what to do with secrets, not whether to look.
 */
export interface DetectorSettings {
  /** `true`: every PII type; `false`: none; `{ types }`: only those. */
  readonly pii: boolean | { readonly types: readonly string[] };
  readonly sourceCode: boolean;
  readonly injection: boolean;
  readonly unsafeCode: boolean;
  /** Strings never treated as secrets (documentation examples, test fixtures). */
  readonly allowlist: readonly string[];
  readonly confidential: {
    /** Absent: the inspector's default labels (CONFIDENTIAL, INTERNAL ONLY, ...); `[]` turns labels off. */
    readonly labels?: readonly string[];
    readonly domains: readonly string[];
    readonly dictionaries: Readonly<Record<string, readonly string[]>>;
    /** The inspector's safe patterns: a glob (`FIN-####`: `#` a digit, `*` a run of non-spaces) or `/regex/i`. */
    readonly patterns: readonly { readonly name: string; readonly pattern: string }[];
  };
}

/** Where the gateway listens, how big a request may be, and the key for detection hashes. */
export interface GatewaySettings {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  /**
   * How many inspected texts (of 1,024 characters or more) each gateway process remembers, each for the
   * caller key that sent it, so that a system prompt, tool definitions and a conversation's history are
   * inspected once, not on every turn; 0 inspects every text every time.
   */
  readonly inspectionCache: number;
  /**
   * Worker processes serving `detente gateway` (`auto`: one per CPU), the store staying with the process
   * started; absent, that one process does everything.
   */
  readonly workers?: number | "auto";
  /** Absent: the gateway generates a key and keeps it under DETENTE_HOME. */
  readonly hashKey?: CredentialRef;
}

/** The `ai:` section, validated, with every default filled in. */
export interface AiPolicy {
  /** When inspection itself fails: `closed` blocks the request, `open` forwards it and records the failure. */
  readonly failMode: "closed" | "open";
  /** Keyed by upstream name. */
  readonly upstreams: Readonly<Record<string, Upstream>>;
  readonly models: readonly ModelEntry[];
  readonly access: AccessPolicy;
  readonly rules: readonly AiRule[];
  /** What to do with each data class found in model output. */
  readonly responses: Readonly<Record<DataClass, ResponseAction>>;
  readonly detectors: DetectorSettings;
  readonly gateway: GatewaySettings;
}

/** Who is calling: from the detente-issued key (user, team) and the tool (key or User-Agent). */
export interface Caller {
  readonly user: string;
  readonly team: string;
  readonly tool: string;
}

/** Where a request goes. */
export interface Route {
  readonly upstream: string;
  /** The name sent upstream. */
  readonly model: string;
  /** The name the client asked for. */
  readonly requested: string;
  readonly hosting: Hosting;
}

/** The outcome of `authorize`. */
export type Authorization =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "tool" | "model" | "upstream"; readonly message: string };

/** The policy's decision on one request. */
export interface RequestDecision {
  /** The strongest: block > reroute > redact > warn > allow. */
  readonly action: AiAction;
  /** After any reroute. */
  readonly route: Route;
  /**
   * Detections to replace with placeholders before forwarding, whatever the action (empty when the
   * request is blocked). They are the very objects passed in, so they can be looked up by identity.
   */
  readonly redact: readonly Detection[];
  /** Plain language, most important first; one per data class and rule, plus one per reroute. */
  readonly reasons: readonly string[];
  /** For `block`: what was found and what to do instead, for the user of the assistant. */
  readonly message?: string;
  /** 0-based positions in `policy.rules` of every rule that decided something (reasons count from 1). */
  readonly ruleIndexes: readonly number[];
}

/** What to do with findings in model output, by data class. */
export interface ResponsePlan {
  readonly mask: readonly DataClass[];
  readonly block: readonly DataClass[];
  readonly warn: readonly DataClass[];
}
