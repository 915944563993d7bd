import type { RawTx } from "../../store/open.js";
import { CISA_OUTCOMES } from "../../vuln/triage/types.js";
import type { DecidedFinding } from "./decider.js";

/** Columns of the per-import staging table, in the order `stageBatch` writes them. */
export const STAGED_COLUMNS = [
  "fingerprint",
  "vuln_id",
  "aliases",
  "component",
  "version",
  "ecosystem",
  "purl",
  "fixed_versions",
  "location",
  "asset_key",
  "severity",
  "cvss3_vector",
  "cvss3_score",
  "cvss4_vector",
  "cvss4_score",
  "title",
  "references",
  "scanner_epss",
  "scanner_epss_percentile",
  "scanner_kev",
  "exploit_available",
  "status",
  "status_detail",
  "scanner",
  "rule",
  "outcome",
  "outcome_rank",
  "deployer",
  "score",
  "due_date",
  "decision",
  "owner",
  "asset_matched",
] as const;

const TYPES: Readonly<Record<(typeof STAGED_COLUMNS)[number], string>> = {
  fingerprint: "text",
  vuln_id: "text",
  aliases: "text[]",
  component: "text",
  version: "text",
  ecosystem: "text",
  purl: "text",
  fixed_versions: "text[]",
  location: "text",
  asset_key: "text",
  severity: "text",
  cvss3_vector: "text",
  cvss3_score: "real",
  cvss4_vector: "text",
  cvss4_score: "real",
  title: "text",
  references: "text[]",
  scanner_epss: "real",
  scanner_epss_percentile: "real",
  scanner_kev: "boolean",
  exploit_available: "boolean",
  status: "text",
  status_detail: "text",
  scanner: "text",
  rule: "text",
  outcome: "text",
  outcome_rank: "smallint",
  deployer: "text",
  score: "real",
  due_date: "date",
  decision: "jsonb",
  owner: "text",
  asset_matched: "boolean",
};

const RECORD_TYPE = STAGED_COLUMNS.map((c) => `"${c}" ${TYPES[c]}`).join(", ");

/** A transaction-local staging table; it disappears at commit or rollback. */
export async function createStaging(tx: RawTx): Promise<void> {
  await tx.query(`CREATE TEMP TABLE staged (${RECORD_TYPE}) ON COMMIT DROP`);
}

/**
 * Write a batch of decided findings to the staging table in one statement: the batch travels as one JSON
 * document that the database expands with `json_to_recordset`, which is several times faster than
 * per-row parameters and identical on PGlite and PostgreSQL.
 */
export async function stageBatch(tx: RawTx, batch: readonly DecidedFinding[]): Promise<void> {
  if (batch.length === 0) return;
  const rows = batch.map(({ finding: f, decision: d, owner, assetMatched, fingerprint }) => ({
    fingerprint,
    vuln_id: f.vulnId,
    aliases: f.aliases,
    component: f.component,
    version: f.version,
    ecosystem: f.ecosystem,
    purl: f.purl,
    fixed_versions: f.fixedVersions,
    location: f.location,
    asset_key: f.assetKey,
    severity: f.severity,
    cvss3_vector: f.cvss3?.vector ?? null,
    cvss3_score: f.cvss3?.score ?? null,
    cvss4_vector: f.cvss4?.vector ?? null,
    cvss4_score: f.cvss4?.score ?? null,
    title: f.title,
    references: f.references,
    scanner_epss: f.epss?.score ?? null,
    scanner_epss_percentile: f.epss?.percentile ?? null,
    scanner_kev: f.knownExploited,
    exploit_available: f.exploitAvailable,
    status: f.status,
    status_detail: f.statusDetail,
    scanner: f.scanner,
    rule: f.rule,
    outcome: d.outcome,
    outcome_rank: CISA_OUTCOMES.indexOf(d.outcome),
    deployer: d.deployer,
    score: d.score,
    due_date: d.dueDate,
    decision: { points: d.points, reasons: d.reasons, scoreParts: d.scoreParts },
    owner,
    asset_matched: assetMatched,
  }));
  await tx.query(`INSERT INTO staged SELECT * FROM json_to_recordset($1::json) AS x(${RECORD_TYPE})`, [
    JSON.stringify(rows),
  ]);
}
