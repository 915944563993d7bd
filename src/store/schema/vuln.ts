import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * One row per finding identity (see `vuln/fingerprint.ts`): the merged view of every scanner that reported
 * it, with its current decision. Escalation is not stored: it is the top of the order
 * (outcome_rank, score) among open findings, computed when asked, so it never goes stale.
 */
export const findings = pgTable(
  "findings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    fingerprint: text("fingerprint").notNull().unique(),
    vulnId: text("vuln_id").notNull(),
    component: text("component").notNull(),
    version: text("version").notNull(),
    ecosystem: text("ecosystem").notNull(),
    purl: text("purl").notNull(),
    fixedVersions: text("fixed_versions")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    location: text("location").notNull(),
    assetKey: text("asset_key").notNull(),
    severity: text("severity").notNull(),
    cvss3Vector: text("cvss3_vector"),
    cvss3Score: real("cvss3_score"),
    cvss4Vector: text("cvss4_vector"),
    cvss4Score: real("cvss4_score"),
    /** Evidence carried by the reports themselves, merged across scanners. */
    scannerEpss: real("scanner_epss"),
    scannerEpssPercentile: real("scanner_epss_percentile"),
    scannerKev: boolean("scanner_kev"),
    exploitAvailable: boolean("exploit_available"),
    status: text("status").notNull().default("open"),
    statusDetail: text("status_detail").notNull().default(""),
    firstSeen: ts("first_seen").notNull(),
    /**
     * When an import last wrote this row. An import that brings the finding unchanged marks only its
     * sources seen, so the finding's last sighting is its sources' (`LAST_SEEN_SQL` in
     * services/findings/list.ts), which is what lists and the API show.
     */
    lastSeen: ts("last_seen").notNull(),
    closedAt: ts("closed_at"),
    /** The import that last wrote this row (see `lastSeen`); the sources say which import saw it last. */
    lastImportId: bigint("last_import_id", { mode: "number" }),
    // The current decision.
    outcome: text("outcome").notNull(),
    outcomeRank: smallint("outcome_rank").notNull(),
    deployer: text("deployer").notNull(),
    score: real("score").notNull(),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    /** The first reason of the decision, for lists; `detente explain` decides again for the full story. */
    topReason: text("top_reason").notNull(),
    owner: text("owner").notNull(),
    assetMatched: boolean("asset_matched").notNull(),
    /** When the decision was last written: a re-import that decides the same leaves it. */
    decidedAt: ts("decided_at").notNull(),
    /**
     * A hash of what the last import staged for the finding (the report's values and the decision made on
     * them): a re-import that would stage the same again only marks the finding's sources seen. NULL when
     * something else changed the row since (a re-decision, a finding listed twice in one report).
     */
    contentHash: bigint("content_hash", { mode: "number" }),
  },
  (t) => [
    // The escalation queue: open findings in decision order (see services/findings/list.ts).
    index("findings_queue_idx")
      .on(t.outcomeRank.desc().nullsLast(), t.score.desc().nullsLast(), t.id)
      .where(sql`${t.status} IN ('open', 'under_investigation')`),
    index("findings_asset_idx").on(t.assetKey),
    index("findings_vuln_idx").on(t.vulnId),
    index("findings_owner_idx").on(t.owner),
    // The queue sorted by due date (the API's sort=due), open findings only.
    index("findings_due_idx")
      .on(t.dueDate, t.id)
      .where(sql`${t.status} IN ('open', 'under_investigation')`),
  ],
);

/**
 * What is known of a vulnerability whatever it is found on: its other ids, title and references, as the
 * scanners reported them (merged). Kept once per vulnerability rather than on each of its findings.
 */
export const vulnerabilities = pgTable("vulnerabilities", {
  vulnId: text("vuln_id").primaryKey(),
  aliases: text("aliases")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  title: text("title").notNull(),
  references: text("references")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  /** When an import last changed what is known of it. */
  updatedAt: ts("updated_at").notNull(),
});

/** Which scanners reported a finding, and whether each still does. */
export const findingSources = pgTable(
  "finding_sources",
  {
    findingId: bigint("finding_id", { mode: "number" })
      .notNull()
      .references(() => findings.id, { onDelete: "cascade" }),
    scanner: text("scanner").notNull(),
    rule: text("rule").notNull(),
    firstSeen: ts("first_seen").notNull(),
    lastSeen: ts("last_seen").notNull(),
    lastImportId: bigint("last_import_id", { mode: "number" }).notNull(),
    present: boolean("present").notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.findingId, t.scanner] })],
);

/** State changes of a finding after it was first seen (`findings.first_seen`): closed by a full scan, reopened. */
export const findingEvents = pgTable(
  "finding_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    findingId: bigint("finding_id", { mode: "number" })
      .notNull()
      .references(() => findings.id, { onDelete: "cascade" }),
    at: ts("at").notNull(),
    kind: text("kind").notNull(),
    importId: bigint("import_id", { mode: "number" }),
    detail: text("detail").notNull().default(""),
  },
  (t) => [index("finding_events_finding_idx").on(t.findingId, t.at)],
);

/** One row per `detente import` of one report. */
export const imports = pgTable("imports", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  source: text("source").notNull(),
  format: text("format").notNull(),
  fullScan: boolean("full_scan").notNull(),
  startedAt: ts("started_at").notNull(),
  finishedAt: ts("finished_at"),
  findings: integer("findings").notNull().default(0),
  created: integer("created").notNull().default(0),
  updated: integer("updated").notNull().default(0),
  closed: integer("closed").notNull().default(0),
  reopened: integer("reopened").notNull().default(0),
  unmatched: integer("unmatched").notNull().default(0),
});

/** The asset inventory, replaced as a whole by `detente assets load`. */
export const assets = pgTable("assets", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  owner: text("owner").notNull(),
  environment: text("environment").notNull(),
  criticality: text("criticality").notNull(),
  exposure: text("exposure").notNull(),
  dataClassification: text("data_classification").notNull(),
  sloTarget: real("slo_target"),
  tags: text("tags")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  matchers: jsonb("matchers").notNull(),
  updatedAt: ts("updated_at").notNull(),
});

/** Small named settings kept with the data, such as the inventory's default asset context. */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: ts("updated_at").notNull(),
});
