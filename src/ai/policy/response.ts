import { DATA_CLASSES } from "../inspect/types.js";
import type { AiPolicy, ResponsePlan } from "./types.js";

/**
 * What to do with findings in model output, from `responses:`: the classes to mask (replace with
 * placeholders as the text streams back), to block (stop the response) and to warn about. Classes set
 * to `allow` appear in none of the lists. In data-class order.
 *
 * @example responsePlan(DEFAULT_AI_POLICY) // { mask: ["secret"], block: [], warn: ["unsafe-code"] }
 */
export function responsePlan(policy: AiPolicy): ResponsePlan {
  const of = (action: string) => DATA_CLASSES.filter((c) => policy.responses[c] === action);
  return { mask: of("redact"), block: of("block"), warn: of("warn") };
}
