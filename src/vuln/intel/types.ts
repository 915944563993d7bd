import type { Cvss, Epss } from "../finding.js";

/** A CISA KEV catalog entry, as much of it as decisions and explanations use. */
export interface KevEntry {
  readonly cve: string;
  readonly vendorProject: string;
  readonly product: string;
  readonly name: string;
  readonly dateAdded: string; // YYYY-MM-DD
  readonly dueDate: string; // YYYY-MM-DD, the federal remediation deadline
  readonly requiredAction: string;
  /** `knownRansomwareCampaignUse` is "Known". */
  readonly ransomware: boolean;
}

/** SSVC decision point values, as CISA Vulnrichment publishes them in its ADP container. */
export type Exploitation = "none" | "poc" | "active";
export type Automatable = "yes" | "no";
export type TechnicalImpact = "partial" | "total";

export interface VulnrichmentSsvc {
  readonly cve: string;
  readonly exploitation: Exploitation;
  readonly automatable: Automatable;
  readonly technicalImpact: TechnicalImpact;
  /** ISO timestamp of CISA's assessment (`timestamp` in the SSVC content). */
  readonly timestamp: string;
}

/** CVSS scores from NVD (or a CVE record's CNA/ADP metrics). */
export interface CvssEntry {
  readonly cve: string;
  readonly cvss3: Cvss | null;
  readonly cvss4: Cvss | null;
  readonly source: string; // "nvd", "vulnrichment", the CNA name...
}

export interface EpssEntry extends Epss {
  readonly cve: string;
}

/** Everything known about one CVE, assembled from every loaded source. */
export interface IntelRecord {
  readonly kev?: KevEntry | undefined;
  readonly epss?: Epss | undefined;
  readonly cvss?: CvssEntry | undefined;
  readonly ssvc?: VulnrichmentSsvc | undefined;
}

/** Read-only lookup the triage core uses; the store and the bundled snapshot both provide one. */
export interface IntelLookup {
  get(cve: string): IntelRecord | undefined;
}

/** The intel sources detente knows. */
export type IntelSource = "kev" | "epss" | "nvd" | "vulnrichment";

/**
 * What a loader learned about an intel file besides its entries: the version and date the publisher
 * stamped on it, how many entries were read, and anything odd that did not stop the load.
 *
 * @example
 * const meta: IntelMeta = { source: "kev", version: "2025.08.25", date: "2025-08-25T17:04:19.9796Z",
 *   count: 1404, declaredCount: 1404, skipped: 0, warnings: [] };
 */
export interface IntelMeta {
  readonly source: IntelSource;
  /** KEV `catalogVersion`, EPSS `model_version`, NVD format `version`, vulnrichment CVE `dataVersion`; "" if unstated. */
  readonly version: string;
  /**
   * When the publisher produced the data (ISO 8601): KEV `dateReleased`, EPSS `score_date`, NVD
   * `timestamp`, vulnrichment the newest `cveMetadata.dateUpdated`; "" if unstated.
   */
  readonly date: string;
  /** Entries yielded so far (for vulnrichment: SSVC assessments plus CVSS entries). */
  readonly count: number;
  /** How many entries the file says it has (KEV `count`, NVD `totalResults`), or null if it says nothing. */
  readonly declaredCount: number | null;
  /** Records read but not turned into entries (unknown SSVC values, CVEs without any CVSS, rejected CVEs). */
  readonly skipped: number;
  /** Problems that did not stop the load, at most a few dozen, each naming the file and the record. */
  readonly warnings: readonly string[];
}

/** One batch of entries from an intel loader; which array it carries depends on the source. */
export type IntelBatch =
  | { readonly source: "kev"; readonly kev: readonly KevEntry[] }
  | { readonly source: "epss"; readonly epss: readonly EpssEntry[] }
  | { readonly source: "nvd"; readonly cvss: readonly CvssEntry[] }
  | {
      readonly source: "vulnrichment";
      readonly ssvc: readonly VulnrichmentSsvc[];
      readonly cvss: readonly CvssEntry[];
    };
