import { arrayLiteral, integerArrayLiteral } from "../../store/copy-text.js";
import type { RawTx } from "../../store/open.js";
import { FINDING_COLUMNS, type FindingColumn } from "./staging.js";

/**
 * How a column merges when a report brings a finding the store has: the description keeps what any
 * scanner said (aliases accumulate; an empty value never erases a known one). Evidence and the decision
 * were merged and decided in JavaScript before staging, so they are taken as staged. `f` is the stored
 * row, `s` the staged one.
 */
const MERGE: Partial<Record<FindingColumn, string>> = {
  fixed_versions: `CASE WHEN cardinality(s.fixed_versions) > 0 THEN s.fixed_versions ELSE f.fixed_versions END`,
  purl: `COALESCE(NULLIF(s.purl, ''), f.purl)`,
  ecosystem: `COALESCE(NULLIF(s.ecosystem, ''), f.ecosystem)`,
  cvss3_vector: `COALESCE(s.cvss3_vector, f.cvss3_vector)`,
  cvss3_score: `CASE WHEN s.cvss3_vector IS NULL THEN f.cvss3_score ELSE s.cvss3_score END`,
  cvss4_vector: `COALESCE(s.cvss4_vector, f.cvss4_vector)`,
  cvss4_score: `CASE WHEN s.cvss4_vector IS NULL THEN f.cvss4_score ELSE s.cvss4_score END`,
  severity: `CASE WHEN s.severity = 'unknown' THEN f.severity ELSE s.severity END`,
  // A finding accepted by exception stays accepted; anything else takes the report's status.
  status: `CASE WHEN f.status = 'accepted' THEN f.status ELSE s.status END`,
};

const DECISION: readonly FindingColumn[] = [
  "outcome",
  "outcome_rank",
  "deployer",
  "score",
  "due_date",
  "top_reason",
];

function assignments(only?: readonly FindingColumn[]): string {
  return (only ?? FINDING_COLUMNS).map((c) => `"${c}" = ${MERGE[c] ?? `s."${c}"`}`).join(", ");
}

/**
 * Apply one batch of staged updates (`staged` holds them; it is emptied for the next batch): findings the
 * store had take the report's values (merged as above) and the decision made on their merged evidence,
 * and their sources are marked seen. Run batch by batch while the report is still being read, so the
 * database merges one batch as the next is decided instead of all of them at the end. `ids` are the
 * staged ids: matching on them lets the database fetch those rows by key instead of hashing the table.
 */
export async function mergeKnown(
  tx: RawTx,
  input: { importId: number; now: Date; ids: readonly number[] },
): Promise<void> {
  const { importId, now } = input;
  await tx.query(
    `UPDATE findings f SET ${assignments()}, content_hash = s.content_hash,
            closed_at = CASE WHEN s.status = 'open' THEN NULL ELSE f.closed_at END,
            last_seen = $2, last_import_id = $1, decided_at = $2
       FROM staged s WHERE f.id = s.id AND f.id = ANY($3::bigint[])`,
    [importId, now, integerArrayLiteral(input.ids)],
  );
  await upsertSources(tx, "staged s", importId, now);
  await tx.query(`TRUNCATE staged`);
}

/**
 * Findings a re-import brings unchanged (what it would stage hashes as what the last import staged, and
 * their status stands): only their sources are marked seen. The finding's own row is not written at all:
 * its last sighting is its sources' (`LAST_SEEN_SQL` in list.ts), and its decision, made again the same,
 * keeps the time it was made. Rewriting the wide findings rows was most of what a re-import cost the
 * database (a gigabyte of new row versions at 1,000,000 findings) for three columns nothing reads. The
 * staged decision includes the score, whose age part grows until the policy's `ageFullDays`: the same
 * scan imported again the same day, or findings older than that, come this way; younger ones whose
 * rounded score moved since are merged in full.
 */
export async function markSeen(
  tx: RawTx,
  input: {
    importId: number;
    now: Date;
    ids: readonly number[];
    scanners: readonly string[];
    rules: readonly string[];
  },
): Promise<void> {
  const { importId, now } = input;
  // Arrays passed as literals: the driver's own serialization costs more, element by element.
  await upsertSources(
    tx,
    "unnest($3::bigint[], $4::text[], $5::text[]) AS s(id, scanner, rule)",
    importId,
    now,
    [integerArrayLiteral(input.ids), arrayLiteral(input.scanners), arrayLiteral(input.rules)],
  );
}

/**
 * At the end of an import, after every `mergeKnown`: findings reported twice in one report keep the more
 * urgent of the two decisions, with their sources; what the report says of each vulnerability is merged;
 * and a 'reopened' event is written for what a full scan had closed.
 */
