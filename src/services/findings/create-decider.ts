import type { AssetMatcherService } from "../../vuln/assets/matcher.js";
import type { Finding } from "../../vuln/finding.js";
import type { IntelLookup, IntelRecord } from "../../vuln/intel/types.js";
import { decideBrief } from "../../vuln/triage/decide.js";
import type { TriagePolicy } from "../../vuln/triage/policy.js";
import type { PrefetchingIntel } from "../intel/store-lookup.js";
import type { DecidedFinding, FindingDecider } from "./decider.js";

/**
 * Bind intel, the asset inventory, the policy and `now` into a FindingDecider, so the import, the
 * stateless triage and re-decisions after an intel update all decide the same way.
 *
 * @example
 * const decider = createDecider({ intel, assets: createAssetMatcher(inv.assets, inv.defaults), policy, now });
 * decider.decide(finding, firstSeen).decision.outcome // "act"
 */
export function createDecider(options: {
  readonly intel: IntelLookup & Partial<Pick<PrefetchingIntel, "prefetch" | "records">>;
  readonly assets: AssetMatcherService;
  readonly policy: TriagePolicy;
  readonly now: Date;
}): FindingDecider {
  const { intel, assets, policy, now } = options;
  return {
    async prepare(batch, db) {
      await intel.prefetch?.(
        batch.map((f) => f.vulnId),
        db,
      );
    },
    async intelFor(cves, db) {
      if (intel.records) return intel.records(cves, db);
      // Intel that can only prefetch: fetched, then read at once (before another fetch can empty it).
      if (intel.prefetch) await intel.prefetch(cves, db);
      return cves.map((c) => intel.get(c) ?? NO_INTEL);
    },
    decide(finding: Finding, firstSeen: Date, known?: IntelRecord): Omit<DecidedFinding, "fingerprint"> {
      const asset = assets.match(finding.assetKey);
      const decision = decideBrief({
        finding,
        intel: known ?? intel.get(finding.vulnId),
        asset,
        policy,
        now,
        firstSeen,
      });
      return { finding, decision, owner: asset.asset.owner, assetMatched: asset.matched };
    },
  };
}

/** The intel of a vulnerability nothing is known of. */
const NO_INTEL: IntelRecord = {};
