import type { Queryable } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import type { IntelRecord } from "../../vuln/intel/types.js";
import type { DecisionBrief } from "../../vuln/triage/types.js";

/** A finding with its decision and the business context the store keeps beside it. */
export interface DecidedFinding {
  readonly finding: Finding;
  readonly decision: DecisionBrief;
  readonly owner: string;
  readonly assetMatched: boolean;
  readonly fingerprint: string;
}

/**
 * Decides findings with everything the decision needs already bound: intel, asset inventory, policy and
 * `now`. The import and the stateless triage both take one, so they decide alike.
 */
export interface FindingDecider {
  /**
   * Fetch what deciding this batch needs (intel for its CVEs) before `decide` is called on it, on `db`
   * when given (the caller's transaction).
   */
  prepare?(batch: readonly Finding[], db?: Queryable): Promise<void>;
  /**
   * The intel of each of `cves` (an empty record when nothing is known), fetched on `db` when given, for
   * a caller that keeps it per vulnerability and passes it to `decide` (an import looks each of its
   * vulnerabilities up once, not once per finding).
   */
  intelFor?(cves: readonly string[], db?: Queryable): Promise<readonly IntelRecord[]>;
  /** Decide `finding`, with `intel` when the caller has it (from `intelFor`), else looked up. */
  decide(finding: Finding, firstSeen: Date, intel?: IntelRecord): Omit<DecidedFinding, "fingerprint">;
}
