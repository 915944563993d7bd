import type { RawTx } from "../../store/open.js";
import type { SharedDefaults } from "./staging.js";

/**
 * Loading into an empty `findings` table the way PostgreSQL's documentation advises for a first load,
 * where it pays: without its unique constraints (the fingerprint's) and without the foreign keys that
 * point at it, put back once at the end. Keeping the fingerprint's B-tree up to date row by row (the
 * fingerprint is random, so every row lands on another page) and checking a foreign key per source row
 * cost more than the rows themselves; building the index from sorted data and checking every key in one
 * join cost a fraction of that. The same goes for the plain indexes whose entries land all over them
 * (`REBUILT_INDEXES`): the vulnerability's (a page per vulnerability being filled: tens of thousands,
 * more than the database keeps in memory) and the queue's (ordered by score within an outcome). They
 * are built again at the end. The primary key and the other plain indexes stay: new findings come with
 * ascending ids, and the owner's, the asset's and the due date's indexes take entries at a few pages
 * each, mostly in memory already, so keeping them costs less than a scan of the whole table each at
 * the end, while the database has nothing else to do (at 1,000,000 findings: with all plain indexes
 * kept, an import took 6-15% less time than with all rebuilt; with these two rebuilt, 18.5-18.7 s
 * against 20.0-20.3 s with them kept on PostgreSQL, 28.5-29.7 against 32.8-35.9 s on PGlite).
 *
 * Only an empty table qualifies: rebuilding the unique index over rows that were already there would
 * cost more than it saves, and the exclusive lock that dropping a constraint takes then only keeps
 * readers from an empty table until the import commits. Under that lock the rows are written frozen (see `TRUNCATE`
 * below), and the columns every new row of the import shares (its time and id: `shared`) become the
 * columns' defaults, so the rows can leave them out; the schema's defaults are put back at the end.
 * Everything happens inside the import's transaction, so a failed import rolls the constraints back
 * with the rows. Definitions are read from the catalog, so keys that later migrations add are handled
 * alike.
 *
 * @example
 * const bulk = await beginBulkLoad(tx, sharedDefaults(importId, now)); // null when findings has rows
 * // ... COPY the new findings and their sources ...
 * await bulk?.finish(() => tx.query("ANALYZE findings")); // or finish() without refreshing statistics
 */
export async function beginBulkLoad(
  tx: RawTx,
  shared: SharedDefaults,
): Promise<{ finish(analyze?: () => Promise<unknown>): Promise<void> } | null> {
  if (!(await isEmpty(tx))) return null;
  // Wait for imports that are writing now, then look again: what they commit is not ours to re-index.
  await tx.query(`LOCK TABLE findings, finding_sources, finding_events IN ACCESS EXCLUSIVE MODE`);
  if (!(await isEmpty(tx))) return null;
  // Foreign keys to findings first, then its unique constraints; put back in the opposite order.
  const rows = await tx.query<{ drop: string; restore: string }>(
    `SELECT drop, restore FROM (
       SELECT 1 AS step, k.conname::text AS name,
              format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname) AS drop,
              format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid)) AS restore
         FROM pg_constraint k WHERE k.contype = 'f' AND k.confrelid = 'findings'::regclass
       UNION ALL
       SELECT 2, k.conname::text,
              format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname),
              format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid))
         FROM pg_constraint k WHERE k.conrelid = 'findings'::regclass AND k.contype = 'u'
     ) d ORDER BY step, name`,
  );
  for (const r of rows) await tx.query(r.drop);
  const rebuilt = await tx.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'findings' AND indexname = ANY($1::text[])
      ORDER BY indexname`,
    [REBUILT_INDEXES],
  );
  for (const i of rebuilt) await tx.query(`DROP INDEX ${quote(i.name)}`);
  // Empty already; truncated so that the rows can be written frozen (COPY FREEZE needs a table created
  // or truncated in the same transaction): no reader after the import has to set hint bits on every page
  // (with data checksums, as in the embedded database, that rewrote the whole table on the first query),
  // and the pages are marked all-visible for index-only scans. The lock above keeps everyone out.
  await tx.query(`TRUNCATE findings, finding_sources`);
  const restoreDefaults: string[] = [];
  const tables = [
    ["findings", shared.findings],
    ["finding_sources", shared.finding_sources],
  ] as const;
  for (const [table, columns] of tables) {
    const names = Object.keys(columns);
    const before = await tx.query<{ name: string; def: string | null }>(
      `SELECT a.attname AS name, pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::regclass AND a.attname = ANY($2)`,
      [table, names],
    );
    const set = names.map((c) => `ALTER COLUMN ${quote(c)} SET DEFAULT ${columns[c]!}`);
    await tx.query(`ALTER TABLE ${quote(table)} ${set.join(", ")}`);
    const back = before.map((b) =>
      b.def === null
        ? `ALTER COLUMN ${quote(b.name)} DROP DEFAULT`
        : `ALTER COLUMN ${quote(b.name)} SET DEFAULT ${b.def}`,
    );
    restoreDefaults.push(`ALTER TABLE ${quote(table)} ${back.join(", ")}`);
  }
  return {
    async finish(analyze) {
      for (const q of restoreDefaults) await tx.query(q);
      // Statistics first: with them, and with hash joins off, the foreign keys are checked by merging
      // the two primary keys in order, both read from their indexes alone (the rows were written frozen
      // and all-visible), rather than by hashing a million ids (in an import of a million findings:
      // 0.16-0.25 against 0.8 s).
      if (analyze) await analyze();
      // Memory enough to sort a million fingerprints at once and, on PostgreSQL, to let parallel workers
      // share the sort (each needs 32 MB of it), and for a check that has to sort; for this transaction
      // only.
      await tx.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
      await tx.query(`SET LOCAL work_mem = '${INDEX_BUILD_MEMORY}'`);
      await tx.query(`SET LOCAL enable_hashjoin = off`);
      for (const r of [...rows].reverse()) await tx.query(r.restore);
      for (const i of rebuilt) await tx.query(i.def);
      await tx.query(`SET LOCAL maintenance_work_mem TO DEFAULT`);
      await tx.query(`SET LOCAL work_mem TO DEFAULT`);
      await tx.query(`SET LOCAL enable_hashjoin TO DEFAULT`);
    },
  };
}

/** Plain indexes of `findings` that a bulk load drops and builds again at the end (see `beginBulkLoad`). */
const REBUILT_INDEXES = ["findings_queue_idx", "findings_vuln_idx"];

/**
 * `maintenance_work_mem` and `work_mem` while the indexes are built again and the foreign keys are
 * checked (PostgreSQL's defaults are 64 MB and 4 MB).
 */
const INDEX_BUILD_MEMORY = "256MB";

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function isEmpty(tx: RawTx): Promise<boolean> {
  const [row] = await tx.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM findings) AS empty`);
  return row?.empty === true;
}
