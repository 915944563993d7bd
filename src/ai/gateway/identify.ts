// Who is asking: the detente key a client presented, checked, and the tool it is used from. A request
// without a valid key, or from a tool its key is not for, is answered here (401, 403) and goes no further.
import type { IncomingHttpHeaders } from "node:http";
import type { Principal } from "../../services/ai/keys.js";
import { toolFromUserAgent } from "../policy/index.js";
import type { Caller } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import type { Exchange } from "./exchange.js";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";

/**
 * The key a client presented: `Authorization: Bearer`, Anthropic's `x-api-key`, or Azure's `api-key`.
 *
 * @example presentedKey({ "x-api-key": "dtk_abc" }); // "dtk_abc"
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ")
    return auth.slice(7).trim();
  for (const name of KEY_HEADERS) {
    const v = headers[name];
    if (typeof v === "string" && v.length > 0) return v.trim();
  }
  return undefined;
}

const KEY_HEADERS = ["x-api-key", "api-key"];

/** Tools whose User-Agent is specific enough that a key bound to another tool should not be used by it. */
const GENERIC_TOOLS = new Set(["unknown", "openai-sdk", "anthropic-sdk", "curl"]);

/**
 * Authenticate the caller and name the tool: the key's own tool when it is bound to one, else the tool
 * read from the User-Agent. Answers 401/403 itself and returns null when the request cannot go on.
 *
 * @example const who = await identify(deps, x, req, res); if (!who) return; // already answered
 */
export async function identify(
  deps: GatewayDeps,
  x: Exchange,
  req: GatewayRequest,
  res: GatewayResponse,
): Promise<{ principal: Principal; caller: Caller } | null> {
  const key = presentedKey(req.headers);
  const principal = key === undefined ? null : await deps.keys.verify(key);
  if (!principal) {
    x.fail(
      res,
      401,
      key === undefined
        ? "No detente key: set your assistant's API key to a key from `detente keys create`."
        : "This detente key is not valid (unknown, revoked or expired): ask your admin for a new one.",
      "invalid_api_key",
    );
    return null;
  }
  const detected = toolFromUserAgent(req.headers["user-agent"], req.headers);
  const tool = principal.tool ?? detected;
  x.event.keyId = principal.keyId;
  x.event.user = principal.user;
  x.event.team = principal.team;
  x.event.tool = tool;
  if (principal.tool !== null && !GENERIC_TOOLS.has(detected) && detected !== principal.tool) {
    x.fail(
      res,
      403,
      `This detente key is for ${principal.tool}, but the request comes from ${detected}: ask for a key for ${detected}.`,
      "key_tool_mismatch",
    );
    return null;
  }
  return { principal, caller: { user: principal.user, team: principal.team, tool } };
}
