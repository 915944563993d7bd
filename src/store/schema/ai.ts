import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/*
 * The principal's user is stored in `user_name`, not `user`: USER is a reserved word in PostgreSQL, and an
 * unquoted `SELECT user FROM ...` silently returns the database role instead of failing.
 */

/**
 * Gateway keys (`dtk_...`). Only the SHA-256 of a key is kept: keys are 32 random bytes, so nobody can
 * guess one from its hash and a slow password hash (bcrypt, scrypt) would buy nothing but latency on
 * every gateway request. `prefix` is the first characters of the key, enough to recognise it in a list.
 * A key with a `tool` works only for that tool. Keys are revoked, never deleted, so events keep naming them.
 */
export const aiKeys = pgTable("ai_keys", {
  id: text("id").primaryKey(),
  hash: text("hash").notNull().unique(),
  prefix: text("prefix").notNull(),
  name: text("name").notNull().default(""),
  user: text("user_name").notNull(),
  team: text("team").notNull(),
  tool: text("tool"),
  createdAt: ts("created_at").notNull(),
  expiresAt: ts("expires_at"),
  revokedAt: ts("revoked_at"),
  lastUsedAt: ts("last_used_at"),
});

/**
 * The AI audit trail: one row per gateway request, who, which tool, where it went, what was decided and
 * how long it took. `detections` holds `{dataClass, type, count, where, hashes}` with keyed hashes only,
 * never a matched value. `key_id` has no foreign key: requests refused before a key was recognised have
 * none, and the audit trail must outlive whatever happens to the key table.
 */
export const aiEvents = pgTable(
  "ai_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: ts("at").notNull(),
    requestId: text("request_id").notNull(),
    keyId: text("key_id"),
    user: text("user_name"),
    team: text("team"),
    tool: text("tool"),
    endpoint: text("endpoint").notNull(),
    upstream: text("upstream"),
    provider: text("provider"),
    modelRequested: text("model_requested"),
    modelUsed: text("model_used"),
    // The models entry the request went to, by the policy's name (after a reroute, the target's): it
    // differs from model_used when the entry sends another name upstream (`as:`).
    modelRouted: text("model_routed"),
    stream: boolean("stream").notNull(),
    action: text("action").notNull(),
    status: integer("status").notNull(),
    reasons: text("reasons")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    detections: jsonb("detections")
      .notNull()
      .default(sql`'[]'::jsonb`),
    // Milliseconds as real: the gateway's own overhead is often well under one millisecond.
    latencyMs: real("latency_ms").notNull(),
    overheadMs: real("overhead_ms").notNull(),
    ttftMs: real("ttft_ms"),
    tokensIn: integer("tokens_in"),
    tokensOut: integer("tokens_out"),
    requestHash: text("request_hash").notNull(),
    error: text("error"),
  },
  (t) => [
    // Listing is newest first, with or without one of these filters.
    index("ai_events_at_idx").on(t.at.desc()),
    index("ai_events_team_at_idx").on(t.team, t.at.desc()),
    index("ai_events_tool_at_idx").on(t.tool, t.at.desc()),
    index("ai_events_action_at_idx").on(t.action, t.at.desc()),
  ],
);

/**
 * Who may use a stored response (the Responses API's `GET/DELETE /v1/responses/{id}`, `input_items`,
 * `cancel`): every caller shares detente's upstream credential, so the gateway records, for each response
 * it passed on with an `id`, the detente key that created it and the upstream (and model) it lives on.
 * The id itself is not kept, only its SHA-256: ids are long random strings, so the hash cannot be turned
 * back into one, and the table is not a list of ids that, with a leaked upstream credential, would read
 * everyone's conversations. An unkeyed hash, so that every instance finds every row whatever its own
 * `hashKey`. One row per id and upstream (a self-hosted server's ids need not be unique across
 * servers); rows older than the provider keeps responses (30 days) grant nothing and are swept.
 */
export const aiStoredResponses = pgTable(
  "ai_stored_responses",
  {
    idHash: text("id_hash").notNull(),
    upstream: text("upstream").notNull(),
    keyId: text("key_id").notNull(),
    // The name the upstream got, and the policy's models entry: for the audit trail of later calls.
    model: text("model"),
    modelRouted: text("model_routed"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.idHash, t.upstream] }),
    // The sweep of expired rows.
    index("ai_stored_responses_created_at_idx").on(t.createdAt),
  ],
);
