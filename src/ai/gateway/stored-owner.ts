import type { GatewayDeps } from "./deps.js";
import type { Exchange } from "./exchange.js";
import type { GatewayResponse } from "./http-shapes.js";

/** The longest response id noted (OpenAI's are 50-odd characters); a longer one is not a real id. */
const MAX_ID = 512;

/**
 * Note who created a stored response, from the response object of a Responses answer (the whole
 * answer's body, or a stream's `response.created`), when the exchange creates one (see
 * `Exchange.createsStored`): once, and only for an object with a string `id`.
 *
 * @example createdStoredResponse(deps, x, parsed.response);
 */
export function createdStoredResponse(deps: GatewayDeps, x: Exchange, response: unknown): void {
  const owner = x.createsStored;
  if (owner === null || typeof response !== "object" || response === null) return;
  const id = (response as { id?: unknown }).id;
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID) return;
  x.createsStored = null;
  deps.storedResponses.record(id, owner);
}

/**
 * A request may continue a stored response unless another user created it through detente on the
 * upstream it goes to: every caller shares detente's upstream credential, so the provider would read
 * anyone's conversation to whoever names its id. Refused as the provider refuses an id it does not know
 * (400, `previous_response_not_found`, so the SDKs raise the same error), but by detente (decision
 * `deny`): the answer does not pretend to be the provider's. An id nobody created through detente (made
 * at the provider directly, or whose note could not be written) is the provider's to judge.
 *
 * @example if (!(await mayContinue(deps, x, res, { id, upstream: "openai" }, user))) return; // answered
 */
export async function mayContinue(
  deps: GatewayDeps,
  x: Exchange,
  res: GatewayResponse,
  previous: { id: string; upstream: string },
  user: string,
): Promise<boolean> {
  let whose: "mine" | "theirs" | "unknown";
  try {
    whose = await deps.storedResponses.whose(previous.id, user, previous.upstream);
  } catch {
    x.fail(
      res,
      503,
      "detente could not look up who created the response this request continues: its store is unavailable.",
      "store_unavailable",
    );
    return false;
  }
  if (whose !== "theirs") return true;
  x.event.action = "deny";
  x.event.reasons = [...x.event.reasons, "continues a stored response another user created through detente"];
  x.fail(
    res,
    400,
    "The response named by previous_response_id was not created through detente by you: a conversation another user stored cannot be continued through detente.",
    "previous_response_not_found",
  );
  return false;
}
