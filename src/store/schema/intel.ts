import { boolean, date, integer, pgTable, primaryKey, real, text, timestamp } from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** CISA Known Exploited Vulnerabilities, one row per CVE. */
export const intelKev = pgTable("intel_kev", {
  cve: text("cve").primaryKey(),
  vendorProject: text("vendor_project").notNull(),
  product: text("product").notNull(),
  name: text("name").notNull(),
  dateAdded: date("date_added", { mode: "string" }).notNull(),
  dueDate: date("due_date", { mode: "string" }).notNull(),
  requiredAction: text("required_action").notNull(),
  ransomware: boolean("ransomware").notNull(),
});

/** FIRST EPSS scores of the loaded model run. */
export const intelEpss = pgTable("intel_epss", {
  cve: text("cve").primaryKey(),
  score: real("score").notNull(),
  percentile: real("percentile").notNull(),
});

/**
 * CVSS per CVE and per feed (nvd, vulnrichment): kept apart so that the order feeds are loaded in does not
 * matter; lookups prefer NVD's, as the in-memory index does.
 */
export const intelCvss = pgTable(
  "intel_cvss",
  {
    cve: text("cve").notNull(),
    source: text("source").notNull(),
    cvss3Vector: text("cvss3_vector"),
    cvss3Score: real("cvss3_score"),
    cvss4Vector: text("cvss4_vector"),
    cvss4Score: real("cvss4_score"),
  },
  (t) => [primaryKey({ columns: [t.cve, t.source] })],
);

/** CISA Vulnrichment SSVC decision points. */
export const intelSsvc = pgTable("intel_ssvc", {
  cve: text("cve").primaryKey(),
  exploitation: text("exploitation").notNull(),
  automatable: text("automatable").notNull(),
  technicalImpact: text("technical_impact").notNull(),
  timestamp: text("timestamp").notNull(),
});

/** What each source last loaded: its own version/date, how many rows, from where, and when. */
export const intelSources = pgTable("intel_sources", {
  source: text("source").primaryKey(),
  version: text("version").notNull(),
  sourceDate: text("source_date").notNull(),
  rows: integer("rows").notNull(),
  origin: text("origin").notNull(),
  loadedAt: ts("loaded_at").notNull(),
});
