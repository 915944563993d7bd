import type { Store } from "../../store/open.js";
import type { TriagePolicy } from "../../vuln/triage/policy.js";
import { CISA_OUTCOMES } from "../../vuln/triage/types.js";
import { policyAssetDefaults, storedAssetMatcher } from "../assets/store-assets.js";
import { storeIntel } from "../intel/store-lookup.js";
import { createDecider } from "./create-decider.js";
import { rowToFinding } from "./get.js";

const PAGE = 5000;

/**
 * Decide every open finding again with the store's current intel, inventory and policy: after an intel
 * load or sync, or a new asset inventory, decisions must follow. Works in pages of 5,000 by id, each
 * page updated in one statement; returns how many were decided and how many changed outcome.
 *
 * @example await redecideOpenFindings({ ctx: { store, now: new Date(), policy } })
 */
export async function redecideOpenFindings({
  ctx,
}: {
  ctx: { store: Store; now: Date; policy: TriagePolicy; onProgress?: (done: number) => void };
}): Promise<{ total: number; changed: number }> {
  const { store } = ctx;
  const assets = await storedAssetMatcher(store, policyAssetDefaults(ctx.policy));
  const decider = createDecider({ intel: storeIntel(store), assets, policy: ctx.policy, now: ctx.now });
  let after = 0;
  let total = 0;
  let changed = 0;
  for (;;) {
    const rows = await store.query(
      `SELECT f.*, ARRAY(SELECT s.scanner FROM finding_sources s WHERE s.finding_id = f.id ORDER BY s.scanner) AS scanners
         FROM findings f WHERE f.id > $1 AND f.status IN ('open', 'under_investigation') ORDER BY f.id LIMIT $2`,
      [after, PAGE],
    );
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.id);
    const findings = rows.map((r) => rowToFinding(r, (r.scanners as string[] | null) ?? []));
    await decider.prepare?.(findings);
    const updates = rows.map((r, i) => {
      const d = decider.decide(findings[i]!, new Date(r.first_seen as string));
      if (d.decision.outcome !== r.outcome) changed++;
      return {
        id: Number(r.id),
        outcome: d.decision.outcome,
        outcome_rank: CISA_OUTCOMES.indexOf(d.decision.outcome),
        deployer: d.decision.deployer,
        score: d.decision.score,
        due_date: d.decision.dueDate,
        top_reason: d.decision.topReason.text,
        owner: d.owner,
        asset_matched: d.assetMatched,
      };
    });
    await store.query(
      `UPDATE findings f SET outcome = u.outcome, outcome_rank = u.outcome_rank, deployer = u.deployer, score = u.score,
              due_date = u.due_date, top_reason = u.top_reason, owner = u.owner, asset_matched = u.asset_matched, decided_at = $2,
              -- The hash of the last import's staging holds while the decision it staged does.
              content_hash = CASE WHEN (f.outcome, f.outcome_rank, f.deployer, f.score, f.due_date, f.top_reason, f.owner, f.asset_matched)
                IS NOT DISTINCT FROM (u.outcome, u.outcome_rank, u.deployer, u.score, u.due_date, u.top_reason, u.owner, u.asset_matched)
                THEN f.content_hash END
         FROM json_to_recordset($1::json) AS u(id bigint, outcome text, outcome_rank smallint, deployer text, score real,
              due_date date, top_reason text, owner text, asset_matched boolean)
        WHERE f.id = u.id`,
      [JSON.stringify(updates), ctx.now],
    );
    total += rows.length;
    ctx.onProgress?.(total);
  }
  return { total, changed };
}
