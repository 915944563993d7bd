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
  readonly intel: IntelLookup & Partial<Pick<PrefetchingIntel, "prefetch" | "generation" | "records">>;
  readonly assets: AssetMatcherService;
  readonly policy: TriagePolicy;
  readonly now: Date;
}): FindingDecider {
  const { intel, assets, policy, now } = options;
  // The cache generation each batch's intel was fetched at: a caller that prepares a batch twice (as it
  // arrives and again right before deciding it) needs nothing the second time unless the cache was
  // emptied in between. An import asks for intel by vulnerability instead (`intelFor`).
  const prepared = new WeakMap<readonly Finding[], number>();
  return {
    async prepare(batch, db) {
      if (!intel.prefetch) return;
      const at = prepared.get(batch);
      if (at !== undefined && at === intel.generation?.()) return;
      const generation = await intel.prefetch(
        batch.map((f) => f.vulnId),
        db,
      );
      prepared.set(batch, generation);
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
