import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * People who sign in to the server. `password_hash` is an scrypt hash in the self-describing form
 * `scrypt$N$r$p$salt$hash` (see `services/auth/password.ts`), never the password. Users are disabled, not
 * deleted, so the audit log keeps naming them.
 */
export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull().default(""),
    role: text("role").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: ts("created_at").notNull(),
    passwordChangedAt: ts("password_changed_at").notNull(),
    disabledAt: ts("disabled_at"),
  },
  // Names are unique whatever their case: sign-in looks them up by lower(username).
  (t) => [uniqueIndex("users_username_lower_idx").on(sql`lower(${t.username})`)],
);

/**
 * Signed-in browser sessions, shared by every server instance. Only the SHA-256 of the session token is
 * kept: the token is 32 random bytes in an HttpOnly cookie, so the table is useless to whoever reads it.
 */
export const sessions = pgTable(
  "sessions",
  {
    hash: text("hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    lastSeenAt: ts("last_seen_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * API tokens for automation (`dtt_...`): hashed like sessions, limited to `scopes` (a subset of what the
 * owner's role may do) and always expiring. Revoked, never deleted.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    hash: text("hash").notNull().unique(),
    prefix: text("prefix").notNull(),
    name: text("name").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    scopes: text("scopes").array().notNull(),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    lastUsedAt: ts("last_used_at"),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId)],
);

/**
 * Security-relevant actions on the server: sign-ins (failed ones too: they also drive the login rate
 * limit, so it holds across instances), role changes, users and tokens created or revoked, reports
 * uploaded. `actor` and `target` are user names or ids, never credentials.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: ts("at").notNull(),
    action: text("action").notNull(),
    actor: text("actor"),
    target: text("target"),
    ip: text("ip"),
    details: jsonb("details")
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at.desc()),
    index("audit_log_action_at_idx").on(t.action, t.at.desc()),
  ],
);
