import { DetenteError } from "../../errors.js";
import { copyRow } from "../../store/copy-text.js";
import { toDate } from "./input.js";

/** One kind of detection in a request or response: how many, and keyed hashes of what matched. */
export interface AiEventDetection {
  readonly dataClass: string;
  readonly type: string;
  readonly count: number;
  readonly where: "request" | "response";
  /** Keyed hashes (hex) of the matched values, never the values. */
  readonly hashes: readonly string[];
}

/** One gateway request in the audit trail. */
export interface AiEvent {
  at: Date;
  requestId: string;
  keyId: string | null;
  user: string | null;
  team: string | null;
  tool: string | null;
  endpoint: string;
  upstream: string | null;
  provider: string | null;
  modelRequested: string | null;
  modelUsed: string | null;
  /** The models entry the request went to, by the policy's name; `modelUsed` is what the upstream got. */
  modelRouted: string | null;
  stream: boolean;
  action: string;
  status: number;
  reasons: readonly string[];
  detections: readonly AiEventDetection[];
  latencyMs: number;
  overheadMs: number;
  ttftMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  requestHash: string;
  error: string | null;
}

/** What the gateway decides about a request. */
export const AI_ACTIONS = ["allow", "warn", "redact", "block", "reroute", "deny", "error"] as const;
export type AiAction = (typeof AI_ACTIONS)[number];

/** The API endpoints the gateway serves, as events name them. */
export const AI_ENDPOINTS = [
  "chat.completions",
  "responses",
  "responses.compact",
  "responses.input_tokens",
  "responses.retrieve",
  "responses.delete",
  "responses.input_items",
  "responses.cancel",
  "completions",
  "fim.completions",
  "embeddings",
  "messages",
  "messages.count_tokens",
  "models",
] as const;

/** The columns of ai_events that an event fills, in COPY order (id is generated). */
export const EVENT_COLUMNS = [
  "at",
  "request_id",
  "key_id",
  "user_name",
  "team",
  "tool",
  "endpoint",
  "upstream",
  "provider",
  "model_requested",
  "model_used",
  "stream",
  "action",
  "status",
  "reasons",
  "detections",
  "latency_ms",
  "overhead_ms",
  "ttft_ms",
  "tokens_in",
  "tokens_out",
  "request_hash",
  "error",
  "model_routed",
] as const;

// Bounds: names come from requests (a model name is whatever the client sent), so nothing is kept whole.
const SHORT = 200;
const REASON = 500;
const MAX_REASONS = 32;
const MAX_DETECTIONS = 64;
const MAX_HASHES = 32;
const INT4_MAX = 2_147_483_647;
const HEX_HASH = /^[0-9a-f]{1,64}$/i;
// Lone UTF-16 surrogates: JSON.stringify escapes them and PostgreSQL's jsonb refuses the escape.
const NUL_OR_SURROGATE = /[\0\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * An event as one line of COPY text for ai_events, with every field bounded and made storable, so that
 * one odd event (a huge model name, a NaN latency, a NUL in a reason) can never fail the batch it rides in.
 * Detection hashes that are not hex digits are dropped: whatever they are, they are not keyed hashes, and
 * the audit trail must not keep a value by mistake. Throws INVALID_INPUT only for an invalid `at`.
 *
 * @example eventCopyLine(event) // "2026-11-23T12:00:00.000Z\treq_1\t...\n"
 */
export function eventCopyLine(e: AiEvent): string {
  const at = e.at instanceof Date ? e.at.getTime() : Number.NaN;
  if (!Number.isFinite(at)) throw new DetenteError("INVALID_INPUT", "AI event without a valid time");
  return copyRow([
    new Date(at).toISOString(),
    text(e.requestId, SHORT) ?? "",
    text(e.keyId, SHORT),
    text(e.user, SHORT),
    text(e.team, SHORT),
    text(e.tool, SHORT),
    text(e.endpoint, SHORT) ?? "",
    text(e.upstream, SHORT),
    text(e.provider, SHORT),
    text(e.modelRequested, SHORT),
    text(e.modelUsed, SHORT),
    (e.stream as unknown) === true,
    text(e.action, SHORT) ?? "",
    int(e.status) ?? 0,
    list(e.reasons)
      .slice(0, MAX_REASONS)
      .map((r) => text(r, REASON) ?? ""),
    JSON.stringify(detections(e.detections)),
    ms(e.latencyMs) ?? 0,
    ms(e.overheadMs) ?? 0,
    ms(e.ttftMs),
    int(e.tokensIn),
    int(e.tokensOut),
    text(e.requestHash, SHORT) ?? "",
    text(e.error, SHORT),
    text(e.modelRouted, SHORT),
  ]);
}

/** The event's fields are typed, but the gateway builds them from requests: trust nothing at run time. */
function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as readonly unknown[]) : [];
}

function detections(value: unknown): AiEventDetection[] {
  return list(value)
    .slice(0, MAX_DETECTIONS)
    .map((item) => {
      const d = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
      return {
        dataClass: text(d.dataClass, SHORT) ?? "",
        type: text(d.type, SHORT) ?? "",
        count: int(d.count) ?? 0,
        where: d.where === "response" ? "response" : "request",
        hashes: list(d.hashes)
          .filter((h): h is string => typeof h === "string" && HEX_HASH.test(h))
          .slice(0, MAX_HASHES),
      };
    });
}

function text(value: unknown, max: number): string | null {
  const s = typeof value === "string" ? value : typeof value === "number" ? String(value) : null;
  if (s === null) return null;
  // Cut first, so nothing below ever scans a huge string; most text needs no more than one test.
  const cut = s.length > max ? s.slice(0, max) : s;
  if (!NUL_OR_SURROGATE.test(cut)) return cut;
  // NUL cannot be stored in PostgreSQL text.
  return cut.replace(/\0/g, "").replace(LONE_SURROGATE, "\ufffd");
}

function int(value: unknown): number | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  return Math.min(INT4_MAX, Math.max(0, Math.trunc(value)));
}

function ms(value: unknown): number | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  return Math.min(1e9, Math.max(0, value));
}

/**
 * An ai_events row as an `AiEvent` with its id (a string: the column is a bigint).
 *
 * @example const events = rows.map(eventFromRow);
 */
export function eventFromRow(r: Record<string, unknown>): AiEvent & { id: string } {
  const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    at: toDate(r.at)!,
    requestId: String(r.request_id),
    keyId: str(r.key_id),
    user: str(r.user_name),
    team: str(r.team),
    tool: str(r.tool),
    endpoint: String(r.endpoint),
    upstream: str(r.upstream),
    provider: str(r.provider),
    modelRequested: str(r.model_requested),
    modelUsed: str(r.model_used),
    modelRouted: str(r.model_routed),
    stream: r.stream === true,
    action: String(r.action),
    status: Number(r.status),
    reasons: (r.reasons as string[] | null) ?? [],
    detections: parseDetections(r.detections),
    latencyMs: Number(r.latency_ms),
    overheadMs: Number(r.overhead_ms),
    ttftMs: num(r.ttft_ms),
    tokensIn: num(r.tokens_in),
    tokensOut: num(r.tokens_out),
    requestHash: String(r.request_hash),
    error: str(r.error),
  };
}

function parseDetections(v: unknown): AiEventDetection[] {
  const value: unknown = typeof v === "string" ? JSON.parse(v) : v;
  return Array.isArray(value) ? (value as AiEventDetection[]) : [];
}
