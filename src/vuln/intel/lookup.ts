import type { Cvss } from "../finding.js";
import type { CvssEntry, EpssEntry, IntelLookup, IntelRecord, KevEntry, VulnrichmentSsvc } from "./types.js";

/** Entries as an array (or any iterable), or a map from CVE to entry. */
export type EntrySource<T> = Iterable<T> | ReadonlyMap<string, T>;

export interface IntelIndexInput {
  readonly kev?: EntrySource<KevEntry> | undefined;
  readonly epss?: EntrySource<EpssEntry> | undefined;
  readonly cvss?: EntrySource<CvssEntry> | undefined;
  readonly ssvc?: EntrySource<VulnrichmentSsvc> | undefined;
}

export interface IntelIndexOptions {
  /**
   * CVSS sources from most to least trusted (default `["nvd", "vulnrichment"]`); sources not named rank
   * after these. Each CVSS version is taken from the most trusted source that has it.
   */
  readonly cvssPreference?: readonly string[] | undefined;
}

/** An in-memory IntelLookup, with the number of CVEs it knows. */
export interface IntelIndex extends IntelLookup {
  readonly size: number;
}

interface Building {
  kev?: KevEntry;
  epss?: EpssEntry;
  ssvc?: VulnrichmentSsvc;
  cvss3?: Ranked;
  cvss4?: Ranked;
}

interface Ranked {
  readonly cvss: Cvss;
  readonly rank: number;
  readonly source: string;
}

/**
 * Merge loaded intel entries into one in-memory lookup by CVE, for stateless triage (no database).
 * Later entries replace earlier ones of the same source (load the yearly NVD feed, then `modified`);
 * of two SSVC assessments the newer one wins. CVSS v3 and v4 are each taken from the most trusted
 * source that has them, and the record's `source` names every source used ("nvd+vulnrichment").
 * CVE ids are matched case-insensitively.
 *
 * @example
 * const intel = buildIntelIndex({ kev: kevEntries, epss: epssEntries });
 * intel.get("CVE-2021-44228")?.kev?.dueDate; // "2021-12-24"
 */
export function buildIntelIndex(input: IntelIndexInput, options: IntelIndexOptions = {}): IntelIndex {
  const preference = options.cvssPreference ?? ["nvd", "vulnrichment"];
  const rankOf = (source: string): number => {
    const i = preference.indexOf(source);
    return i < 0 ? preference.length : i;
  };
  const records = new Map<string, Building>();
  const at = (cve: string): Building => {
    const key = normalize(cve);
    let r = records.get(key);
    if (!r) records.set(key, (r = {}));
    return r;
  };

  for (const e of entries(input.kev)) at(e.cve).kev = e;
  for (const e of entries(input.epss)) at(e.cve).epss = e;
  for (const e of entries(input.ssvc)) {
    const r = at(e.cve);
    if (!r.ssvc || e.timestamp >= r.ssvc.timestamp) r.ssvc = e;
  }
  for (const e of entries(input.cvss)) {
    const r = at(e.cve);
    const rank = rankOf(e.source);
    // `<=`: a later entry of the same source is a newer load of it.
    if (e.cvss3 && (!r.cvss3 || rank <= r.cvss3.rank)) r.cvss3 = { cvss: e.cvss3, rank, source: e.source };
    if (e.cvss4 && (!r.cvss4 || rank <= r.cvss4.rank)) r.cvss4 = { cvss: e.cvss4, rank, source: e.source };
  }

  return {
    size: records.size,
    get(cve: string): IntelRecord | undefined {
      const key = normalize(cve);
      const r = records.get(key);
      // Built per call rather than cached: a cache would double the memory of a 300k-CVE index.
      return r ? { kev: r.kev, epss: r.epss, ssvc: r.ssvc, cvss: mergedCvss(key, r) } : undefined;
    },
  };
}

function mergedCvss(cve: string, r: Building): CvssEntry | undefined {
  const { cvss3, cvss4 } = r;
  if (!cvss3 && !cvss4) return undefined;
  const sources = [cvss3, cvss4]
    .filter((x): x is Ranked => x !== undefined)
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.source);
  return {
    cve,
    cvss3: cvss3?.cvss ?? null,
    cvss4: cvss4?.cvss ?? null,
    source: [...new Set(sources)].join("+"),
  };
}

function entries<T>(source: EntrySource<T> | undefined): Iterable<T> {
  if (source === undefined) return [];
  return source instanceof Map ? (source as ReadonlyMap<string, T>).values() : (source as Iterable<T>);
}

function normalize(cve: string): string {
  return cve.trim().toUpperCase();
}
