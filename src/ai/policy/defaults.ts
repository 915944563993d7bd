import type { DataClass } from "../inspect/types.js";
import type { RawRule, RawUpstream } from "./schema.js";
import type {
  CredentialRef,
  Hosting,
  ModelEntry,
  ResponseAction,
  UpstreamType,
  WireFormat,
} from "./types.js";

/**
 * What detente does when `ai:` is absent or leaves a field out (docs/ai-policy.md, "Defaults"). Given
 * `upstreams`, `models` or `rules` replace these lists entirely; everything else is merged field by field.
 */

export const DEFAULT_UPSTREAMS: Readonly<Record<string, RawUpstream>> = {
  openai: { type: "openai" },
  anthropic: { type: "anthropic" },
};

/** Model families each vendor serves; `*` only, so the o-series are listed one by one. */
export const DEFAULT_MODELS: readonly ModelEntry[] = [
  ...["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "text-embedding-*", "codex-*"].map((name) => ({
    name,
    upstream: "openai",
  })),
  { name: "claude-*", upstream: "anthropic" },
];

export const DEFAULT_RULES: readonly RawRule[] = [
  { data: ["secret"], action: "block" },
  { data: ["pii"], to: ["external", "zero-retention"], action: "redact" },
  { data: ["confidential"], action: "warn" },
  { data: ["injection"], action: "warn" },
  { data: ["source-code"], action: "allow" },
];

export const DEFAULT_RESPONSES: Readonly<Record<DataClass, ResponseAction>> = {
  secret: "redact",
  pii: "allow",
  confidential: "allow",
  "source-code": "allow",
  injection: "allow",
  "unsafe-code": "warn",
};

/** Per upstream type: where it lives, who hosts it, what it speaks and where its key usually is. */
export const UPSTREAM_DEFAULTS: Readonly<
  Record<
    UpstreamType,
    {
      readonly baseUrl?: string;
      readonly hosting: Hosting;
      readonly formats: readonly WireFormat[];
      readonly apiKey?: CredentialRef;
    }
  >
> = {
  openai: {
    baseUrl: "https://api.openai.com/v1",
    hosting: "external",
    formats: ["openai"],
    apiKey: { env: "OPENAI_API_KEY" },
  },
  anthropic: {
    baseUrl: "https://api.anthropic.com",
    hosting: "external",
    formats: ["anthropic"],
    apiKey: { env: "ANTHROPIC_API_KEY" },
  },
  // The variable the official OpenAI SDKs read for Azure.
  "azure-openai": { hosting: "external", formats: ["openai"], apiKey: { env: "AZURE_OPENAI_API_KEY" } },
  "openai-compatible": { hosting: "self-hosted", formats: ["openai"] },
};

/** The latest GA Azure OpenAI data-plane version when this was written. */
export const DEFAULT_AZURE_API_VERSION = "2024-10-21";
export const DEFAULT_TIMEOUT_MS = 600_000;

export const DEFAULT_GATEWAY = {
  host: "127.0.0.1",
  port: 8787,
  // Real assistants send whole files and long histories; 32 MiB leaves room without inviting abuse.
  maxBodyBytes: 32 * 1024 * 1024,
  // Entries hold detections only (offsets and hashes, no text): 190 bytes for a text without any, about
  // 4 KB with 16 (the most an entry holds), so at most 16 MB per process.
  inspectionCache: 4096,
} as const;
