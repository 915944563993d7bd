import { DetenteError } from "../../errors.js";
import type { Queryable, Store } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import type { OpenedReport } from "../../vuln/formats/read.js";
import { IdentityTable } from "../../vuln/identity-table.js";
import { arrive, IdQueue, type Arrival } from "./arrival.js";
import { beginBulkLoad } from "./bulk-load.js";
import type { DecidedFinding, FindingDecider } from "./decider.js";
import { mergeEvidence } from "./known-findings.js";
import { KnownIndex } from "./known-index.js";
import { closeMissing, mergeStaged } from "./merge.js";
import { FindingIds, PendingRows } from "./pending-rows.js";
import {
  createStaging,
  newRowShape,
  sharedDefaults,
  VULNERABILITY_COLUMNS,
  VulnerabilityNotes,
  writeNewFinding,
  writeSource,
  writeStaged,
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
  /**
   * How findings the store may have are looked up: batch by batch in the database, or in every stored
   * finding read at the start (`KnownIndex`; PostgreSQL only). By default the import reads them all when
   * the report is large against the store (`preloadPays`).
   */
  readonly lookups?: "auto" | "by-batch" | "preloaded";
}

export interface ImportContext {
  readonly store: Store;
  readonly now: Date;
}

/**
 * Import one report into the store, all or nothing: every finding is fingerprinted, merged with what the
 * store already has (the same vulnerability from another scanner becomes one finding with two sources),
 * decided, and written in one transaction. A report that fails halfway leaves the store as it was.
 *
 * New findings are copied straight into their tables with ids taken from the sequence; findings the store
 * already has are staged and merged by id a batch at a time (`mergeKnown`), so the database merges one
 * batch while the next is read and decided. A batch is looked up while the ones before it are decided
 * (`arrive`, `LOOKAHEAD`); on PostgreSQL lookups use a second connection so they do not wait for the
 * writes. Into an empty store the fingerprint's unique index is built and the foreign keys are checked
 * once at the end instead of row by row (`beginBulkLoad`).
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
    // Into an empty store, load without the unique index and foreign keys; nothing can be known yet, so
    // skip the lookups.
    const bulk = await beginBulkLoad(tx, sharedDefaults(importId, now));
    const reader: Queryable = store.kind === "postgres" ? store : tx;
    // Under the bulk load's exclusive lock nobody else can insert findings, so nobody takes their ids.
    const findingIds = await FindingIds.open(tx, store.kind === "pglite" || bulk !== null);

    // Findings of this import so far: fingerprint -> index -> the id it has in the store.
    // Sized for the report from the start: growing to a million findings rehashed 0.2 s of work.
    const inImport = new IdentityTable((report.size ?? 0) / BYTES_PER_FINDING);
    let ids: Float64Array<ArrayBuffer> = new Float64Array(4096);
    const reopened: number[] = [];
    // A full scan's truth is about the assets and scanners it reports on: which those are, kept here
    // rather than worked out again from a million rows at the end.
    const scanned = input.fullScan ? new Map<string, Set<string>>() : null;
    const vulnerabilities = new VulnerabilityNotes();
    const counts = { read: 0, created: 0, updated: 0, reopened: 0, unmatched: 0, duplicates: 0 };
    let pending: Promise<void> = Promise.resolve();
    let writing = false;
    const idQueue = new IdQueue(findingIds, reader);
    // Intel for a batch's vulnerabilities is fetched as it arrives, while the batches before are decided,
    // and kept with the import's note of each vulnerability. A decider that cannot hand intel out
    // (`intelFor`) prepares the batch instead, and again right before deciding it (its cache may have
    // dropped some since).
    const intelFor = decider.intelFor?.bind(decider);
    const prepare = decider.prepare?.bind(decider);
    // A report about as large as the store: every stored finding is read in one pass (`KnownIndex`)
    // rather than looked up batch by batch. Like those lookups it reads what is committed, once, at the
    // start: a finding another import commits meanwhile is not seen, and inserting it again fails this
    // import on the fingerprint's unique constraint (as it would have had that import committed just
    // after a batch's lookup). A store larger than the planner's count let on is looked up batch by batch
    // after all (`load` gives up at PRELOAD_MOST).
    const lookups = bulk === null && store.copyOut ? (input.lookups ?? "auto") : "by-batch";
    const stored = lookups === "auto" ? await storedFindings(tx) : -1;
    const stopPreload = new AbortController();
    const preloaded =
      lookups === "preloaded" || (lookups === "auto" && preloadPays(stored, report.size))
        ? KnownIndex.load(store.copyOut!(KnownIndex.QUERY, stopPreload.signal), {
            expected: stored,
            most: PRELOAD_MOST,
            signal: stopPreload.signal,
          })
        : undefined;
    preloaded?.catch(() => undefined);
    /** Stop reading the stored findings if it still goes on (a report of no findings, a failure), and wait. */
    const endPreload = async (): Promise<void> => {
      stopPreload.abort();
      await preloaded?.catch(() => undefined);
    };

    const arrival = {
      inImport,
      reader,
      bulk: bulk !== null,
      preloaded,
      ids: idQueue,
      notes: vulnerabilities,
      intelFor: intelFor && ((cves: readonly string[]) => intelFor(cves, reader)),
      prepare: prepare && ((b: readonly Finding[]) => prepare(b, reader)),
    };

    const rows = new PendingRows(newRowShape(importId, now, bulk !== null));
    // Each batch of the reader (about a megabyte of report) is fingerprinted and looked up as it arrives,
    // then decided while the ones after it are looked up (`LOOKAHEAD`), so its findings die young; only
    // their COPY rows wait for a round trip's worth to gather.
    const batches = report.findings[Symbol.asyncIterator]();
    // The batches read ahead of the one decided (up to LOOKAHEAD), whose lookups and intel fetches may
    // still be running when the import fails.
    const ahead: Arrival[] = [];
    const pull = async (): Promise<void> => {
      const next = await batches.next();
      if (!next.done) ahead.push(arrive(next.value, arrival));
    };
    let current: Arrival | undefined;
    try {
      for (let i = 0; i < LOOKAHEAD; i++) await pull();
      for (current = ahead.shift(); current; current = ahead.shift()) {
        // Read another batch now: its lookups and intel run while this one and the next are decided.
        await pull();
        const { batch, prints, indices, firstInImport, notes, intels } = current;
        await current.prepared;
        if (!intelFor) await decider.prepare?.(batch, reader);
        const { existing, freshIds } = await current.known;
        let lookedUp = 0;

        for (let i = 0; i < batch.length; i++) {
          const f = batch[i]!;
          const fp = prints[i]!;
          const index = indices[i]!;
          // Fetched by now: this batch's intel is, and that of the batches before it was.
          const intel = intels[i] ?? notes[i]!.intel;
          if (scanned) addPair(scanned, f.assetKey, f.scanner);
          if (index >= ids.length) ids = grow(ids);
          if (!firstInImport[i]) {
            // Reported twice in one report (two scanners in one file, or two layers): merged at the end.
            counts.duplicates++;
            writeStaged(rows.twice, ids[index]!, printed(decider.decide(f, now, intel), fp));
            continue;
          }
          // The first ones were looked up in order (`arrive`).
          const old = existing.at[lookedUp++];
          if (old) {
            const id = old.id;
            ids[index] = id;
            const d = printed(decider.decide(mergeEvidence(f, old), old.first_seen, intel), fp);
            const hash = writeStaged(rows.staged, id, d);
            if (hash === old.content_hash && (old.status === f.status || old.status === "accepted")) {
              // What the last import staged, and the status stands: nothing to write but "seen".
              rows.staged.dropRow();
              rows.seen.ids.push(id);
              rows.seen.scanners.push(f.scanner);
              rows.seen.rules.push(f.rule);
            } else rows.stagedIds.push(id);
            if (!d.assetMatched) counts.unmatched++;
            if (old.status === "fixed" && f.status === "open") {
              counts.reopened++;
              reopened.push(id);
            } else counts.updated++;
          } else {
            const id = freshIds.pop()!;
            ids[index] = id;
            const d = printed(decider.decide(f, now, intel), fp);
            writeNewFinding(rows.findings, id, d, rows.shape);
            writeSource(rows.sources, id, f, rows.shape);
            if (!d.assetMatched) counts.unmatched++;
            counts.created++;
          }
        }
        if (scanned) refuseUnnamed(scanned, report);
        counts.read += batch.length;
        rows.count += batch.length;
        // Let the database write these rows while the next findings are read and decided. While it is
        // still writing the last ones, go on reading and deciding (up to DB_BATCH_MAX findings' rows)
        // rather than wait: both sides keep busy, and the next write is larger.
        if (rows.count >= (writing ? DB_BATCH_MAX : DB_BATCH)) {
          await pending;
          writing = true;
          pending = rows.write(tx, { importId, now }).finally(() => {
            writing = false;
          });
          // Handled here so that a failure while the next findings are read is not an unhandled
          // rejection (which would end the process); the next `await pending` still throws it.
          pending.catch(() => undefined);
        }
        input.onProgress?.(report.bytesRead(), counts.read);
      }
    } catch (e) {
      // A bad report fails the import; a write, lookup or intel fetch still in flight must finish (or
      // fail) before the rollback.
      await pending.catch(() => undefined);
      await endPreload();
      await idQueue.settle();
      for (const a of current ? [current, ...ahead] : ahead) await a.prepared.catch(() => undefined);
      // A failure while deciding or writing leaves the report's reader open: close its file now.
      await batches.return?.(undefined).catch(() => undefined);
      throw e;
    }
    await endPreload();
    await pending;
    if (scanned) {
      // Assets the report scanned with nothing left to report there: their findings close too. One it
      // does not name and found nothing on (an empty second SARIF run) says nothing, and is left out.
      for (const [asset, scanners] of report.scanned)
        if (asset !== "") for (const s of scanners) addPair(scanned, asset, s);
    }
    await rows.write(tx, { importId, now });
    await findingIds.close(tx);
    // After a large load the planner's row estimates are stale until autovacuum gets to the table (and
    // the embedded database has no autovacuum): refresh them, so the first queries after the import
    // (the queue's pages, the scorecard) use the queue's indexes. Only the columns queries filter and sort
    // findings by: statistics on every column of findings cost twice as much.
    // Half the default sample (15,000 rows instead of 30,000) is plenty for these estimates and takes
    // about half the time (0.4 against 0.7-1.0 s at 1,000,000 findings on PostgreSQL); on PostgreSQL
    // autovacuum analyzes again later with the default. A bulk load refreshes them before it checks its
    // foreign keys, whose plan needs them (`beginBulkLoad`).
    const analyze =
      counts.created >= ANALYZE_AFTER
        ? async () => {
            await tx.query(`SET LOCAL default_statistics_target = ${ANALYZE_TARGET}`);
            await tx.query(`ANALYZE findings (${FILTERED_COLUMNS.join(", ")}), finding_sources`);
          }
        : undefined;
    const vulnerabilityRows = vulnerabilities.rows();
    await bulk?.finish(analyze);
    if (vulnerabilityRows.length > 0)
      await tx.copyFrom("staged_vulnerabilities", VULNERABILITY_COLUMNS, vulnerabilityRows);

    await mergeStaged(tx, { importId, now, reopened, duplicates: counts.duplicates > 0 });
    // Into an empty store nothing was there before to close.
    const closed = scanned && !bulk ? await closeMissing(tx, { importId, now, scanned }) : 0;
    // A bulk load refreshed the statistics before merging the findings reported twice; when there were
    // many (two scanners in one report), the merge changed enough rows and added enough sources to do it
    // again.
    if (analyze && (!bulk || counts.duplicates >= ANALYZE_AFTER)) await analyze();
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

