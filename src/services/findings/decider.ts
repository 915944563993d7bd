import type { Queryable } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
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
  decide(finding: Finding, firstSeen: Date): Omit<DecidedFinding, "fingerprint">;
}
