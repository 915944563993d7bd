import type { BinaryCopyRows } from "../../store/copy-binary.js";
import { CopyBuffer, copyRow } from "../../store/copy-text.js";
import type { CopyOptions, RawTx } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import type { IntelRecord } from "../../vuln/intel/types.js";
import { CISA_OUTCOMES } from "../../vuln/triage/types.js";
import type { DecidedFinding } from "./decider.js";

/**
 * Columns a report sets on a finding, in the order the COPY rows below write them. New findings are
 * copied straight into `findings` with these plus their id and times; findings the store already has go
 * through the `staged` table and are merged by id.
 */
export const FINDING_COLUMNS = [
  "vuln_id",
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
  "scanner_epss",
  "scanner_epss_percentile",
  "scanner_kev",
  "exploit_available",
  "status",
  "status_detail",
  "outcome",
  "outcome_rank",
  "deployer",
  "score",
  "due_date",
  "top_reason",
  "owner",
  "asset_matched",
] as const;
export type FindingColumn = (typeof FINDING_COLUMNS)[number];

const TYPES: Readonly<Record<FindingColumn, string>> = {
  vuln_id: "text",
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
  scanner_epss: "real",
  scanner_epss_percentile: "real",
  scanner_kev: "boolean",
  exploit_available: "boolean",
  status: "text",
  status_detail: "text",
  outcome: "text",
  outcome_rank: "smallint",
  deployer: "text",
  score: "real",
  due_date: "date",
  top_reason: "text",
  owner: "text",
  asset_matched: "boolean",
};

/**
 * Columns every new finding and new source of one import share: its time and its id. A bulk load into an
 * empty store makes them the columns' defaults for the import (`beginBulkLoad`) and leaves them out of
 * the rows: a shorter row, and three timestamps fewer for the database to parse per finding.
 */
const FINDING_SHARED = ["first_seen", "last_seen", "last_import_id", "decided_at"] as const;
const SOURCE_SHARED = ["first_seen", "last_seen", "last_import_id", "present"] as const;

/** The shared columns' values for one import, by table, as column -> SQL literal. */
export interface SharedDefaults {
  readonly findings: Readonly<Record<string, string>>;
  readonly finding_sources: Readonly<Record<string, string>>;
}

/** The shared columns' values for one import (for `ALTER COLUMN SET DEFAULT`). */
export function sharedDefaults(importId: number, now: Date): SharedDefaults {
  const at = `'${now.toISOString()}'::timestamptz`;
  const id = String(Math.trunc(importId));
  return {
    findings: { first_seen: at, last_seen: at, last_import_id: id, decided_at: at },
    finding_sources: { first_seen: at, last_seen: at, last_import_id: id, present: "true" },
  };
}

/**
 * How new findings and their sources are written in one import: the columns of their COPY rows, the
 * shared columns' values when the rows carry them (null when the columns' defaults give them), and
 * whether the rows are copied frozen (a bulk load into tables truncated in the import's transaction).
 */
export interface NewRowShape {
  readonly copy: CopyOptions;
  readonly findingColumns: readonly string[];
  readonly sourceColumns: readonly string[];
  /** The import's time (milliseconds) and id, written at the end of each row; null in a bulk load. */
  readonly shared: { readonly at: number; readonly importId: number } | null;
}

/**
 * The row shape of an import: with the shared columns, or, in a bulk load (`beginBulkLoad`), without them
 * (their defaults are set) and frozen. Rows are copied in PostgreSQL's binary format (`BinaryCopyRows`).
 */
export function newRowShape(importId: number, now: Date, bulk: boolean): NewRowShape {
  if (bulk)
    return {
      copy: { freeze: true, binary: true },
      findingColumns: ["id", "fingerprint", ...FINDING_COLUMNS, "content_hash"],
      sourceColumns: ["finding_id", "scanner", "rule"],
      shared: null,
    };
  return {
    copy: { binary: true },
    findingColumns: ["id", "fingerprint", ...FINDING_COLUMNS, "content_hash", ...FINDING_SHARED],
    sourceColumns: ["finding_id", "scanner", "rule", ...SOURCE_SHARED],
    shared: { at: now.getTime(), importId },
  };
}

/** Columns of a staged update to a known finding; `scanner` and `rule` feed its source row. */
export const STAGED_COLUMNS = ["id", ...FINDING_COLUMNS, "content_hash", "scanner", "rule"] as const;

/**
 * Transaction-local tables, gone at commit or rollback: `staged` holds updates to findings the store has
 * (one row per finding), `staged_twice` findings reported more than once in the same report, and
 * `staged_vulnerabilities` what the report says of each vulnerability (ids, title, references).
 */
export async function createStaging(tx: RawTx): Promise<void> {
  const columns = [
    `"id" bigint`,
    ...FINDING_COLUMNS.map((c) => `"${c}" ${TYPES[c]}`),
    `"content_hash" bigint`,
    `"scanner" text`,
    `"rule" text`,
  ].join(", ");
  await tx.query(`CREATE TEMP TABLE staged (${columns}) ON COMMIT DROP`);
  await tx.query(`CREATE TEMP TABLE staged_twice (${columns}) ON COMMIT DROP`);
  await tx.query(
    `CREATE TEMP TABLE staged_vulnerabilities (vuln_id text, aliases text[], title text, "references" text[]) ON COMMIT DROP`,
  );
}

export const VULNERABILITY_COLUMNS = ["vuln_id", "aliases", "title", "references"] as const;

