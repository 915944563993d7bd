import type { Queryable } from "../../store/open.js";

/** What the server's audit log records. */
export type AuditAction =
  | "login.succeeded"
  | "login.failed"
  | "login.limited"
  | "logout"
  | "user.created"
  | "user.role_changed"
  | "user.disabled"
  | "user.enabled"
  | "user.password_changed"
  | "token.created"
  | "token.revoked"
  | "ai_key.created"
  | "ai_key.revoked"
  | "report.uploaded";

export interface AuditEntry {
  readonly action: AuditAction;
  /** Who did it (a user name), when known. */
  readonly actor: string | null;
  /** Whom or what it was done to (a user name, a token id, a report name). */
  readonly target: string | null;
  readonly ip: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Write one audit entry. Never given a credential: callers pass names and ids only.
 *
 * @example await audit(store, now, { action: "login.failed", actor: null, target: "alice", ip });
 */
export async function audit(db: Queryable, now: Date, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, action, actor, target, ip, details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [now, entry.action, entry.actor, entry.target, entry.ip, JSON.stringify(entry.details ?? {})],
  );
}

export interface AuditRow {
  readonly id: number;
  readonly at: string;
  readonly action: string;
  readonly actor: string | null;
  readonly target: string | null;
  readonly ip: string | null;
  readonly details: Record<string, unknown>;
}

/** The newest audit entries, optionally of one action, before an id (for paging). */
export async function listAudit(
  db: Queryable,
  input: { action?: string; before?: number; limit: number },
): Promise<AuditRow[]> {
  const rows = await db.query(
    `SELECT id, at, action, actor, target, ip, details FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::bigint IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [input.action ?? null, input.before ?? null, input.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at as string).toISOString(),
    action: String(r.action),
    actor: (r.actor as string | null) ?? null,
    target: (r.target as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    details: (r.details as Record<string, unknown> | null) ?? {},
  }));
}
