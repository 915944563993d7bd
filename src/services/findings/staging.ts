import type { RawTx } from "../../store/open.js";
import { CISA_OUTCOMES } from "../../vuln/triage/types.js";
import { copyRow } from "../../store/copy-text.js";
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
  "top_reason",
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
  top_reason: "text",
  owner: "text",
  asset_matched: "boolean",
};

const RECORD_TYPE = STAGED_COLUMNS.map((c) => `"${c}" ${TYPES[c]}`).join(", ");

/** A transaction-local staging table; it disappears at commit or rollback. */
export async function createStaging(tx: RawTx): Promise<void> {
  await tx.query(`CREATE TEMP TABLE staged (${RECORD_TYPE}) ON COMMIT DROP`);
}

/**
 * Write a batch of decided findings to the staging table with COPY, the fastest path into both engines.
 *
 * @example await stageBatch(tx, decided)
 */
export async function stageBatch(tx: RawTx, batch: readonly DecidedFinding[]): Promise<void> {
  if (batch.length === 0) return;
  let text = "";
  for (const { finding: f, decision: d, owner, assetMatched, fingerprint } of batch) {
    text += copyRow([
      fingerprint,
      f.vulnId,
      f.aliases,
      f.component,
      f.version,
      f.ecosystem,
      f.purl,
      f.fixedVersions,
      f.location,
      f.assetKey,
      f.severity,
      f.cvss3?.vector ?? null,
      f.cvss3?.score ?? null,
      f.cvss4?.vector ?? null,
      f.cvss4?.score ?? null,
      f.title,
      f.references,
      f.epss?.score ?? null,
      f.epss?.percentile ?? null,
      f.knownExploited,
      f.exploitAvailable,
      f.status,
      f.statusDetail,
      f.scanner,
      f.rule,
      d.outcome,
      CISA_OUTCOMES.indexOf(d.outcome),
      d.deployer,
      d.score,
      d.dueDate,
      d.topReason.text,
      owner,
      assetMatched,
    ]);
  }
  await tx.copyFrom("staged", STAGED_COLUMNS, text);
}
