import type { Queryable, RawTx, Store } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import type { OpenedReport } from "../../vuln/formats/read.js";
import type { DecidedFinding, FindingDecider } from "./decider.js";
import { stageBatch, createStaging, STAGED_COLUMNS } from "./staging.js";

/** What one import did, as `detente import` prints it. */
export interface ImportResult {
  readonly importId: number;
  readonly source: string;
  readonly format: string;
  /** Findings read from the report (before de-duplication). */
  readonly read: number;
  readonly created: number;
  readonly updated: number;
  readonly reopened: number;
  readonly closed: number;
  /** Findings whose asset key matched no asset in the inventory. */
  readonly unmatched: number;
}

export interface ImportInput {
  readonly report: OpenedReport;
  /** Close what each scanner no longer reports on the assets it scanned in this report. */
  readonly fullScan: boolean;
  readonly decider: FindingDecider;
  readonly onProgress?: (bytesRead: number, findings: number) => void;
}

export interface ImportContext {
  readonly store: Store;
  readonly now: Date;
}

interface Existing {
  readonly fingerprint: string;
  readonly first_seen: Date;
  readonly status: string;
  readonly scanner_epss: number | null;
  readonly scanner_epss_percentile: number | null;
  readonly scanner_kev: boolean | null;
  readonly exploit_available: boolean | null;
  readonly severity: string;
  readonly cvss3_vector: string | null;
  readonly cvss3_score: number | null;
  readonly cvss4_vector: string | null;
  readonly cvss4_score: number | null;
}

/**
 * Import one report into the store, all or nothing: every finding is fingerprinted, merged with what the
 * store already has (the same vulnerability from another scanner becomes one finding with two sources),
 * decided, and written in one transaction. A report that fails halfway leaves the store as it was.
 *
 * @example
 * const result = await importReport({ ctx: { store, now: new Date() }, input: { report, fullScan: false, decider } });
 */
export async function importReport({
  ctx,
  input,
}: {
  ctx: ImportContext;
  input: ImportInput;
}): Promise<ImportResult> {
  const { store, now } = ctx;
  const { report, decider } = input;
  return store.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO imports (source, format, full_scan, started_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [report.name, report.format.id, input.fullScan, now],
    );
    const importId = Number(row!.id);
    await createStaging(tx);

    const seen = new Set<string>();
    const reopened: string[] = [];
    const counts = { read: 0, created: 0, updated: 0, reopened: 0, unmatched: 0 };
    let pending: Promise<unknown> = Promise.resolve();
    for await (const batch of report.findings) {
      // On PostgreSQL, lookups use another pooled connection, in parallel with the COPY running in this
      // transaction; the embedded database has one connection, so they run in the transaction.
      const reader = store.kind === "postgres" ? store : tx;
      await decider.prepare?.(batch, reader);
      const keyed = batch.map((f) => ({ finding: f, fingerprint: fingerprint(f) }));
      const existing = await lookupExisting(
        reader,
        keyed.map((k) => k.fingerprint),
      );
      const decided: DecidedFinding[] = [];
      for (const { finding, fingerprint: fp } of keyed) {
        const old = existing.get(fp);
        const merged = old ? mergeEvidence(finding, old) : finding;
        const d = decider.decide(merged, old ? new Date(old.first_seen) : now);
        decided.push({ ...d, fingerprint: fp });
        if (!d.assetMatched) counts.unmatched++;
        if (seen.has(fp)) continue;
        seen.add(fp);
        if (!old) counts.created++;
        else if (old.status === "fixed" && finding.status === "open") {
          counts.reopened++;
          reopened.push(fp);
        } else counts.updated++;
      }
      counts.read += batch.length;
      // Let the database store this batch while the next one is parsed.
      await pending;
      pending = stageBatch(tx, decided);
      input.onProgress?.(report.bytesRead(), counts.read);
    }
    await pending;

    await mergeStaged(tx, importId, now, reopened);
    const closed = input.fullScan ? await closeMissing(tx, importId, now) : 0;
    await tx.query(
      `UPDATE imports SET finished_at = $2, findings = $3, created = $4, updated = $5, closed = $6, reopened = $7, unmatched = $8 WHERE id = $1`,
      [importId, now, counts.read, counts.created, counts.updated, closed, counts.reopened, counts.unmatched],
    );
    return { importId, source: report.name, format: report.format.id, ...counts, closed };
  });
}

