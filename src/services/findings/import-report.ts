import type { Queryable, Store } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import type { OpenedReport } from "../../vuln/formats/read.js";
import { IdentityTable } from "../../vuln/identity-table.js";
import type { DecidedFinding, FindingDecider } from "./decider.js";
import { closeMissing, mergeStaged } from "./merge.js";
import {
  createStaging,
  NEW_FINDING_COLUMNS,
  newFindingRow,
  SOURCE_COLUMNS,
  sourceRow,
  STAGED_COLUMNS,
  stagedRow,
  VULNERABILITY_COLUMNS,
  VulnerabilityNotes,
} from "./staging.js";

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
  /** Distinct findings whose asset key matched no asset in the inventory. */
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
  readonly id: string;
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
 * New findings are copied straight into their tables with ids taken from the sequence; findings the store
 * already has are staged and merged by id at the end. The report is read while the database writes the
 * previous batch, and on PostgreSQL lookups use a second connection so they do not wait for the writes.
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
    const reader: Queryable = store.kind === "postgres" ? store : tx;
    const stamp = now.toISOString();

    // Findings of this import so far: fingerprint -> index -> the id it has in the store.
    const inImport = new IdentityTable();
    let ids: Float64Array<ArrayBuffer> = new Float64Array(4096);
    const reopened: number[] = [];
    const vulnerabilities = new VulnerabilityNotes();
    const counts = { read: 0, created: 0, updated: 0, reopened: 0, unmatched: 0, duplicates: 0 };
    let pending: Promise<void> = Promise.resolve();

    for await (const batch of rebatch(report.findings, DB_BATCH)) {
      await decider.prepare?.(batch, reader);
      const prints = batch.map((f) => fingerprint(f));
      const indices = new Int32Array(batch.length);
      const firstInImport: boolean[] = [];
      const toLookUp: string[] = [];
      for (let i = 0; i < prints.length; i++) {
        const fp = prints[i]!;
        const before = inImport.size;
        // The first 64 bits of the SHA-256 fingerprint key this import's table.
        const index = inImport.indexOfHash(
          parseInt(fp.slice(0, 8), 16) | 0,
          parseInt(fp.slice(8, 16), 16) | 0,
        );
        indices[i] = index;
        const first = index === before;
        firstInImport.push(first);
        if (first) toLookUp.push(fp);
      }
      const existing = await lookUp(reader, toLookUp);
      const fresh = toLookUp.length - existing.size;
      const freshIds = fresh > 0 ? await nextIds(reader, fresh) : [];

      let newRows = "";
      let sourceRows = "";
      let stagedRows = "";
      let dupRows = "";
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const fp = prints[i]!;
        const index = indices[i]!;
        vulnerabilities.add(f);
        if (index >= ids.length) ids = grow(ids);
        if (!firstInImport[i]) {
          // Reported twice in one report (two scanners in one file, or two layers): merged at the end.
          counts.duplicates++;
          dupRows += stagedRow(ids[index]!, { ...decider.decide(f, now), fingerprint: fp });
          continue;
        }
        const old = existing.get(fp);
        if (old) {
          const id = Number(old.id);
          ids[index] = id;
          const d: DecidedFinding = {
            ...decider.decide(mergeEvidence(f, old), new Date(old.first_seen)),
            fingerprint: fp,
          };
          stagedRows += stagedRow(id, d);
          if (!d.assetMatched) counts.unmatched++;
          if (old.status === "fixed" && f.status === "open") {
            counts.reopened++;
            reopened.push(id);
          } else counts.updated++;
        } else {
          const id = freshIds.pop()!;
          ids[index] = id;
          const d: DecidedFinding = { ...decider.decide(f, now), fingerprint: fp };
          newRows += newFindingRow(id, d, importId, stamp);
          sourceRows += sourceRow(id, f, importId, stamp);
          if (!d.assetMatched) counts.unmatched++;
          counts.created++;
        }
      }
      counts.read += batch.length;
      // Let the database write this batch while the next one is read and decided.
      await pending;
      pending = (async () => {
        if (newRows) await tx.copyFrom("findings", NEW_FINDING_COLUMNS, newRows);
        if (sourceRows) await tx.copyFrom("finding_sources", SOURCE_COLUMNS, sourceRows);
        if (stagedRows) await tx.copyFrom("staged", STAGED_COLUMNS, stagedRows);
        if (dupRows) await tx.copyFrom("staged_twice", STAGED_COLUMNS, dupRows);
      })();
      input.onProgress?.(report.bytesRead(), counts.read);
    }
    await pending;
    const vulnerabilityRows = vulnerabilities.rows();
    if (vulnerabilityRows)
      await tx.copyFrom("staged_vulnerabilities", VULNERABILITY_COLUMNS, vulnerabilityRows);

    await mergeStaged(tx, { importId, now, reopened, duplicates: counts.duplicates > 0 });
    const closed = input.fullScan ? await closeMissing(tx, importId, now) : 0;
    await tx.query(
      `UPDATE imports SET finished_at = $2, findings = $3, created = $4, updated = $5, closed = $6, reopened = $7, unmatched = $8 WHERE id = $1`,
      [importId, now, counts.read, counts.created, counts.updated, closed, counts.reopened, counts.unmatched],
    );
    return {
      importId,
      source: report.name,
      format: report.format.id,
      read: counts.read,
      created: counts.created,
      updated: counts.updated,
      reopened: counts.reopened,
      closed,
      unmatched: counts.unmatched,
    };
  });
}

async function lookUp(db: Queryable, fingerprints: string[]): Promise<Map<string, Existing>> {
  if (fingerprints.length === 0) return new Map();
  const rows = await db.query<Existing>(
    `SELECT id, fingerprint, first_seen, status, scanner_epss, scanner_epss_percentile, scanner_kev, exploit_available,
            severity, cvss3_vector, cvss3_score, cvss4_vector, cvss4_score
       FROM findings WHERE fingerprint = ANY($1::text[])`,
    [fingerprints],
  );
  return new Map(rows.map((r) => [r.fingerprint, r]));
}

/** Ids for new findings, taken from the table's sequence (sequences ignore transactions, so any connection will do). */
async function nextIds(db: Queryable, n: number): Promise<number[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT nextval(pg_get_serial_sequence('findings', 'id')) AS id FROM generate_series(1, $1)`,
    [n],
  );
  return rows.map((r) => Number(r.id)).reverse();
}

/** Evidence accumulates across scanners: the highest EPSS, any exploit flag, any known CVSS and severity. */
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

/** Findings per round trip to the database: large enough that per-statement costs stop mattering. */
const DB_BATCH = 5000;

/** Re-cut batches of any size into batches of about `size`, keeping order. */
async function* rebatch<T>(batches: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let pending: T[] = [];
  for await (const batch of batches) {
    if (pending.length === 0 && batch.length >= size) {
      yield batch;
      continue;
    }
    for (const item of batch) pending.push(item);
    if (pending.length >= size) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length > 0) yield pending;
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