/**
 * Batches read and looked up ahead of the one being decided: a batch's intel, fetched on the second
 * connection while the database is busy writing, had only the next batch's parse to arrive in with one
 * (an import of a million findings waited 0.8-0.9 s for intel then, 0.35-0.45 s with two).
 */
const LOOKAHEAD = 2;

/**
 * Whether an import of a report of `reportBytes` into a store of `stored` findings should read every
 * stored finding first (`KnownIndex`) rather than look its findings up batch by batch. Once the
 * fingerprint index no longer stays in the database's cache (a million findings on a default
 * configuration), a batch's lookup costs the database about 16 µs a finding; reading one stored finding
 * costs it about 1 µs and this process about 1.5 µs more. Reading them all pays from a report of about a
 * sixth of the store's findings: at a Trivy report's 1.2 kB a finding, 200 bytes per stored finding. The
 * threshold asks for 500, so that formats with more bytes per finding (SARIF, CycloneDX) pay too; a leaner
 * one (CSV) is read up front only when larger against the store. Stores below 100,000 findings keep their
 * index cached; above 4,000,000 (`PRELOAD_MOST`) the index would hold several hundred megabytes here.
 *
 * @example preloadPays(1_000_000, 1.2e9) // true
 */
export function preloadPays(stored: number, reportBytes: number | undefined): boolean {
  return (
    reportBytes !== undefined && stored >= 100_000 && stored <= PRELOAD_MOST && reportBytes >= 500 * stored
  );
}