export async function mergeStaged(
  tx: RawTx,
  input: { importId: number; now: Date; reopened: readonly number[]; duplicates: boolean },
): Promise<void> {
  const { importId, now } = input;
  if (input.duplicates) {
    const descriptive = FINDING_COLUMNS.filter((c) => !DECISION.includes(c) && c !== "status");
    await tx.query(
      `UPDATE findings f SET ${assignments(descriptive)}, content_hash = NULL,
              ${DECISION.map((c) => `"${c}" = CASE WHEN (s.outcome_rank, s.score) > (f.outcome_rank, f.score) THEN s."${c}" ELSE f."${c}" END`).join(", ")}
         FROM (SELECT DISTINCT ON (id) * FROM staged_twice ORDER BY id, outcome_rank DESC, score DESC) s
        WHERE f.id = s.id`,
    );
    await upsertSources(tx, "(SELECT DISTINCT ON (id, scanner) * FROM staged_twice) s", importId, now);
  }
  // What reports say of each vulnerability: aliases accumulate, a title or references are never erased.
  // A vulnerability whose description this changes nothing of is not written again (updated_at is when
  // it last changed): a re-import of the same scan rewrote tens of thousands of rows for nothing.
  const aliases = `ARRAY(SELECT DISTINCT a FROM unnest(v.aliases || EXCLUDED.aliases) AS a ORDER BY a)`;
  const title = `COALESCE(NULLIF(EXCLUDED.title, ''), v.title)`;
  const references = `CASE WHEN cardinality(EXCLUDED."references") > 0 THEN EXCLUDED."references" ELSE v."references" END`;
  await tx.query(
    `INSERT INTO vulnerabilities AS v (vuln_id, aliases, title, "references", updated_at)
     SELECT vuln_id, aliases, title, "references", $1 FROM staged_vulnerabilities
     ON CONFLICT (vuln_id) DO UPDATE SET
       aliases = ${aliases}, title = ${title}, "references" = ${references}, updated_at = EXCLUDED.updated_at
     WHERE (v.aliases, v.title, v."references") IS DISTINCT FROM (${aliases}, ${title}, ${references})`,
    [now],
  );
  if (input.reopened.length > 0) {
    await tx.query(
      `INSERT INTO finding_events (finding_id, at, kind, import_id, detail)
       SELECT unnest($3::bigint[]), $2, 'reopened', $1, 'reported again'`,
      [importId, now, input.reopened],
    );
  }
}

/** Mark the sources of `from` (a FROM item with columns id, scanner and rule, aliased `s`) seen in this import. */
async function upsertSources(
  tx: RawTx,
  from: string,
  importId: number,
  now: Date,
  more: readonly unknown[] = [],
): Promise<void> {
  await tx.query(
    `INSERT INTO finding_sources (finding_id, scanner, rule, first_seen, last_seen, last_import_id, present)
     SELECT s.id, s.scanner, s.rule, $2, $2, $1, true FROM ${from}
     ON CONFLICT (finding_id, scanner) DO UPDATE SET
       rule = EXCLUDED.rule, last_seen = EXCLUDED.last_seen, last_import_id = EXCLUDED.last_import_id, present = true`,
    [importId, now, ...more],
  );
}

/**
 * A full scan by a scanner of an asset is the truth about that pair: whatever that scanner reported
 * before on that asset and not now is gone. A finding closes when no scanner still reports it.
 * `scanned` holds the pairs the import reported on (asset -> scanners); a source seen in this import
 * carries its id, a finding brought unchanged has only its sources written.
 */
export async function closeMissing(
  tx: RawTx,
  input: { importId: number; now: Date; scanned: ReadonlyMap<string, ReadonlySet<string>> },
): Promise<number> {
  const { importId, now } = input;
  const assets: string[] = [];
  const scanners: string[] = [];
  for (const [asset, names] of input.scanned)
    for (const name of names) {
      assets.push(asset);
      scanners.push(name);
    }
  const pairs = [arrayLiteral(assets), arrayLiteral(scanners)];
  await tx.query(
    `UPDATE finding_sources fs SET present = false
       FROM findings f
      WHERE fs.finding_id = f.id AND fs.present AND fs.last_import_id <> $1
        AND (f.asset_key, fs.scanner) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [importId, ...pairs],
  );
  const closed = await tx.query<{ id: string }>(
    `UPDATE findings f SET status = 'fixed', closed_at = $1
      WHERE f.status = 'open' AND f.asset_key = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM finding_sources s WHERE s.finding_id = f.id AND s.present)
      RETURNING f.id`,
    [now, pairs[0]],
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
