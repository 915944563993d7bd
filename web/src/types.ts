/**
 * The shapes the dashboard reads from the server's JSON API (src/server). Kept by hand: the web bundle
 * must not import server code, and these are only the fields the pages show.
 */

export type Outcome = "act" | "attend" | "track*" | "track";
export const OUTCOMES: readonly Outcome[] = ["act", "attend", "track*", "track"];

export type SlaState = "overdue" | "due-soon" | "on-time";
export const SLA_STATES: readonly SlaState[] = ["overdue", "due-soon", "on-time"];

export type Scope = "read" | "import" | "assets" | "intel" | "admin";
export type Role = "admin" | "security" | "it" | "viewer";
export const ROLES: readonly Role[] = ["admin", "security", "it", "viewer"];

export interface Me {
  readonly username: string;
  readonly role: Role;
  readonly displayName: string;
  readonly scopes: Scope[];
  readonly csrfToken: string;
}

export interface Overview {
  readonly generatedAt: string;
  readonly findings: {
    readonly open: number;
    readonly escalated: number;
    readonly byOutcome: Record<Outcome, number>;
    readonly byTeam: { team: string; open: number; escalated: number; act: number; overdue: number }[];
    readonly sla: { onTime: number; dueSoon: number; overdue: number };
  };
  readonly trend: { day: string; opened: number; fixed: number }[];
  readonly intel: { source: string; date: string | null; rows: number; ageDays: number | null }[];
  readonly ai: {
    readonly days: number;
    readonly requests: number;
    readonly blocked: number;
    readonly redacted: number;
    readonly byTeam: AiCounts[];
    readonly byTool: AiCounts[];
    readonly trend: { day: string; requests: number; blocked: number; redacted: number }[];
  };
}

export interface AiCounts {
  readonly team?: string;
  readonly tool?: string;
  readonly requests: number;
  readonly blocked: number;
  readonly redacted: number;
}

export interface FindingRow {
  readonly id: number;
  readonly fingerprint: string;
  readonly vulnId: string;
  readonly component: string;
  readonly version: string;
  readonly fixedVersions: string[];
  readonly location: string;
  readonly assetKey: string;
  readonly owner: string;
  readonly severity: string;
  readonly status: string;
  readonly outcome: Outcome;
  readonly deployer: string;
  readonly score: number;
  readonly dueDate: string;
  readonly sla: SlaState | null;
  readonly escalated: boolean;
  readonly kev: boolean;
  readonly scanners: string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly topReason: string;
}

export interface FindingPage {
  readonly rows: FindingRow[];
  readonly nextCursor: string | null;
  readonly open: number;
  readonly escalatedCount: number;
  /** Rows matching the filters, when the server counts them. */
  readonly total?: number;
}

export interface DecisionPoint {
  readonly value: string;
  readonly source: string;
  readonly detail: string;
}

export interface FindingDetail {
  readonly id: number;
  readonly fingerprint: string;
  readonly finding: {
    readonly vulnId: string;
    readonly aliases?: string[];
    readonly component: string;
    readonly version: string;
    readonly ecosystem?: string | null;
    readonly purl?: string | null;
    readonly fixedVersions?: string[];
    readonly location?: string | null;
    readonly assetKey?: string | null;
    readonly scanner?: string;
    readonly severity?: string | null;
    readonly cvss3?: { score?: number; vector?: string } | number | null;
    readonly cvss4?: { score?: number; vector?: string } | number | null;
    readonly title?: string | null;
    readonly description?: string | null;
    readonly references?: string[];
    readonly epss?: { score?: number; percentile?: number } | number | null;
    readonly knownExploited?: boolean | null;
    readonly status?: string;
  };
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly sources: {
    scanner: string;
    rule: string | null;
    firstSeen: string;
    lastSeen: string;
    present: boolean;
  }[];
  readonly events: { at: string; kind: string; detail: string | Record<string, unknown> | null }[];
  readonly decision: {
    readonly outcome: Outcome;
    readonly deployer: string;
    readonly score: number;
    readonly dueDate: string;
    readonly escalated?: boolean;
    readonly sla?: SlaState | null;
    readonly reasons: { code: string; text: string }[];
    readonly points: Record<string, DecisionPoint>;
    readonly scoreParts: Record<string, number>;
  };
  readonly explanation: string;
  /** What the loaded intel sources know about the vulnerability, null when none mention it. */
  readonly intel?: {
    readonly kev?: {
      dateAdded: string;
      dueDate: string;
      requiredAction: string;
      ransomware: boolean;
      name?: string;
    };
    readonly epss?: { score: number; percentile: number; date?: string };
    readonly cvss?: {
      cvss3: { score: number; vector: string } | null;
      cvss4: { score: number; vector: string } | null;
      source: string;
    };
    readonly ssvc?: { exploitation: string; automatable: string; technicalImpact: string; timestamp: string };
  } | null;
}

export interface Asset {
  readonly key: string;
  readonly owner: string;
  readonly environment: string;
  readonly criticality: string;
  readonly exposure: string;
  readonly dataClassification: string;
  /** Availability SLO as a fraction (0.999), null when none is set. */
  readonly sloTarget: number | null;
  readonly tags: string[];
  readonly openFindings: number;
}

export interface ImportRecord {
  readonly id: number | string;
  readonly source: string;
  readonly format: string;
  readonly fullScan: boolean;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly findings: number;
  readonly created: number;
  readonly updated: number;
  readonly closed: number;
  readonly reopened: number;
  readonly unmatched: number;
}

export interface IntelStatus {
  readonly sources: { source: string; date: string | null; rows: number; loadedAt: string | null }[];
}

export interface AiSummary {
  readonly total: number;
  readonly byAction: Record<string, number>;
  readonly byTool: Record<string, number>;
  readonly byTeam: Record<string, number>;
  readonly byUpstream: Record<string, number>;
  readonly byProvider?: Record<string, number>;
  readonly byModel?: Record<string, number>;
  readonly detectionsByType: Record<string, number>;
  readonly detectionsByClass: Record<string, number>;
  readonly latencyMs: { p50: number; p95: number } | null;
  readonly overheadMs: { p50: number; p95: number } | number | null;
  readonly topBlockReasons?: { reason: string; count: number }[];
}

export interface AiEvent {
  readonly at: string;
  readonly requestId: string;
  readonly user: string | null;
  readonly team: string | null;
  readonly tool: string | null;
  readonly provider: string | null;
  readonly upstream: string | null;
  readonly modelRequested: string | null;
  readonly modelUsed: string | null;
  readonly action: string;
  readonly status: number;
  readonly reasons: string[];
  readonly detections: { dataClass: string; type: string; count: number; where: string }[];
  readonly latencyMs: number;
}

export interface User {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabled: boolean;
}

export interface ApiToken {
  readonly id: string;
  readonly prefix: string;
  readonly name: string;
  readonly username: string;
  readonly scopes: Scope[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revoked: boolean;
  readonly lastUsedAt: string | null;
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

/** An AI gateway key as the API lists it: never the key itself. */
export interface AiKey {
  readonly id: string;
  readonly prefix: string;
  readonly name: string;
  readonly user: string;
  readonly team: string;
  readonly tool: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly status: "active" | "expired" | "revoked";
}