async function lookupExisting(db: Queryable, fingerprints: string[]): Promise<Map<string, Existing>> {
  const rows = await db.query<Existing>(
    `SELECT fingerprint, first_seen, status, scanner_epss, scanner_epss_percentile, scanner_kev, exploit_available,
            severity, cvss3_vector, cvss3_score, cvss4_vector, cvss4_score
       FROM findings WHERE fingerprint = ANY($1::text[])`,
    [fingerprints],
  );
  return new Map(rows.map((r) => [r.fingerprint, r]));
}

/** Evidence carried by reports accumulates across scanners: the highest EPSS, any exploit flag. */
function mergeEvidence(f: Finding, old: Existing): Finding {
  const epss =
    old.scanner_epss !== null && (f.epss === null || old.scanner_epss > f.epss.score)
      ? { score: old.scanner_epss, percentile: old.scanner_epss_percentile ?? 0 }
      : f.epss;
  const cvss = (vector: string | null, score: number | null) =>
    vector !== null && score !== null ? { vector, score } : null;
  return {
    ...f,
    epss,
    knownExploited:
      f.knownExploited === true || old.scanner_kev === true ? true : (f.knownExploited ?? old.scanner_kev),
    exploitAvailable:
      f.exploitAvailable === true || old.exploit_available === true
        ? true
        : (f.exploitAvailable ?? old.exploit_available),
    cvss3: f.cvss3 ?? cvss(old.cvss3_vector, old.cvss3_score),
    cvss4: f.cvss4 ?? cvss(old.cvss4_vector, old.cvss4_score),
    severity: f.severity === "unknown" ? (old.severity as Finding["severity"]) : f.severity,
  };
}

const UPDATABLE = STAGED_COLUMNS.filter((c) => !["fingerprint", "scanner", "rule"].includes(c));

/**
 * How a column merges when another scanner (or a later scan) reports a finding the store has: the
 * description keeps what any scanner said (aliases accumulate; an empty value never erases a known one).
 * Evidence and the decision were already merged and decided in JavaScript, so they are taken as staged.
 */
const MERGE: Partial<Record<(typeof STAGED_COLUMNS)[number], string>> = {
  aliases: `ARRAY(SELECT a FROM unnest(findings.aliases || EXCLUDED.aliases) AS a WHERE a <> EXCLUDED.vuln_id GROUP BY a ORDER BY a)`,
  fixed_versions: `CASE WHEN cardinality(EXCLUDED.fixed_versions) > 0 THEN EXCLUDED.fixed_versions ELSE findings.fixed_versions END`,
  references: `CASE WHEN cardinality(EXCLUDED."references") > 0 THEN EXCLUDED."references" ELSE findings."references" END`,
  title: `COALESCE(NULLIF(EXCLUDED.title, ''), findings.title)`,
  purl: `COALESCE(NULLIF(EXCLUDED.purl, ''), findings.purl)`,
  ecosystem: `COALESCE(NULLIF(EXCLUDED.ecosystem, ''), findings.ecosystem)`,
  cvss3_vector: `COALESCE(EXCLUDED.cvss3_vector, findings.cvss3_vector)`,
  cvss3_score: `CASE WHEN EXCLUDED.cvss3_vector IS NULL THEN findings.cvss3_score ELSE EXCLUDED.cvss3_score END`,
  cvss4_vector: `COALESCE(EXCLUDED.cvss4_vector, findings.cvss4_vector)`,
  cvss4_score: `CASE WHEN EXCLUDED.cvss4_vector IS NULL THEN findings.cvss4_score ELSE EXCLUDED.cvss4_score END`,
  severity: `CASE WHEN EXCLUDED.severity = 'unknown' THEN findings.severity ELSE EXCLUDED.severity END`,
};