/** One vulnerability of an import: what the report says of it, and its intel once fetched. */
export interface VulnerabilityNote {
  readonly vulnId: string;
  aliases: Set<string>;
  title: string;
  references: readonly string[];
  /** Its intel (`FindingDecider.intelFor`), set once fetched; undefined until then. */
  intel: IntelRecord | undefined;
}

/**
 * What one report says of its vulnerabilities, merged across its findings (aliases accumulate, the
 * first title and references win), written to `staged_vulnerabilities` once at the end of the import.
 * Each finding's vulnerability is looked up here once, and the note carries what else the import needs
 * of it (its intel): a lookup by a string just read from the report costs up to a microsecond, several
 * per finding were a tenth of an import's time.
 */
export class VulnerabilityNotes {
  private readonly byId = new Map<string, VulnerabilityNote>();

  /** Note what `f` says of its vulnerability; gives the note, and whether `f` is the first to name it. */
  add(f: Finding): { note: VulnerabilityNote; first: boolean } {
    const known = this.byId.get(f.vulnId);
    if (!known) {
      const note: VulnerabilityNote = {
        vulnId: f.vulnId,
        aliases: new Set(f.aliases),
        title: f.title,
        references: f.references,
        intel: undefined,
      };
      this.byId.set(f.vulnId, note);
      return { note, first: true };
    }
    for (const a of f.aliases) known.aliases.add(a);
    if (!known.title) known.title = f.title;
    if (known.references.length === 0) known.references = f.references;
    return { note: known, first: false };
  }

  /** COPY rows, one per vulnerability. */
  rows(): string[] {
    const rows = new CopyBuffer();
    for (const [id, v] of this.byId) {
      v.aliases.delete(id);
      rows.push(copyRow([id, [...v.aliases].sort(), v.title, v.references]));
    }
    return rows.take();
  }
}

/**
 * The report's values of one decided finding, in FINDING_COLUMNS order, each in its column's binary form
 * (see `TYPES`).
 */
function writeValues(rows: BinaryCopyRows, d: DecidedFinding): void {
  const f = d.finding;
  const decision = d.decision;
  rows.text(f.vulnId);
  rows.text(f.component);
  rows.text(f.version);
  rows.text(f.ecosystem);
  rows.text(f.purl);
  rows.textArray(f.fixedVersions);
  rows.text(f.location);
  rows.text(f.assetKey);
  rows.text(f.severity);
  rows.text(f.cvss3?.vector ?? null);
  rows.float4(f.cvss3?.score ?? null);
  rows.text(f.cvss4?.vector ?? null);
  rows.float4(f.cvss4?.score ?? null);
  rows.float4(f.epss?.score ?? null);
  rows.float4(f.epss?.percentile ?? null);
  rows.boolean(f.knownExploited);
  rows.boolean(f.exploitAvailable);
  rows.text(f.status);
  rows.text(f.statusDetail);
  rows.text(decision.outcome);
  rows.int2(CISA_OUTCOMES.indexOf(decision.outcome));
  rows.text(decision.deployer);
  rows.float4(decision.score);
  rows.date(decision.dueDate);
  rows.text(decision.topReason.text);
  rows.text(d.owner);
  rows.boolean(d.assetMatched);
}

/**
 * Write the values of one decided finding (see `writeValues`) and give their hash with the source
 * (scanner and rule): the store keeps it (`content_hash`), and a re-import whose staged values hash the
 * same only marks the finding seen. A 53-bit FNV-1a hash of the values' bytes (`hashSince`), not
 * cryptographic: two different stagings of one finding collide once in about 2^53, and the finding is
 * then marked seen without its new values until it next changes.
 */
function writeHashedValues(rows: BinaryCopyRows, d: DecidedFinding): number {
  const mark = rows.rowOffset;
  writeValues(rows, d);
  return rows.hashSince(mark, d.finding.scanner, d.finding.rule);
}

/** Row of `findings` for a finding the store does not have yet, in the import's `shape`. */
export function writeNewFinding(
  rows: BinaryCopyRows,
  id: number,
  d: DecidedFinding,
  shape: NewRowShape,
): void {
  rows.row(shape.findingColumns.length);
  rows.int8(id);
  rows.text(d.fingerprint);
  rows.int8(writeHashedValues(rows, d));
  if (shape.shared) {
    rows.timestamptz(shape.shared.at);
    rows.timestamptz(shape.shared.at);
    rows.int8(shape.shared.importId);
    rows.timestamptz(shape.shared.at);
  }
}

/**
 * Row of `staged` (or `staged_twice`) for a finding the store has (or that this import already added), to
 * be merged; gives the hash of its values (see `writeHashedValues`), so that a caller that finds it
 * unchanged can drop the row (`dropRow`).
 */
export function writeStaged(rows: BinaryCopyRows, id: number, d: DecidedFinding): number {
  rows.row(STAGED_COLUMNS.length);
  rows.int8(id);
  const hash = writeHashedValues(rows, d);
  rows.int8(hash);
  rows.text(d.finding.scanner);
  rows.text(d.finding.rule);
  return hash;
}

/** Row of `finding_sources` for the source of a new finding, in the import's `shape`. */
export function writeSource(rows: BinaryCopyRows, id: number, f: Finding, shape: NewRowShape): void {
  rows.row(shape.sourceColumns.length);
  rows.int8(id);
  rows.text(f.scanner);
  rows.text(f.rule);
  if (shape.shared) {
    rows.timestamptz(shape.shared.at);
    rows.timestamptz(shape.shared.at);
    rows.int8(shape.shared.importId);
    rows.boolean(true);
  }
}