/** Stored findings past which they are not read up front (about 90 bytes each here). */
const PRELOAD_MOST = 4_000_000;

/** The planner's count of stored findings (-1 before the table was first analyzed or vacuumed). */
async function storedFindings(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'findings'::regclass`,
  );
  return row?.n ?? -1;
}

/**
 * A guess of a report's bytes per finding, for sizing what an import keeps per finding up front: a Trivy
 * report takes about 1,200, SARIF and CycloneDX more; for the CSV format's few hundred the table grows
 * on the way, as it did before.
 */
const BYTES_PER_FINDING = 1000;

/** New findings in one import past which the tables' statistics are refreshed at its end. */
const ANALYZE_AFTER = 10_000;

/** The statistics target of that refresh (PostgreSQL's default is 100). */
const ANALYZE_TARGET = 50;

/** The columns of findings that the API, the CLI and the scorecard filter or sort by. */
const FILTERED_COLUMNS = [
  "status",
  "first_seen",
  "outcome",
  "outcome_rank",
  "score",
  "due_date",
  "owner",
  "asset_key",
  "vuln_id",
  "component",
  "severity",
  "scanner_kev",
  "asset_matched",
  "closed_at",
];

/** Findings per write to the database: large enough that per-statement costs stop mattering. */
const DB_BATCH = 5000;

/** Findings whose rows may wait while the database is still writing the last ones. */
const DB_BATCH_MAX = 8 * DB_BATCH;

/**
 * A decision with the finding's fingerprint, built as one literal: copying the decision with a spread
 * and adding the fingerprint cost a tenth of a microsecond more per finding.
 */
function printed(d: Omit<DecidedFinding, "fingerprint">, fingerprint: string): DecidedFinding {
  return {
    finding: d.finding,
    decision: d.decision,
    owner: d.owner,
    assetMatched: d.assetMatched,
    fingerprint,
  };
}

/**
 * A full scan of an asset the report does not name (OSV-Scanner without `--asset`) would close every
 * other unnamed project's findings: refuse it. The import's transaction rolls back; nothing is written.
 */
function refuseUnnamed(scanned: ReadonlyMap<string, unknown>, report: OpenedReport): void {
  if (!scanned.has("")) return;
  throw new DetenteError(
    "INVALID_INPUT",
    `${report.name}: a full scan needs to know which asset was scanned, and this ${report.format.id} report does not name it; give its key (--asset KEY, or the upload's asset field)`,
  );
}

/** Note that `scanner` scanned `asset`. */
function addPair(scanned: Map<string, Set<string>>, asset: string, scanner: string): void {
  const scanners = scanned.get(asset);
  if (scanners === undefined) scanned.set(asset, new Set([scanner]));
  else scanners.add(scanner);
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
