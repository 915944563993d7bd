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
