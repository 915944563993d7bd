import { CopyBuffer, copyRow, copyValue } from "../../store/copy-text.js";
import type { CopyOptions, RawTx } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
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
 * end of each row (the shared columns' values, or nothing when the columns' defaults give them), and
 * whether the rows are copied frozen (a bulk load into tables truncated in the import's transaction).
 */
export interface NewRowShape {
  readonly copy: CopyOptions;
  readonly findingColumns: readonly string[];
  readonly sourceColumns: readonly string[];
  /** Appended to each new finding's row, newline included. */
  readonly findingTail: string;
  /** Appended to each new source's row, newline included. */
  readonly sourceTail: string;
}

/**
 * The row shape of an import: with the shared columns, or, in a bulk load (`beginBulkLoad`), without them
 * (their defaults are set) and frozen.
 */
export function newRowShape(importId: number, stamp: string, bulk: boolean): NewRowShape {
  if (bulk)
    return {
      copy: { freeze: true },
      findingColumns: ["id", "fingerprint", ...FINDING_COLUMNS, "content_hash"],
      sourceColumns: ["finding_id", "scanner", "rule"],
      findingTail: "\n",
      sourceTail: "\n",
    };
  const at = copyValue(stamp);
  const id = copyValue(importId);
  return {
    copy: {},
    findingColumns: ["id", "fingerprint", ...FINDING_COLUMNS, "content_hash", ...FINDING_SHARED],
    sourceColumns: ["finding_id", "scanner", "rule", ...SOURCE_SHARED],
    findingTail: `\t${at}\t${at}\t${id}\t${at}\n`,
    sourceTail: `\t${at}\t${at}\t${id}\tt\n`,
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

/**
 * What one report says of its vulnerabilities, merged across its findings (aliases accumulate, the
 * first title and references win), written to `staged_vulnerabilities` once at the end of the import.
 */
export class VulnerabilityNotes {
  private readonly byId = new Map<
    string,
    { aliases: Set<string>; title: string; references: readonly string[] }
  >();

  add(f: Finding): void {
    const known = this.byId.get(f.vulnId);
    if (!known) {
      this.byId.set(f.vulnId, { aliases: new Set(f.aliases), title: f.title, references: f.references });
      return;
    }
    for (const a of f.aliases) known.aliases.add(a);
    if (!known.title) known.title = f.title;
    if (known.references.length === 0) known.references = f.references;
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

// Rows are built by concatenation, one `copyValue` per column: the same text as `copyRow` gives, without
// an array of 30 values and a second pass over the text per finding (a million per import).

/** The report's values of one decided finding, in FINDING_COLUMNS order, tab-separated. */
function values(f: Finding, d: DecidedFinding): string {
  const decision = d.decision;
  return (
    copyValue(f.vulnId) +
    "\t" +
    copyValue(f.component) +
    "\t" +
    copyValue(f.version) +
    "\t" +
    copyValue(f.ecosystem) +
    "\t" +
    copyValue(f.purl) +
    "\t" +
    copyValue(f.fixedVersions) +
    "\t" +
    copyValue(f.location) +
    "\t" +
    copyValue(f.assetKey) +
    "\t" +
    copyValue(f.severity) +
    "\t" +
    copyValue(f.cvss3?.vector ?? null) +
    "\t" +
    copyValue(f.cvss3?.score ?? null) +
    "\t" +
    copyValue(f.cvss4?.vector ?? null) +
    "\t" +
    copyValue(f.cvss4?.score ?? null) +
    "\t" +
    copyValue(f.epss?.score ?? null) +
    "\t" +
    copyValue(f.epss?.percentile ?? null) +
    "\t" +
    copyValue(f.knownExploited) +
    "\t" +
    copyValue(f.exploitAvailable) +
    "\t" +
    copyValue(f.status) +
    "\t" +
    copyValue(f.statusDetail) +
    "\t" +
    copyValue(decision.outcome) +
    "\t" +
    copyValue(CISA_OUTCOMES.indexOf(decision.outcome)) +
    "\t" +
    copyValue(decision.deployer) +
    "\t" +
    copyValue(decision.score) +
    "\t" +
    copyValue(decision.dueDate) +
    "\t" +
    copyValue(decision.topReason.text) +
    "\t" +
    copyValue(d.owner) +
    "\t" +
    copyValue(d.assetMatched)
  );
}

/**
 * What an import stages for one decided finding: the report's values and the decision, in
 * FINDING_COLUMNS order, and a hash of them with the source (scanner and rule). The store keeps the hash
 * (`content_hash`); a re-import whose staged values hash the same only marks the finding seen.
 */
export interface Staged {
  readonly values: string;
  readonly hash: number;
}

/** Stage one decided finding: its values as COPY text and their hash (see `Staged`). */
export function staged(d: DecidedFinding): Staged {
  const text = values(d.finding, d);
  return { values: text, hash: contentHash(text, d.finding.scanner, d.finding.rule) };
}

/** COPY row for a finding the store does not have yet, in the import's `shape`. */
export function newFindingRow(id: number, d: DecidedFinding, shape: NewRowShape): string {
  const s = staged(d);
  return (
    copyValue(id) +
    "\t" +
    copyValue(d.fingerprint) +
    "\t" +
    s.values +
    "\t" +
    copyValue(s.hash) +
    shape.findingTail
  );
}

/** COPY row for a finding the store has (or that this import already added), staged to be merged. */
export function stagedRow(id: number, d: DecidedFinding, s: Staged = staged(d)): string {
  return (
    copyValue(id) +
    "\t" +
    s.values +
    "\t" +
    copyValue(s.hash) +
    "\t" +
    copyValue(d.finding.scanner) +
    "\t" +
    copyValue(d.finding.rule) +
    "\n"
  );
}

/**
 * A 53-bit hash (two 32-bit FNV-1a lanes over the UTF-16 code units, joined within Number's exact
 * integers) of staged values and their source. Not cryptographic: it only tells the next import of the
 * same finding whether anything it would write changed. Two different stagings of one finding collide
 * once in about 2^53; the finding is then marked seen without its new values until it next changes.
 */
export function contentHash(values: string, scanner: string, rule: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  const feed = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    // A separator between the three texts, so that moving characters from one to the next changes it.
    a = Math.imul(a ^ 0xffff, 0x01000193);
    b = Math.imul(b ^ 0xffff, 0x01000193);
  };
  feed(values);
  feed(scanner);
  feed(rule);
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

/** COPY row for the source of a new finding, in the import's `shape`. */
export function sourceRow(id: number, f: Finding, shape: NewRowShape): string {
  return copyValue(id) + "\t" + copyValue(f.scanner) + "\t" + copyValue(f.rule) + shape.sourceTail;
}
