import type { GatewayDeps } from "./deps.js";
import type { Exchange } from "./exchange.js";

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
