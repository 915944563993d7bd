import { arrayLiteral } from "../../store/copy-text.js";
import type { Queryable } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";

/** What an import needs of a finding the store already has: its id, when it was first seen, its evidence. */
export interface KnownFinding {
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
  /** What the last import staged for it, hashed (`staging.ts`); null when the row changed since. */
  readonly content_hash: number | null;
}

/**
 * The stored findings among `fingerprints`, by fingerprint. Columns that no finding of the batch will
 * read are not asked for: a stored CVSS or severity is only used when the report lacks one (see
 * `mergeEvidence`), and most reports carry both.
 *
 * What every lookup needs comes back as one text column per finding, fields separated by spaces (none of
 * them can hold one: numbers, `t`/`f`, a hash, a hex fingerprint, then the status, last). A re-import looks up
 * every finding it holds, and decoding a row costs per column: on the embedded database, whose rows are
 * decoded in JavaScript, a lookup of 5,000 findings took about 75 ms of CPU with a column per field and
 * takes about 50 ms this way.
 *
 * @example const known = await lookUpKnown(store, prints, { cvss3: false, cvss4: true, severity: false });
 */
export async function lookUpKnown(
  db: Queryable,
  fingerprints: readonly string[],
  need: { readonly cvss3: boolean; readonly cvss4: boolean; readonly severity: boolean },
): Promise<Map<string, KnownFinding>> {
  const known = new Map<string, KnownFinding>();
  if (fingerprints.length === 0) return known;
  const rows = await db.query<PackedRow>(
    `SELECT concat_ws(' ', id, floor(extract(epoch FROM first_seen) * 1000)::bigint,
              coalesce(scanner_epss::text, ''), coalesce(scanner_epss_percentile::text, ''),
              CASE WHEN scanner_kev THEN 't' WHEN NOT scanner_kev THEN 'f' ELSE '' END,
              CASE WHEN exploit_available THEN 't' WHEN NOT exploit_available THEN 'f' ELSE '' END,
              coalesce(content_hash::text, ''), fingerprint, status) AS known
            ${need.severity ? ", severity" : ""}
            ${need.cvss3 ? ", cvss3_vector, cvss3_score" : ""}
            ${need.cvss4 ? ", cvss4_vector, cvss4_score" : ""}
       FROM findings WHERE fingerprint = ANY($1::text[])`,
    [arrayLiteral(fingerprints)],
  );
  for (const r of rows) {
    const f = unpack(r);
    known.set(f.fingerprint, f);
  }
  return known;
}

interface PackedRow {
  readonly known: string;
  readonly severity?: string;
  readonly cvss3_vector?: string | null;
  readonly cvss3_score?: number | null;
  readonly cvss4_vector?: string | null;
  readonly cvss4_score?: number | null;
}

function unpack(r: PackedRow): KnownFinding {
  // Eight fields, then the status. NULLs were written as empty fields (concat_ws would skip a NULL).
  const p = r.known.split(" ", 8);
  let end = p.length - 1; // the spaces between the fields
  for (const field of p) end += field.length;
  const status = r.known.slice(end + 1);
  const num = (s: string | undefined): number | null => (s ? Number(s) : null);
  const bool = (s: string | undefined): boolean | null => (s === "t" ? true : s === "f" ? false : null);
  return {
    id: p[0]!,
    first_seen: new Date(Number(p[1])),
    scanner_epss: num(p[2]),
    scanner_epss_percentile: num(p[3]),
    scanner_kev: bool(p[4]),
    exploit_available: bool(p[5]),
    content_hash: num(p[6]),
    fingerprint: p[7]!,
    status,
    severity: r.severity ?? "",
    cvss3_vector: r.cvss3_vector ?? null,
    cvss3_score: r.cvss3_score ?? null,
    cvss4_vector: r.cvss4_vector ?? null,
    cvss4_score: r.cvss4_score ?? null,
  };
}

/**
 * Evidence accumulates across scanners: the highest EPSS, any exploit flag, any known CVSS and severity.
 *
 * @example decider.decide(mergeEvidence(finding, known), known.first_seen)
 */
export function mergeEvidence(f: Finding, old: KnownFinding): Finding {
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