/**
 * Upsert the staged rows into findings and their sources. One row per fingerprint: when a report holds
 * the same finding twice, the more urgent decision wins. Status: a finding accepted by exception stays
 * accepted; a finding a full scan had closed is reopened when reported again.
 */
async function mergeStaged(
  tx: RawTx,
  importId: number,
  now: Date,
  reopened: readonly string[],
): Promise<void> {
  const cols = UPDATABLE.map((c) => `"${c}"`).join(", ");
  const set = UPDATABLE.filter((c) => c !== "status")
    .map((c) => `"${c}" = ${MERGE[c] ?? `EXCLUDED."${c}"`}`)
    .join(", ");
  await tx.query(
    `INSERT INTO findings (fingerprint, ${cols}, first_seen, last_seen, last_import_id, decided_at)
     SELECT DISTINCT ON (fingerprint) fingerprint, ${cols}, $2, $2, $1, $2
       FROM staged ORDER BY fingerprint, outcome_rank DESC, score DESC
     ON CONFLICT (fingerprint) DO UPDATE SET ${set},
       status = CASE WHEN findings.status = 'accepted' THEN findings.status ELSE EXCLUDED.status END,
       closed_at = CASE WHEN EXCLUDED.status = 'open' THEN NULL ELSE findings.closed_at END,
       last_seen = EXCLUDED.last_seen, last_import_id = EXCLUDED.last_import_id, decided_at = EXCLUDED.decided_at`,
    [importId, now],
  );
  if (reopened.length > 0) {
    await tx.query(
      `INSERT INTO finding_events (finding_id, at, kind, import_id, detail)
       SELECT id, $2, 'reopened', $1, 'reported again' FROM findings WHERE fingerprint = ANY($3::text[])`,
      [importId, now, reopened],
    );
  }
  await tx.query(
    `INSERT INTO finding_sources (finding_id, scanner, rule, first_seen, last_seen, last_import_id, present)
     SELECT DISTINCT ON (f.id, s.scanner) f.id, s.scanner, s.rule, $2, $2, $1, true
       FROM staged s JOIN findings f USING (fingerprint)
     ON CONFLICT (finding_id, scanner) DO UPDATE SET
       rule = EXCLUDED.rule, last_seen = EXCLUDED.last_seen, last_import_id = EXCLUDED.last_import_id, present = true`,
    [importId, now],
  );
}

/**
 * A full scan by a scanner of an asset is the truth about that pair: whatever that scanner reported
 * before on that asset and not now is gone. A finding closes when no scanner still reports it.
 */
async function closeMissing(tx: RawTx, importId: number, now: Date): Promise<number> {
  await tx.query(
    `UPDATE finding_sources fs SET present = false
       FROM findings f
      WHERE fs.finding_id = f.id AND fs.present AND fs.last_import_id <> $1
        AND (f.asset_key, fs.scanner) IN (SELECT DISTINCT asset_key, scanner FROM staged)`,
    [importId],
  );
  const closed = await tx.query<{ id: string }>(
    `UPDATE findings f SET status = 'fixed', closed_at = $2
      WHERE f.status = 'open' AND f.last_import_id <> $1
        AND f.asset_key IN (SELECT DISTINCT asset_key FROM staged)
        AND NOT EXISTS (SELECT 1 FROM finding_sources s WHERE s.finding_id = f.id AND s.present)
      RETURNING f.id`,
    [importId, now],
  );
  if (closed.length > 0) {
    await tx.query(
      `INSERT INTO finding_events (finding_id, at, kind, import_id, detail)
       SELECT unnest($3::bigint[]), $2, 'closed', $1, 'no longer reported by a full scan'`,
      [importId, now, closed.map((c) => c.id)],
    );
  }
  return closed.length;
}
