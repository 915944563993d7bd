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
}

/**
 * The stored findings among `fingerprints`, by fingerprint. Columns that no finding of the batch will
 * read come back as NULL rather than as values to decode: a stored CVSS or severity is only used when
 * the report lacks one (see `mergeEvidence`), and most reports carry both.
 *
 * @example const known = await lookUpKnown(store, prints, { cvss3: false, cvss4: true, severity: false });
 */
export async function lookUpKnown(
  db: Queryable,
  fingerprints: readonly string[],
  need: { readonly cvss3: boolean; readonly cvss4: boolean; readonly severity: boolean },
): Promise<Map<string, KnownFinding>> {
  if (fingerprints.length === 0) return new Map();
  const rows = await db.query<KnownFinding>(
    `SELECT id, fingerprint, first_seen, status, scanner_epss, scanner_epss_percentile, scanner_kev, exploit_available,
            ${need.severity ? "severity" : "''::text AS severity"},
            ${need.cvss3 ? "cvss3_vector, cvss3_score" : "NULL::text AS cvss3_vector, NULL::real AS cvss3_score"},
            ${need.cvss4 ? "cvss4_vector, cvss4_score" : "NULL::text AS cvss4_vector, NULL::real AS cvss4_score"}
       FROM findings WHERE fingerprint = ANY($1::text[])`,
    [fingerprints],
  );
  return new Map(rows.map((r) => [r.fingerprint, r]));
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
